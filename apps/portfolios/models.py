"""Portfolios and their lots.

Each ``PortfolioAsset`` row is one lot (a purchase); several lots of one asset are aggregated for
display by ``apps.portfolios.selectors``. Money, prices and quantities are Decimal.

"purchase_date not in the future" cannot be a portable database constraint (a CHECK may not call
``now()`` on PostgreSQL, since CHECK expressions must be immutable): ``PortfolioAsset.clean`` and the
services enforce it, and every face goes through them. Neither can "not after the asset's last
price" (it reads the bars): the services enforce it (``PortfolioAsset.after_last_price`` words it for every face).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from quantumvest.jobs import Job

QUANTITY_PLACES = 8
MONEY_PLACES = 8
POSITIVE = Decimal("0.00000001")


class PortfolioQuerySet(models.QuerySet["Portfolio"]):
    def owned_by(self, user) -> PortfolioQuerySet:
        return self.filter(user=user)


class Portfolio(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolios")
    name = models.CharField(max_length=100)
    base_currency = models.CharField(
        max_length=3, default="USD", validators=[RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 code.")]
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PortfolioQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "user", name="portfolios_portfolio_name_unique_per_user"),
            models.CheckConstraint(
                condition=models.Q(base_currency__regex=r"^[A-Z]{3}$"), name="portfolios_portfolio_currency_iso"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="portfolios_portfolio_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class PortfolioAsset(models.Model):
    """One lot: a quantity of an asset bought at a price on a date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="lots")
    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="lots")
    quantity = models.DecimalField(
        max_digits=28, decimal_places=QUANTITY_PLACES, validators=[MinValueValidator(POSITIVE)]
    )
    purchase_price = models.DecimalField(
        max_digits=20, decimal_places=MONEY_PLACES, validators=[MinValueValidator(POSITIVE)]
    )
    purchase_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purchase_date", "created_at", "id"]
        verbose_name = "lot"
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="portfolios_lot_quantity_positive"),
            models.CheckConstraint(condition=models.Q(purchase_price__gt=0), name="portfolios_lot_price_positive"),
        ]
        indexes = [models.Index(fields=["portfolio", "asset"], name="portfolios_lot_portfolio_asset")]

    def __str__(self) -> str:
        return f"{self.quantity} {self.asset_id} @ {self.purchase_price} on {self.purchase_date}"

    def clean(self) -> None:
        super().clean()
        if self.purchase_date and self.purchase_date > timezone.localdate():
            raise ValidationError({"purchase_date": "The purchase date cannot be in the future."})

    @staticmethod
    def after_last_price(symbol: str, last: date) -> str:
        """Why a purchase dated after the asset's last price (``last``) is refused: it cannot be valued."""
        return f"{symbol}'s prices end on {last:%Y-%m-%d}; a purchase after that date cannot be valued."

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.purchase_price


class Objective(models.TextChoices):
    MAX_SHARPE = "max_sharpe", "Maximum Sharpe ratio"
    MIN_VOLATILITY = "min_volatility", "Minimum volatility"
    EFFICIENT_RISK = "efficient_risk", "Highest return for a target volatility"
    EFFICIENT_RETURN = "efficient_return", "Lowest volatility for a target return"
    MAX_QUADRATIC_UTILITY = "max_quadratic_utility", "Maximum quadratic utility"
    HRP = "hrp", "Hierarchical risk parity"
    BLACK_LITTERMAN = "black_litterman", "Black-Litterman with QuantumVest predictions"


class OptimizationRun(Job):
    """One optimisation of a portfolio: its inputs, the in-sample result and the trades to reach it.

    ``expected_return``, ``volatility`` and ``sharpe`` are in-sample: computed with the same
    estimates the optimiser used. Out-of-sample figures live in ``backtest``. Floats are ratios;
    money (``leftover_cash``) is Decimal, quantities in ``allocation`` and ``trades`` are strings
    of Decimals.
    """

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="optimization_runs")
    objective = models.CharField(max_length=32, choices=Objective.choices)
    inputs = models.JSONField(default=dict)
    weights = models.JSONField(default=dict, blank=True)
    expected_return = models.FloatField(null=True, blank=True)
    volatility = models.FloatField(null=True, blank=True)
    sharpe = models.FloatField(null=True, blank=True)
    frontier = models.JSONField(default=list, blank=True)
    markers = models.JSONField(default=dict, blank=True, help_text="Current portfolio, recommendation and 1/N.")
    allocation = models.JSONField(default=dict, blank=True)
    prices = models.JSONField(
        default=dict, blank=True, help_text="Per symbol: the close the allocation and trades use, its date, stale."
    )
    leftover_cash = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    trades = models.JSONField(default=list, blank=True)
    backtest = models.JSONField(null=True, blank=True)
    notes = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    error_fields = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        constraints = [
            Job.state_constraint("portfolios_optimizationrun_state_valid"),
            models.CheckConstraint(
                condition=models.Q(objective__in=Objective.values), name="portfolios_optimizationrun_objective_valid"
            ),
        ]
        # The product writes British English ("Optimise"): job lists and notifications name it so.
        verbose_name = "optimisation run"
        indexes = [models.Index(fields=["portfolio", "-created_at"], name="portfolios_optrun_recent")]

    def __str__(self) -> str:
        return f"{self.get_objective_display()} for {self.portfolio_id} ({self.state})"


class BacktestRun(Job):
    """A walk-forward backtest of optimiser settings on a portfolio's universe; figures in ``result``."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="backtest_runs")
    inputs = models.JSONField(default=dict)
    error_fields = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        verbose_name = "portfolio backtest run"
        constraints = [Job.state_constraint("portfolios_backtestrun_state_valid")]

    def __str__(self) -> str:
        return f"Backtest for {self.portfolio_id} ({self.state})"


class PortfolioShareQuerySet(models.QuerySet["PortfolioShare"]):
    def active(self) -> PortfolioShareQuerySet:
        return self.filter(revoked_at__isnull=True)


class PortfolioShare(models.Model):
    """A read-only public link to a portfolio's performance, until it is revoked.

    Only a SHA-256 digest of the link's token is stored (``token_hash``): the link is a bearer
    credential, so whoever reads the database (a backup, an analyst in the admin) cannot open
    shared portfolios with it. The owner sees the full link once, when it is created; ``token_hint``
    (its first characters) tells links apart afterwards. A portfolio may have several links (with
    and without quantities, one per audience), each revoked on its own.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="shares")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(max_length=8, editable=False, help_text="The first characters of the token.")
    include_quantities = models.BooleanField(
        default=False, help_text="Show the units held of each asset (and so their market values)."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PortfolioShareQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "portfolio share link"
        constraints = [
            models.CheckConstraint(
                # A pattern of the digest column, not a secret.
                condition=models.Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="portfolios_share_token_hash_sha256",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | models.Q(revoked_at__gte=models.F("created_at")),
                name="portfolios_share_revoked_after_created",
            ),
        ]
        indexes = [models.Index(fields=["portfolio", "-created_at"], name="portfolios_share_recent")]

    def __str__(self) -> str:
        return f"Share {self.token_hint}… of {self.portfolio_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def digest(token: str) -> str:
        """The stored form of a link's token (hex SHA-256): equality on it finds the link."""
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
