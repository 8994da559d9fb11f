"""Input and output serializers of the read API for assets, prices and stats."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.assets.analytics import RETURN_PERIODS
from apps.assets.market import market_data_date
from apps.assets.models import Asset
from apps.assets.selectors import BAR_COLUMNS, Interval


class AssetSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="id", read_only=True)

    class Meta:
        model = Asset
        fields = ["symbol", "name", "type", "currency", "is_active"]
        read_only_fields = fields


MARKET_DATE_HELP = (
    "The market date: the last day market data has reached (the latest bar of any active asset), "
    'the product\'s "today" for windows, day changes and purchase-date checks; never after today.'
)


class AssetDetailSerializer(AssetSerializer):
    first_date = serializers.DateField(read_only=True, allow_null=True, help_text="Date of the first bar.")
    last_date = serializers.DateField(
        read_only=True, allow_null=True, help_text="Date of the last bar: this asset's own market date."
    )
    bar_count = serializers.IntegerField(read_only=True, help_text="Number of daily bars stored.")
    market_date = serializers.SerializerMethodField(help_text=MARKET_DATE_HELP + " null without any prices.")

    class Meta(AssetSerializer.Meta):
        fields = [
            *AssetSerializer.Meta.fields,
            "description",
            "metadata",
            "first_date",
            "last_date",
            "bar_count",
            "market_date",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_market_date(self, asset: Asset) -> date | None:
        return market_data_date()


class MarketSerializer(serializers.Serializer):
    market_date = serializers.DateField(help_text=MARKET_DATE_HELP + " Today's date when there are no prices.")
    from_prices = serializers.BooleanField(
        help_text="false when no prices are stored yet, so that market_date is only the wall-clock date."
    )


class RangeQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First date included (YYYY-MM-DD).")
    end = serializers.DateField(required=False, help_text="Last date included (YYYY-MM-DD).")

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and start > end:
            raise serializers.ValidationError({"end": ["The end date must not be before the start date."]})
        return attrs


class PricesQuerySerializer(RangeQuerySerializer):
    interval = serializers.ChoiceField(
        choices=Interval.choices,
        default=Interval.DAY,
        help_text="1d daily bars; 1w ISO weeks (Monday to Sunday) dated by their Monday; "
        "1mo calendar months dated by their first day.",
    )


PRICES_RESPONSE_SCHEMA = {
    "type": "object",
    "description": (
        "Bars in ascending date order as compact rows. Each row follows `columns`: "
        "date (YYYY-MM-DD), open, high, low, close, adj_close (null when the vendor gave none), volume. "
        "Prices and volume are JSON numbers written with the exact decimal digits stored (up to 8 "
        "decimal places, trailing zeros dropped); parse them as decimals where every digit matters. "
        "Resampled bars: first open, highest high, lowest low, last close and adjusted close, summed "
        "volume of the daily bars of the period within start..end."
    ),
    "required": ["symbol", "interval", "start", "end", "columns", "data"],
    "properties": {
        "symbol": {"type": "string", "example": "SPY"},
        "interval": {"type": "string", "enum": Interval.values},
        "start": {"type": "string", "format": "date", "nullable": True, "description": "Date of the first row."},
        "end": {"type": "string", "format": "date", "nullable": True, "description": "Date of the last row."},
        "columns": {"type": "array", "items": {"type": "string", "enum": list(BAR_COLUMNS)}},
        "data": {
            "type": "array",
            "items": {
                "type": "array",
                "minItems": len(BAR_COLUMNS),
                "maxItems": len(BAR_COLUMNS),
                "items": {"oneOf": [{"type": "string", "format": "date"}, {"type": "number"}], "nullable": True},
            },
            "example": [["2017-12-29", 268.529999, 268.549988, 266.640015, 266.859985, 266.859985, 96007400]],
        },
    },
}


class DrawdownSerializer(serializers.Serializer):
    value = serializers.FloatField(help_text="trough / peak - 1 (0 when the series never fell).")
    peak_date = serializers.DateField(allow_null=True)
    trough_date = serializers.DateField(allow_null=True)


# Field names such as "1d" are not Python identifiers: build the class from a mapping.
ReturnsSerializer = type(
    "ReturnsSerializer",
    (serializers.Serializer,),
    {period: serializers.FloatField(allow_null=True) for period in RETURN_PERIODS},
)


class StatsSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True, help_text="The stats are as of this date (the last bar).")
    last_close = serializers.FloatField(allow_null=True, help_text="Adjusted close of the last bar.")
    observations = serializers.IntegerField(help_text="Number of daily closes used.")
    returns = ReturnsSerializer(
        help_text="Simple returns to the last close from the last close on or before the same date one period "
        "earlier (1d: the previous bar; ytd: the last close of the previous year). null when the history is shorter."
    )
    cagr = serializers.FloatField(
        allow_null=True, help_text="(last / first) ** (1 / years) - 1, years of 365.25 days between the dates."
    )
    volatility = serializers.FloatField(
        allow_null=True,
        help_text="Sample standard deviation of daily simple returns times sqrt(periods_per_year).",
    )
    periods_per_year = serializers.IntegerField(
        help_text="Annualisation basis: 252 for stocks, ETFs and indices, 365 for crypto."
    )
    max_drawdown = DrawdownSerializer()
