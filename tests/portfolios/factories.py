"""Factories for portfolios; optimisation and backtest tests use them too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from apps.assets.models import Asset, AssetType
from apps.portfolios.models import Portfolio, PortfolioAsset
from tests.accounts.factories import UserFactory


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset
        django_get_or_create = ("id",)

    id = factory.Sequence(lambda n: f"TST{n}")
    name = factory.LazyAttribute(lambda o: f"Test asset {o.id}")
    type = AssetType.STOCK


class PortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portfolio

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Portfolio {n}")


class LotFactory(factory.django.DjangoModelFactory):
    """A lot of ``PortfolioAsset``: 10 units at 100 bought on 2020-01-02 unless told otherwise."""

    class Meta:
        model = PortfolioAsset

    portfolio = factory.SubFactory(PortfolioFactory)
    asset = factory.SubFactory(AssetFactory)
    quantity = Decimal("10")
    purchase_price = Decimal("100")
    purchase_date = dt.date(2020, 1, 2)
