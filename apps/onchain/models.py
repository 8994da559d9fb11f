"""What QuantumVest keeps of chains: deployed contracts, tracked addresses and what was ingested for
them, transactions users follow, and the notarised batches of predictions.

Amounts are exact: base units (wei, a token's smallest unit) in ``DecimalField(max_digits=78,
decimal_places=0)``, which holds any uint256. Addresses are stored EIP-55 checksummed, hashes as
0x-prefixed lower-case hex. Transfers are shared rows (stored once by chain, tx hash and log index,
whoever tracks them); what a user sees is filtered by their own tracked addresses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.predictions.models import Prediction
from quantumvest.jobs import Job

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
HASH_PATTERN = r"^0x[0-9a-f]{64}$"
# Native-coin transfers have no log: their log index is this (ERC-20 logs count from 0).
NATIVE_LOG_INDEX = -1


def _amount(**extra) -> models.DecimalField:
    """Base units of a coin or token: any uint256 (78 digits), no fraction."""
    return models.DecimalField(max_digits=78, decimal_places=0, **extra)


def _address(**extra) -> models.CharField:
    return models.CharField(max_length=42, **extra)


def _hash(**extra) -> models.CharField:
    return models.CharField(max_length=66, **extra)


class Contract(models.Model):
    """A QuantumVest contract deployed on a chain: the per-network record of ``deploy_contracts``."""

    name = models.CharField(max_length=64, help_text="Artifact name in contracts/build (DataTracking, ...).")
    chain_id = models.BigIntegerField()
    address = _address()
    deploy_tx = _hash()
    block_number = models.BigIntegerField()
    artifact_hash = models.CharField(max_length=64, help_text="sha256 of the artifact's bytecode and ABI.")
    deployer = _address()
    deployed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["chain_id", "name", "-deployed_at"]
        get_latest_by = "deployed_at"
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="onchain_contract_address_unique"),
            models.CheckConstraint(condition=models.Q(address__regex=ADDRESS_PATTERN), name="onchain_contract_address"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.chain_id} at {self.address}"


class Token(models.Model):
    """An ERC-20 contract's metadata as read from the chain (shared by everyone who tracks it)."""

    chain_id = models.BigIntegerField()
    address = _address()
    name = models.CharField(max_length=100, blank=True)
    symbol = models.CharField(max_length=32, blank=True)
    decimals = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Null when the token reports none.")
    large_transfer_threshold = _amount(
        null=True,
        blank=True,
        help_text="Base units from which a transfer counts as large (default 10^decimals × 10,000).",
    )

    class Meta:
        ordering = ["chain_id", "symbol"]
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="onchain_token_unique"),
            models.CheckConstraint(condition=models.Q(address__regex=ADDRESS_PATTERN), name="onchain_token_address"),
        ]

    def __str__(self) -> str:
        return f"{self.symbol or self.address} ({self.chain_id})"


class AddressKind(models.TextChoices):
    WALLET = "wallet", "Wallet"
    TOKEN = "token", "Token contract"


