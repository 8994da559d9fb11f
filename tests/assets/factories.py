"""Factories for assets and price bars; other apps' tests use them too.

``PriceBarFactory`` makes a consistent bar (low ≤ open, close ≤ high) one day after the previous
one of the same factory sequence; pass ``date=`` and prices explicitly when a test needs exact values.
``price_history(asset, closes, start=...)`` makes a run of daily bars from a list of closes and,
like an import, drops the cached prices and market date (``PriceBarFactory`` does not: tests of the
cache use it to write a bar behind the cache's back).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory

from apps.assets.cache import invalidate_price_cache
from apps.assets.models import Asset, AssetType, PriceBar, quantize_price


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset
        django_get_or_create = ("id",)

    id = factory.Sequence(lambda n: f"TST{n}")
    name = factory.LazyAttribute(lambda o: f"Test asset {o.id}")
    type = AssetType.STOCK
    currency = "USD"


class PriceBarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceBar

    asset = factory.SubFactory(AssetFactory)
    date = factory.Sequence(lambda n: date(2020, 1, 1) + timedelta(days=n))
    close = Decimal("100.00000000")
    open = factory.LazyAttribute(lambda o: o.close)
    high = factory.LazyAttribute(lambda o: max(o.open, o.close) + Decimal(1))
    low = factory.LazyAttribute(lambda o: max(min(o.open, o.close) - Decimal(1), Decimal("0.00000001")))
    adj_close = None
    volume = Decimal(1000)


def price_history(asset: Asset, closes, *, start: date = date(2020, 1, 1)) -> list[PriceBar]:
    """One bar per calendar day from ``start`` with open = high = low = close (a close-only series).

    Like every import, it drops the asset's cached prices and the cached market date afterwards.
    """
    bars = []
    for offset, value in enumerate(closes):
        price = quantize_price(Decimal(str(value)))
        bars.append(
            PriceBar(asset=asset, date=start + timedelta(days=offset), open=price, high=price, low=price, close=price)
        )
    created = PriceBar.objects.bulk_create(bars)
    invalidate_price_cache([asset.id])
    return created
