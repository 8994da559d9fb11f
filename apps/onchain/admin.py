"""Admin of on-chain records: staff only, like the rest of the admin.

Almost everything here is a record of the chain or of what ingestion derived from it, so it is
read-only: contracts (written by ``deploy_contracts``), checkpoints and seen blocks (by the sync),
transfers, daily aggregates and balances (ingested), tracked transactions (kept current by Celery),
notarised batches and their proofs (what verification recomputes). Two things are edited:

- a tracked address's label (through ``services.addresses``; addresses are added by their owners
  on the page or the API, which read the chain, and removed through the same service);
- a token's large-transfer threshold (an operator's choice, used by the daily aggregates).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from apps.onchain.models import (
    BalanceSnapshot,
    Contract,
    NotarisedBatch,
    PredictionProof,
    SyncCheckpoint,
    Token,
    TokenDaily,
    TrackedAddress,
    TrackedTransaction,
    Transfer,
)
from apps.onchain.services import addresses as services


class ReadOnlyAdmin(admin.ModelAdmin):
    """Listed, searched and viewed; never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("name", "chain_id", "address", "block_number", "deployed_at", "artifact_hash")
    list_filter = ("name", "chain_id")
    search_fields = ("address", "deploy_tx", "name")


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    list_display = ("symbol", "name", "chain_id", "address", "decimals", "large_transfer_threshold")
    list_filter = ("chain_id",)
    search_fields = ("symbol", "name", "address")
    readonly_fields = ("chain_id", "address", "name", "symbol", "decimals")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # tokens are read from the chain when someone tracks one


@admin.register(TrackedAddress)
class TrackedAddressAdmin(admin.ModelAdmin):
    list_display = ("address", "label", "kind", "chain_id", "owner", "created_at")
    list_filter = ("kind", "chain_id")
    search_fields = ("address", "label", "owner__email")
    list_select_related = ("owner", "token")
    fields = ("owner", "chain_id", "address", "kind", "token", "label", "created_at")
    readonly_fields = ("owner", "chain_id", "address", "kind", "token", "created_at")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj: TrackedAddress, form, change: bool) -> None:
        services.relabel_address(tracked=obj, label=obj.label)

    def delete_model(self, request, obj: TrackedAddress) -> None:
        services.untrack_address(tracked=obj)

    def delete_queryset(self, request, queryset) -> None:
        for tracked in queryset:
            services.untrack_address(tracked=tracked)


@admin.register(SyncCheckpoint)
class SyncCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("chain_id", "synced_block", "final_block", "head_block", "last_sync", "last_error")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("tx_hash", "log_index", "chain_id", "block_number", "timestamp", "token", "value", "final")
    list_filter = ("chain_id", "final")
    search_fields = ("tx_hash", "from_address", "to_address", "token__symbol", "token__address")
    list_select_related = ("token",)
    date_hierarchy = "timestamp"


@admin.register(TokenDaily)
class TokenDailyAdmin(ReadOnlyAdmin):
    list_display = (
        "token",
        "day",
        "transfer_count",
        "volume",
        "unique_senders",
        "unique_receivers",
        "large_transfers",
        "final",
    )
    list_filter = ("final",)
    search_fields = ("token__symbol", "token__address")
    list_select_related = ("token",)
    date_hierarchy = "day"


@admin.register(BalanceSnapshot)
class BalanceSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("address", "token", "chain_id", "block_number", "timestamp", "balance")
    list_filter = ("chain_id",)
    search_fields = ("address", "token__symbol")
    list_select_related = ("token",)


@admin.register(TrackedTransaction)
class TrackedTransactionAdmin(ReadOnlyAdmin):
    list_display = ("tx_hash", "status", "confirmations", "chain_id", "owner", "final", "submitted_at", "checked_at")
    list_filter = ("status", "final", "chain_id")
    search_fields = ("tx_hash", "owner__email", "from_address", "to_address")
    list_select_related = ("owner",)


@admin.register(NotarisedBatch)
class NotarisedBatchAdmin(ReadOnlyAdmin):
    list_display = ("root", "count", "status", "chain_id", "batch_id", "tx_hash", "block_number", "created_at")
    list_filter = ("status", "chain_id", "kind")
    search_fields = ("root", "tx_hash")
    readonly_fields = ("proofs",)

    # A batch holds up to 10,000 proofs: they are listed on their own (paginated) page, not inline.
    @admin.display(description="proofs")
    def proofs(self, obj: NotarisedBatch) -> str:
        url = reverse("admin:onchain_predictionproof_changelist") + f"?batch__id__exact={obj.pk}"
        return format_html('<a href="{}">{} proofs of this batch</a>', url, obj.proofs.count())


@admin.register(PredictionProof)
class PredictionProofAdmin(ReadOnlyAdmin):
    list_display = ("prediction", "batch", "leaf_index", "leaf_hash")
    list_filter = ("batch__chain_id",)
    search_fields = ("leaf_hash", "batch__root", "prediction__id")
    list_select_related = ("batch", "prediction")
    raw_id_fields = ("prediction", "batch")