class TrackedAddress(models.Model):
    """A wallet or an ERC-20 token contract a user follows on one chain."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_addresses")
    chain_id = models.BigIntegerField()
    address = _address(help_text="EIP-55 checksummed.")
    kind = models.CharField(max_length=8, choices=AddressKind.choices, default=AddressKind.WALLET)
    label = models.CharField(max_length=100, blank=True)
    token = models.ForeignKey(Token, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    synced_from = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Ingestion covers this address from this block on; null until its first sync (a backfill).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label", "address"]
        verbose_name_plural = "tracked addresses"
        constraints = [
            models.UniqueConstraint(fields=["owner", "chain_id", "address"], name="onchain_tracked_unique_per_owner"),
            models.CheckConstraint(condition=models.Q(kind__in=AddressKind.values), name="onchain_tracked_kind_valid"),
            models.CheckConstraint(condition=models.Q(address__regex=ADDRESS_PATTERN), name="onchain_tracked_address"),
        ]
        indexes = [models.Index(fields=["chain_id", "address"], name="onchain_tracked_chain_addr")]

    def __str__(self) -> str:
        return f"{self.label or self.address} ({self.kind}, chain {self.chain_id})"


class SyncCheckpoint(models.Model):
    """How far ingestion has gone on one chain. Blocks after ``final_block`` are provisional."""

    chain_id = models.BigIntegerField(unique=True)
    synced_block = models.BigIntegerField(help_text="Last block whose transfers are stored.")
    synced_hash = _hash(blank=True)
    final_block = models.BigIntegerField(default=-1, help_text="Last block beyond the confirmations at the last sync.")
    head_block = models.BigIntegerField(default=-1, help_text="The node's head at the last sync.")
    last_sync = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chain_id"]

    def __str__(self) -> str:
        return f"chain {self.chain_id} at {self.synced_block}"


class SeenBlock(models.Model):
    """Hash of each ingested block that is not final yet: what a reorg is detected against."""

    chain_id = models.BigIntegerField()
    number = models.BigIntegerField()
    hash = _hash()
    parent_hash = _hash()
    timestamp = models.DateTimeField()

    class Meta:
        ordering = ["chain_id", "number"]
        constraints = [models.UniqueConstraint(fields=["chain_id", "number"], name="onchain_seenblock_unique")]

    def __str__(self) -> str:
        return f"{self.chain_id}#{self.number} {self.hash[:10]}"


class Transfer(models.Model):
    """One movement of value: a native-coin transfer (log index -1) or one ERC-20 Transfer log."""

    chain_id = models.BigIntegerField()
    tx_hash = _hash()
    log_index = models.IntegerField(help_text="Position of the log in its block; -1 for a native-coin transfer.")
    block_number = models.BigIntegerField()
    block_hash = _hash()
    timestamp = models.DateTimeField()
    from_address = _address()
    to_address = _address()
    token = models.ForeignKey(
        Token, on_delete=models.PROTECT, null=True, blank=True, related_name="transfers", help_text="Null: native coin."
    )
    value = _amount(help_text="Base units.")
    final = models.BooleanField(default=False, help_text="Beyond the confirmations: no longer re-checked.")

    class Meta:
        ordering = ["-block_number", "-log_index"]
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "tx_hash", "log_index"], name="onchain_transfer_once"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="onchain_transfer_value_nonnegative"),
            models.CheckConstraint(condition=models.Q(log_index__gte=NATIVE_LOG_INDEX), name="onchain_transfer_log"),
        ]
        indexes = [
            models.Index(fields=["chain_id", "from_address", "-block_number"], name="onchain_transfer_from"),
            models.Index(fields=["chain_id", "to_address", "-block_number"], name="onchain_transfer_to"),
            models.Index(fields=["token", "timestamp"], name="onchain_transfer_token_time"),
            models.Index(fields=["chain_id", "block_number"], name="onchain_transfer_block"),
        ]

    def __str__(self) -> str:
        return f"{self.tx_hash[:10]}#{self.log_index} {self.value}"


class TokenDaily(models.Model):
    """One token's activity on one UTC day, recomputed from its stored transfers."""

    token = models.ForeignKey(Token, on_delete=models.CASCADE, related_name="daily")
    day = models.DateField()
    transfer_count = models.PositiveIntegerField()
    volume = _amount(help_text="Sum of transferred base units.")
    unique_senders = models.PositiveIntegerField()
    unique_receivers = models.PositiveIntegerField()
    large_transfers = models.PositiveIntegerField(help_text="Transfers at or above the token's large threshold.")
    final = models.BooleanField(default=False, help_text="Every transfer of the day is final.")

    class Meta:
        ordering = ["token", "day"]
        verbose_name_plural = "token daily aggregates"
        constraints = [models.UniqueConstraint(fields=["token", "day"], name="onchain_tokendaily_unique")]

    def __str__(self) -> str:
        return f"{self.token} {self.day}: {self.transfer_count}"


class BalanceSnapshot(models.Model):
    """A tracked wallet's balance of the native coin (token null) or of a token, read at a block."""

    chain_id = models.BigIntegerField()
    address = _address()
    token = models.ForeignKey(Token, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    block_number = models.BigIntegerField()
    timestamp = models.DateTimeField()
    balance = _amount()

    class Meta:
        ordering = ["chain_id", "address", "-block_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain_id", "address", "token", "block_number"], name="onchain_balance_once_per_block"
            ),
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="onchain_balance_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.address} @{self.block_number}: {self.balance}"


class TxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    FAILED = "failed", "Failed (reverted)"
    NOT_FOUND = "not_found", "Not found"


