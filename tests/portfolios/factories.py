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
from tests.assets.factories import AssetFactory, price_history


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


def priced_portfolio(user=None, *, quantity: Decimal = Decimal("31.4159"), price: Decimal = Decimal("87.6543")):
    """A portfolio of two priced assets (QVS a stock, SPY the benchmark) over 120 days of 2021,
    with distinctive quantities and purchase prices (for tests that check what a page reveals)."""
    start = dt.date(2021, 1, 1)
    stock = AssetFactory(id="QVS", name="QV Sample Corp")
    price_history(stock, [Decimal(80) + Decimal(day % 7) + Decimal(day) / 10 for day in range(120)], start=start)
    spy = AssetFactory(id="SPY", name="S&P 500 ETF", type="etf")
    price_history(spy, [Decimal(300) + Decimal(day) / 3 for day in range(120)], start=start)
    portfolio = PortfolioFactory(**({"user": user} if user else {}), name="Growth book")
    LotFactory(portfolio=portfolio, asset=stock, quantity=quantity, purchase_price=price, purchase_date=start)
    LotFactory(
        portfolio=portfolio,
        asset=spy,
        quantity=Decimal("2.71828"),
        purchase_price=Decimal("305.1234"),
        purchase_date=start + dt.timedelta(days=30),
    )
    return portfolio
