"""API: tracked transactions (``/api/v1/onchain/transactions/``), thin around services.transactions.

POST ``{"tx_hash"}`` follows a transaction (201, or 200 with the same row when it is already
followed); GET lists one's own (paginated, filter ``status``, ``final``) or reads one, checking it
again first when it is not final; DELETE stops following it. Another user's transaction is 404
for every method, before anything else.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.onchain.chain import ChainUnavailable
from apps.onchain.models import TrackedTransaction, TxStatus
from apps.onchain.networks import network
from apps.onchain.services import transactions as service
from quantumvest.errors import ValidationFailed
from quantumvest.schema import error_response
from quantumvest.serializers import Input

CHAIN_DOWN = error_response(
    "The chain node is unreachable, too slow (ONCHAIN_RPC_TIMEOUT) or on another chain than "
    "ONCHAIN_CHAIN_ID (`code` chain_unavailable or chain_id_mismatch); nothing was stored."
)


class TrackInput(Input):
    tx_hash = serializers.CharField(max_length=80, help_text="0x and 64 hexadecimal digits.")


class DecodedTransferOutput(serializers.Serializer):
    log_index = serializers.IntegerField()
    token = serializers.CharField(help_text="The ERC-20 contract (EIP-55).")
    symbol = serializers.CharField(allow_blank=True)
    decimals = serializers.IntegerField(allow_null=True)
    from_address = serializers.CharField()
    to_address = serializers.CharField()
    value = serializers.CharField(help_text="Token base units, as a string.")


@extend_schema_field(DecodedTransferOutput(many=True))
class TransfersField(serializers.JSONField):
    pass


class TransactionOutput(serializers.ModelSerializer):
    value = serializers.SerializerMethodField(help_text="Native coin sent, base units (wei) as a string.")
    transfers = TransfersField(read_only=True, help_text="Decoded ERC-20 Transfer logs of the receipt.")
    network = serializers.SerializerMethodField()
    explorer_url = serializers.SerializerMethodField(help_text="Empty on local chains.")

    class Meta:
        model = TrackedTransaction
        fields = [
            "id",
            "tx_hash",
            "status",
            "confirmations",
            "from_address",
            "to_address",
            "value",
            "gas_used",
            "block_number",
            "transfers",
            "chain_id",
            "network",
            "explorer_url",
            "block_hash",
            "final",
            "submitted_at",
            "checked_at",
            "check_error",
        ]
        read_only_fields = fields

    def get_value(self, row: TrackedTransaction) -> str | None:
        return None if row.value is None else f"{row.value:f}"

    def get_network(self, row: TrackedTransaction) -> str:
        return network(row.chain_id).name

    def get_explorer_url(self, row: TrackedTransaction) -> str:
        return network(row.chain_id).tx_url(row.tx_hash)


FILTERS = [
    OpenApiParameter("status", str, enum=TxStatus.values, description="Only transactions in this status."),
    OpenApiParameter("final", bool, description="true: only final ones; false: only those still checked."),
]


def _filtered(request, queryset):
    raw_status = request.query_params.get("status")
    if raw_status not in (None, ""):
        if raw_status not in TxStatus.values:
            message = f"One of {', '.join(TxStatus.values)}."
            raise ValidationFailed(message, fields={"status": [message]})
        queryset = queryset.filter(status=raw_status)
    raw_final = request.query_params.get("final")
    if raw_final not in (None, ""):
        if raw_final.lower() not in ("true", "false"):
            raise ValidationFailed("true or false.", fields={"final": ["true or false."]})
        queryset = queryset.filter(final=raw_final.lower() == "true")
    return queryset


class TransactionListView(GenericAPIView):
    serializer_class = TransactionOutput

    def get_queryset(self):
        return service.transactions_for_user(self.request.user)

    @extend_schema(summary="Your tracked transactions", parameters=FILTERS, responses=TransactionOutput(many=True))
    def get(self, request):
        page = self.paginate_queryset(_filtered(request, self.get_queryset()))
        return self.get_paginated_response(TransactionOutput(page, many=True).data)

    @extend_schema(
        summary="Track a transaction by its hash",
        description="Checks the transaction on the configured chain and keeps it current until it is "
        "final. The same hash again answers 200 with the same row.",
        request=TrackInput,
        responses={201: TransactionOutput, 200: TransactionOutput, 503: CHAIN_DOWN},
    )
    def post(self, request):
        data = TrackInput(data=request.data)
        data.is_valid(raise_exception=True)
        row, created = service.track_transaction(user=request.user, **data.validated_data)
        return Response(TransactionOutput(row).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class TransactionDetailView(GenericAPIView):
    serializer_class = TransactionOutput

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Ownership before the method: another user's id is 404 for every method, even unsupported ones.
        self.row = service.get_transaction_for_user(request.user, kwargs["transaction_id"])

    @extend_schema(
        summary="One of your tracked transactions",
        description="A transaction that is not final is checked again first (at most every few "
        "seconds); when the node cannot answer, the stored state is returned with `check_error`.",
        parameters=[OpenApiParameter("transaction_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    def get(self, request, transaction_id):
        try:
            row = service.refresh_if_stale(self.row)
        except ChainUnavailable:
            row = self.row
        return Response(TransactionOutput(row).data)

    @extend_schema(
        summary="Stop tracking a transaction",
        parameters=[OpenApiParameter("transaction_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={204: None},
    )
    def delete(self, request, transaction_id):
        service.untrack_transaction(row=self.row)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("onchain/transactions/", TransactionListView.as_view(), name="transaction-list"),
    path("onchain/transactions/<int:transaction_id>/", TransactionDetailView.as_view(), name="transaction-detail"),
]