class TrackedTransaction(models.Model):
    """A transaction a user submitted by hash, kept current until it is final."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_transactions")
    chain_id = models.BigIntegerField()
    tx_hash = _hash()
    status = models.CharField(max_length=10, choices=TxStatus.choices, default=TxStatus.PENDING)
    confirmations = models.PositiveIntegerField(default=0)
    from_address = _address(blank=True)
    to_address = _address(blank=True)
    value = _amount(null=True, blank=True, help_text="Native coin sent, base units.")
    gas_used = models.BigIntegerField(null=True, blank=True)
    block_number = models.BigIntegerField(null=True, blank=True)
    block_hash = _hash(blank=True)
    transfers = models.JSONField(default=list, blank=True, help_text="Decoded ERC-20 transfers (values as strings).")
    final = models.BooleanField(
        default=False, help_text="Confirmed or failed beyond the confirmations; no more checks."
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "chain_id", "tx_hash"], name="onchain_trackedtx_unique_per_owner"),
            models.CheckConstraint(condition=models.Q(status__in=TxStatus.values), name="onchain_trackedtx_status"),
            models.CheckConstraint(condition=models.Q(tx_hash__regex=HASH_PATTERN), name="onchain_trackedtx_hash"),
        ]
        indexes = [models.Index(fields=["final", "chain_id"], name="onchain_trackedtx_open")]

    def __str__(self) -> str:
        return f"{self.tx_hash[:10]} {self.status}"


class BatchStatus(models.TextChoices):
    SENT = "sent", "Sent"
    CONFIRMED = "confirmed", "Recorded on chain"
    FAILED = "failed", "Failed"


class NotarisedBatch(models.Model):
    """One DataTracking.record transaction: the Merkle root of a batch of predictions."""

    chain_id = models.BigIntegerField()
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="batches")
    kind = models.CharField(max_length=32, default="predictions.v1", help_text="The leaf encoding (documented).")
    root = _hash()
    count = models.PositiveIntegerField()
    tx_hash = _hash(blank=True)
    block_number = models.BigIntegerField(null=True, blank=True)
    batch_id = models.BigIntegerField(null=True, blank=True, help_text="The contract's id of the batch.")
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.SENT)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "notarised batches"
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "root"], name="onchain_batch_root_once"),
            models.CheckConstraint(condition=models.Q(status__in=BatchStatus.values), name="onchain_batch_status"),
            models.CheckConstraint(condition=models.Q(root__regex=HASH_PATTERN), name="onchain_batch_root_hex"),
        ]

    def __str__(self) -> str:
        return f"batch {self.root[:10]} ({self.count}, {self.status})"


class PredictionProof(models.Model):
    """A prediction's place in a notarised batch: its leaf hash and Merkle proof."""

    prediction = models.OneToOneField(Prediction, on_delete=models.CASCADE, related_name="notarisation")
    batch = models.ForeignKey(NotarisedBatch, on_delete=models.CASCADE, related_name="proofs")
    leaf_index = models.PositiveIntegerField()
    leaf_hash = _hash()
    proof = models.JSONField(default=list, help_text="Sibling hashes from the leaf up (sorted-pair keccak256).")

    class Meta:
        ordering = ["batch", "leaf_index"]
        constraints = [models.UniqueConstraint(fields=["batch", "leaf_index"], name="onchain_proof_leaf_once")]

    def __str__(self) -> str:
        return f"{self.prediction_id} in {self.batch_id}"


class NotaryReason(models.TextChoices):
    """Why a notarisation run did not notarise everything (empty: it did)."""

    NONE = "", "None"
    NO_KEY = "no_key", "No signing key configured"
    UNREACHABLE = "unreachable", "Chain node unreachable"
    WRONG_CHAIN = "wrong_chain", "Node on another chain"
    NOT_DEPLOYED = "not_deployed", "DataTracking not deployed"
    REFUSED = "refused", "Transaction refused"
    ERROR = "error", "Unexpected error"


class NotaryRun(Job):
    """One run of ``notarize_predictions`` (beat, command, after issue): what it did or why not."""

    trigger = models.CharField(max_length=16, default="beat", help_text="beat, command, issue or setup.")
    reason = models.CharField(max_length=16, choices=NotaryReason.choices, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta(Job.Meta):
        constraints = [
            Job.state_constraint("onchain_notaryrun_state_valid"),
            models.CheckConstraint(condition=models.Q(reason__in=NotaryReason.values), name="onchain_notaryrun_reason"),
        ]

    def __str__(self) -> str:
        return f"Notarisation ({self.trigger}, {self.state})"
