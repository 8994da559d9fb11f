"""Portfolios and their lots.

Each ``PortfolioAsset`` row is one lot (a purchase); several lots of one asset are aggregated for
display by ``apps.portfolios.selectors``. Money, prices and quantities are Decimal.

"purchase_date not in the future" cannot be a portable database constraint (a CHECK may not call
``now()`` on PostgreSQL, since CHECK expressions must be immutable): ``PortfolioAsset.clean`` and the
services enforce it, and every face goes through them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

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

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.purchase_price
