from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from quantumvest.jobs import Job

SYMBOL_PATTERN = r"^[A-Z0-9.\-^]{1,20}$"
PRICE_PLACES = 8
PRICE_QUANTUM = Decimal(1).scaleb(-PRICE_PLACES)


# Wide enough that rounding any value the columns can hold (28 digits for volume) never fails.
_QUANTIZE_CONTEXT = Context(prec=40)


def quantize_price(value: Decimal) -> Decimal:
    """Prices are stored to 8 decimal places, rounded half-even (banker's rounding)."""
    return value.quantize(PRICE_QUANTUM, rounding=ROUND_HALF_EVEN, context=_QUANTIZE_CONTEXT)


class AssetType(models.TextChoices):
    STOCK = "stock", "Stock"
    ETF = "etf", "ETF"
    INDEX = "index", "Index"
    CRYPTO = "crypto", "Crypto"


class AssetQuerySet(models.QuerySet["Asset"]):
    def active(self) -> AssetQuerySet:
        return self.filter(is_active=True)


class Asset(models.Model):
    id = models.CharField(
        "symbol",
        primary_key=True,
        max_length=20,
        validators=[
            RegexValidator(SYMBOL_PATTERN, "Use upper-case letters, digits and . - ^ (at most 20 characters).")
        ],
    )
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=AssetType.choices, default=AssetType.STOCK)
    currency = models.CharField(
        max_length=3, default="USD", validators=[RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code.")]
    )
    description = models.TextField(blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(type__in=AssetType.values), name="assets_asset_type_valid"),
            models.CheckConstraint(condition=models.Q(id__regex=SYMBOL_PATTERN), name="assets_asset_symbol_format"),
            models.CheckConstraint(condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="assets_asset_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.name})"

    @property
    def symbol(self) -> str:
        return self.id

    @property
    def trading_days_per_year(self) -> int:
        """Annualisation basis: crypto trades every calendar day, the others on exchange days."""
        return 365 if self.type == AssetType.CRYPTO else 252


class PriceBar(models.Model):
    """One daily bar. Prices are Decimal(20, 8); volume is fractional because crypto trades fractions."""

    # No index of its own: the (asset, date) unique index leads with asset and serves every lookup;
    # two more indexes (Django adds a LIKE one for varchar keys) would only slow bulk imports down.
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="bars", db_index=False)
    date = models.DateField()
    open = models.DecimalField(max_digits=20, decimal_places=PRICE_PLACES)
    high = models.DecimalField(max_digits=20, decimal_places=PRICE_PLACES)
    low = models.DecimalField(max_digits=20, decimal_places=PRICE_PLACES)
    close = models.DecimalField(max_digits=20, decimal_places=PRICE_PLACES)
    adj_close = models.DecimalField(max_digits=20, decimal_places=PRICE_PLACES, null=True, blank=True)
    volume = models.DecimalField(max_digits=28, decimal_places=8, default=Decimal(0))
    # Vendor glitches that are not fatal (an open outside the day's range): kept as given, flagged.
    quality_issues = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["asset", "date"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "date"], name="assets_pricebar_asset_date_unique"),
            models.CheckConstraint(
                condition=models.Q(open__gt=0, high__gt=0, low__gt=0, close__gt=0),
                name="assets_pricebar_prices_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(adj_close__isnull=True) | models.Q(adj_close__gt=0),
                name="assets_pricebar_adj_close_positive",
            ),
            models.CheckConstraint(condition=models.Q(high__gte=models.F("low")), name="assets_pricebar_high_gte_low"),
            models.CheckConstraint(condition=models.Q(volume__gte=0), name="assets_pricebar_volume_nonnegative"),
        ]
        # The unique constraint's index on (asset, date) serves per-asset range scans; the partial
        # index keeps the analysts' "has quality issues" list cheap however many clean bars there are.
        indexes = [
            models.Index(
                fields=["asset", "date"],
                name="assets_pricebar_flagged_idx",
                condition=~models.Q(quality_issues=[]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.date} close={self.close}"

    @property
    def has_quality_issues(self) -> bool:
        return bool(self.quality_issues)


class ImportFormat(models.TextChoices):
    WIDE = "wide", "Wide (date, then one column per symbol)"
    OHLCV = "ohlcv", "OHLCV (one symbol: date, open, high, low, close, adj close, volume)"


class ImportJob(Job):
    """An uploaded price file waiting for, or done with, its import; ``result`` holds the report."""

    file = models.FileField(upload_to="imports/", blank=True)
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=8, choices=ImportFormat.choices, blank=True)
    symbol = models.CharField(max_length=20, blank=True)
    asset_type = models.CharField(max_length=16, choices=AssetType.choices, blank=True)
    create_assets = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)

    class Meta(Job.Meta):
        constraints = [
            Job.state_constraint("assets_importjob_state_valid"),
            models.CheckConstraint(
                condition=models.Q(format__in=[*ImportFormat.values, ""]), name="assets_importjob_format_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(asset_type__in=[*AssetType.values, ""]), name="assets_importjob_asset_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.filename} ({self.state})"


class DataEpoch(models.Model):
    """A counter of market-data writes, for processes whose cache is their own (see coherence.py).

    The embedded default keeps its cache in process memory, while the market replay and commands
    such as ``import_prices`` write bars from other processes: they bump this row, and each serving
    process drops its local cache when it sees the row move. With a shared cache (Redis) the
    generations in the cache itself do this and the row is not used.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="assets_dataepoch_single_row")]

    def __str__(self) -> str:
        return f"market-data epoch {self.value}"
