"""Factories for portfolios; optimisation and backtest tests use them too.

``AssetFactory`` is re-exported from tests.assets.factories for convenience.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

import factory

from apps.portfolios.models import BacktestRun, OptimizationRun, Portfolio, PortfolioAsset, PortfolioShare
from tests.accounts.factories import UserFactory
from tests.assets.factories import AssetFactory


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


__all__ = [
    "AssetFactory",
    "BacktestRunFactory",
    "LotFactory",
    "OptimizationRunFactory",
    "PortfolioFactory",
    "PortfolioShareFactory",
    "UserFactory",
]


class OptimizationRunFactory(factory.django.DjangoModelFactory):
    """A finished run with a made-up result: for access and display tests, never for numbers."""

    class Meta:
        model = OptimizationRun

    portfolio = factory.SubFactory(PortfolioFactory)
    user = factory.LazyAttribute(lambda o: o.portfolio.user)
    objective = "max_sharpe"
    state = "succeeded"
    progress = 100
    inputs = factory.LazyFunction(dict)


class BacktestRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BacktestRun

    portfolio = factory.SubFactory(PortfolioFactory)
    user = factory.LazyAttribute(lambda o: o.portfolio.user)
    state = "succeeded"
    progress = 100
    inputs = factory.LazyFunction(dict)


class PortfolioShareFactory(factory.django.DjangoModelFactory):
    """An active share link; its plain token is on the instance as ``token`` (only its digest is
    stored). Pages and the API create links through ``services.create_share``."""

    class Meta:
        model = PortfolioShare

    portfolio = factory.SubFactory(PortfolioFactory)
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    token_hash = factory.LazyAttribute(lambda o: PortfolioShare.digest(o.token))
    token_hint = factory.LazyAttribute(lambda o: o.token[:6])
    created_by = factory.LazyAttribute(lambda o: o.portfolio.user)

    @classmethod
    def _create(cls, model_class, *args, token: str, **kwargs):
        share = super()._create(model_class, *args, **kwargs)
        share.token = token
        return share
