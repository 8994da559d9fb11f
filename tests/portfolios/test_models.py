"""Database constraints hold even when the services are bypassed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.portfolios.models import Portfolio, PortfolioAsset
from tests.portfolios.factories import LotFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["quantity", "purchase_price"])
@pytest.mark.parametrize("value", [Decimal(0), Decimal(-1)])
def test_non_positive_quantity_or_price_is_refused_by_the_database(field, value):
    lot = LotFactory.build(portfolio=PortfolioFactory(), **{field: value})
    lot.asset.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        PortfolioAsset.objects.bulk_create([lot])


def test_portfolio_names_are_unique_per_user_whatever_the_case():
    portfolio = PortfolioFactory(name="Growth")
    with pytest.raises(IntegrityError), transaction.atomic():
        Portfolio.objects.create(user=portfolio.user, name="GROWTH")
    Portfolio.objects.create(user=PortfolioFactory().user, name="Growth")  # another user may


def test_a_future_purchase_date_fails_model_validation():
    lot = LotFactory.build(purchase_date=timezone.localdate() + timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        lot.clean()
    assert "purchase_date" in caught.value.message_dict
