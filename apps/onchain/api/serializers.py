"""Serializers of the on-chain API: inputs shaped like the services' arguments, read-only outputs.

Amounts are strings of base units (``value``, ``volume``): exact for any uint256, whatever the
client's number type; ``decimals`` says where the point goes.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.onchain.chain import checksum
from apps.onchain.models import AddressKind, TokenDaily, TrackedAddress, Transfer
from apps.onchain.networks import network
from apps.onchain.selectors import BIGINT_MAX, NATIVE, TransferFilter
from apps.onchain.services.tokens import format_units
from quantumvest.serializers import Input


@extend_schema_field({"type": "string", "pattern": r"^[0-9]+$", "example": "1500000"})
class BaseUnits(serializers.Field):
    """An exact integer amount as a decimal string (no exponent, no fraction)."""

    def to_representation(self, value):
        return str(int(value))


class TokenBrief(serializers.Serializer):
    address = serializers.CharField()
    name = serializers.CharField()
    symbol = serializers.CharField()
    decimals = serializers.IntegerField(allow_null=True)


class TrackedAddressOutput(serializers.ModelSerializer):
    network = serializers.SerializerMethodField()
    token = TokenBrief(read_only=True, allow_null=True, help_text="The token's metadata (token contracts only).")

    class Meta:
        model = TrackedAddress
        fields = ["id", "address", "chain_id", "kind", "label", "network", "token", "created_at"]
        read_only_fields = fields

    def get_network(self, obj: TrackedAddress) -> str:
        return network(obj.chain_id).name


class TrackedAddressInput(Input):
    address = serializers.CharField(
        max_length=100,
        help_text="0x and 40 hex digits; lower or upper case, or mixed case with a valid EIP-55 checksum.",
    )
    kind = serializers.ChoiceField(choices=AddressKind.choices, default=AddressKind.WALLET)
    label = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class LabelInput(Input):
    label = serializers.CharField(max_length=100, allow_blank=True, help_text="Blank removes the label.")


class LabelPatchInput(LabelInput):
    require_any = True


class TransferOutput(serializers.ModelSerializer):
    token = serializers.SerializerMethodField(help_text="The token contract's address; null for the native coin.")
    symbol = serializers.SerializerMethodField()
    value = BaseUnits(help_text="Base units (wei for the native coin), as a string.")
    decimals = serializers.SerializerMethodField(
        help_text="Where the point goes in `value` (null: the token has none)."
    )
    amount = serializers.SerializerMethodField(help_text="`value` with the decimals applied, exactly.")
    explorer_url = serializers.SerializerMethodField(
        help_text='The transaction on the network\'s explorer; "" if none.'
    )

    class Meta:
        model = Transfer
        fields = [
            "chain_id",
            "tx_hash",
            "log_index",
            "block_number",
            "timestamp",
            "from_address",
            "to_address",
            "token",
            "symbol",
            "value",
            "decimals",
            "amount",
            "final",
            "explorer_url",
        ]
        read_only_fields = fields

    def get_token(self, obj: Transfer) -> str | None:
        return obj.token.address if obj.token_id else None

    def get_symbol(self, obj: Transfer) -> str:
        return obj.token.symbol if obj.token_id else network(obj.chain_id).symbol

    def get_decimals(self, obj: Transfer) -> int | None:
        return obj.token.decimals if obj.token_id else network(obj.chain_id).decimals

    def get_amount(self, obj: Transfer) -> str:
        return format_units(obj.value, self.get_decimals(obj))

    def get_explorer_url(self, obj: Transfer) -> str:
        return network(obj.chain_id).tx_url(obj.tx_hash)


def _moment(value: str, *, end: bool) -> dt.datetime:
    """An ISO date (the whole UTC day) or date-time (UTC when it has no offset)."""
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise serializers.ValidationError("An ISO 8601 date (2024-01-31) or date-time (2024-01-31T12:00:00Z).") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


def _address(value: str) -> str:
    try:
        return checksum(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from exc


class TransferFilterInput(serializers.Serializer):
    """Query parameters of the transfer list (an empty value means "not given")."""

    address = serializers.CharField(required=False, help_text="From, to, or the token contract of the transfer.")
    token = serializers.CharField(
        required=False, help_text=f"A token contract address, or `{NATIVE}` for the native coin."
    )
    chain_id = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)
    from_block = serializers.IntegerField(required=False, min_value=0, max_value=BIGINT_MAX, help_text="Inclusive.")
    to_block = serializers.IntegerField(required=False, min_value=0, max_value=BIGINT_MAX, help_text="Inclusive.")
    start = serializers.CharField(required=False, help_text="ISO date or date-time, inclusive (UTC unless an offset).")
    end = serializers.CharField(required=False, help_text="ISO date (the whole day) or date-time, inclusive.")

    def validate_address(self, value: str) -> str:
        return _address(value)

    def validate_token(self, value: str) -> str:
        return NATIVE if value.lower() == NATIVE else _address(value)

    def validate_start(self, value: str) -> dt.datetime:
        return _moment(value, end=False)

    def validate_end(self, value: str) -> dt.datetime:
        return _moment(value, end=True)

    def validate(self, data):
        low, high = data.get("from_block"), data.get("to_block")
        if low is not None and high is not None and high < low:
            raise serializers.ValidationError({"to_block": ["Must be at least from_block."]})
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise serializers.ValidationError({"end": ["Must not be before start."]})
        return data

    def as_filter(self) -> TransferFilter:
        return TransferFilter(**self.validated_data)


class DailyFilterInput(serializers.Serializer):
    chain_id = serializers.IntegerField(
        required=False, min_value=1, max_value=BIGINT_MAX, help_text="When you track the address on several chains."
    )
    start = serializers.DateField(required=False, help_text="First day, inclusive.")
    end = serializers.DateField(required=False, help_text="Last day, inclusive.")

    def validate(self, data):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise serializers.ValidationError({"end": ["Must not be before start."]})
        return data


class TokenDailyOutput(serializers.ModelSerializer):
    volume = BaseUnits(help_text="Sum of the day's transferred base units, as a string.")

    class Meta:
        model = TokenDaily
        fields = ["day", "transfer_count", "volume", "unique_senders", "unique_receivers", "large_transfers", "final"]
        read_only_fields = fields


class StatusOutput(serializers.Serializer):
    connected = serializers.BooleanField()
    chain_id = serializers.IntegerField(
        allow_null=True, help_text="Null when the node is down and ONCHAIN_CHAIN_ID unset."
    )
    network = serializers.CharField(allow_null=True)
    local = serializers.BooleanField(help_text="A local development chain: its data is no public network's.")
    head_block = serializers.IntegerField(allow_null=True)
    synced_block = serializers.IntegerField(allow_null=True)
    lag = serializers.IntegerField(allow_null=True, help_text="Blocks between the head and the last synced block.")
    last_sync = serializers.DateTimeField(allow_null=True)
    last_sync_error = serializers.CharField()
    confirmations = serializers.IntegerField(allow_null=True)
    read_only = serializers.BooleanField(help_text="No signing key configured: no on-chain writes.")
    signer = serializers.CharField(allow_null=True, help_text="The address transactions are sent from.")
    reason = serializers.CharField(help_text="Why the node is not connected; empty when connected.")
