"""Feeding TrendAnalysis from stored closes, and reading the trends back."""

from __future__ import annotations

import pytest

from apps.onchain.services.deployment import deploy_contracts
from apps.onchain.services.trends import current_trends, feed_asset
from tests.assets.factories import AssetFactory, PriceBarFactory

pytestmark = pytest.mark.django_db


def test_feeding_twice_sends_only_new_days_and_the_trend_reads_back(chain):
    import datetime as dt
    from decimal import Decimal

    deploy_contracts(chain=chain)
    asset = AssetFactory(id="TRND")
    start = dt.date(2024, 1, 1)
    for i in range(40):  # rising prices: the short average ends above the long one
        PriceBarFactory(asset=asset, date=start + dt.timedelta(days=i), close=Decimal(100 + i), adj_close=None)
    assert feed_asset(asset, chain=chain) == 40
    assert feed_asset(asset, chain=chain) == 0
    [signal] = current_trends(chain=chain)
    assert (signal.symbol, signal.trend, signal.count) == ("TRND", "up", 40)
    assert signal.short_ma == Decimal(sum(range(133, 140))) / 7
