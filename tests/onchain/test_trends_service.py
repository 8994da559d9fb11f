"""Feeding TrendAnalysis from stored closes (services.trends), and reading the trends back."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from apps.onchain import trend_reference as ref
from apps.onchain.chain import reset_chains
from apps.onchain.models import Contract
from apps.onchain.services.deployment import deploy_contracts
from apps.onchain.services.trends import asset_key, current_trends, feed_asset, feed_trends
from tests.assets.factories import AssetFactory, PriceBarFactory, price_history

pytestmark = pytest.mark.django_db


def series_of(chain, asset_id: str):
    address = Contract.objects.get(chain_id=chain.chain_id, name="TrendAnalysis").address
    return chain.call("TrendAnalysis", address, "seriesOf", asset_key(asset_id))


def btc_closes(n: int) -> list[tuple[dt.date, str]]:
    """The last ``n`` real BTC-USD closes of data/sample (2019)."""
    with (Path(settings.BASE_DIR) / "data" / "sample" / "btc_usd_2013_2019.csv").open(newline="") as handle:
        rows = [(dt.date.fromisoformat(r["date"]), r["close"]) for r in csv.DictReader(handle)]
    return rows[-n:]


def test_feeding_twice_sends_only_new_days_and_the_trend_reads_back(chain):
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


def test_fed_real_closes_give_the_reference_averages_and_trend(any_chain):
    deploy_contracts(chain=any_chain)
    asset = AssetFactory(id="BTC-USD")
    closes = btc_closes(100)
    price_history(asset, [c for _, c in closes], start=closes[0][0])
    assert feed_asset(asset, chain=any_chain) == 100
    reference = ref.TrendSeries().extend(
        ((d - dt.date(1970, 1, 1)).days, ref.scale_price(Decimal(c).quantize(Decimal("0.00000001")))) for d, c in closes
    )
    assert series_of(any_chain, "BTC-USD") == [reference.last_day, 100, reference.trend, *reference.averages()]


def test_the_adjusted_close_is_fed_where_the_vendor_gave_one(chain):
    deploy_contracts(chain=chain)
    asset = AssetFactory(id="ADJ")
    PriceBarFactory(asset=asset, close=Decimal("100.5"), adj_close=Decimal("80.12345678"))
    feed_asset(asset, chain=chain)
    assert series_of(chain, "ADJ")[3] == 8_012_345_678


def test_recent_sends_only_the_latest_closes(chain):
    deploy_contracts(chain=chain)
    asset = AssetFactory(id="RCNT")
    bars = [PriceBarFactory(asset=asset, close=Decimal(10 + i)) for i in range(12)]
    assert feed_asset(asset, chain=chain, recent=5) == 5
    last_day, count, _, short_ma, _ = series_of(chain, "RCNT")
    assert (last_day, count) == ((bars[-1].date - dt.date(1970, 1, 1)).days, 5)
    assert short_ma == sum(10 + i for i in range(7, 12)) * 10**8 // 5


def test_limit_sends_only_the_first_new_closes(chain):
    deploy_contracts(chain=chain)
    asset = AssetFactory(id="LMT")
    bars = [PriceBarFactory(asset=asset, close=Decimal(10 + i)) for i in range(6)]
    assert feed_asset(asset, chain=chain, limit=4) == 4
    assert feed_asset(asset, chain=chain, limit=4) == 2
    assert series_of(chain, "LMT")[:2] == [(bars[-1].date - dt.date(1970, 1, 1)).days, 6]


def test_feed_trends_feeds_every_active_asset_with_prices(chain):
    deploy_contracts(chain=chain)
    for symbol in ("AAA", "BBB"):
        PriceBarFactory.create_batch(3, asset=AssetFactory(id=symbol))
    PriceBarFactory.create_batch(3, asset=AssetFactory(id="OFF", is_active=False))
    AssetFactory(id="NOBARS")
    result = feed_trends(chain=chain)
    assert (result.sent, result.skipped, result.failed) == ({"AAA": 3, "BBB": 3}, "", {})
    assert feed_trends(chain=chain).sent == {"AAA": 0, "BBB": 0}


def test_feed_trends_refuses_a_symbol_that_is_not_an_active_asset(chain):
    deploy_contracts(chain=chain)
    with pytest.raises(ValueError, match="No active asset NOPE"):
        feed_trends(chain=chain, symbols=["NOPE"])


def test_feed_trends_skips_quietly_when_the_contract_is_not_deployed(chain, caplog):
    PriceBarFactory.create_batch(3, asset=AssetFactory(id="AAA"))
    result = feed_trends(chain=chain)
    assert result.sent == {}
    assert "TrendAnalysis is not deployed" in result.skipped
    assert "trends not fed" in caplog.text


def test_feed_trends_skips_quietly_when_the_product_is_read_only(anvil_chain, settings):
    deploy_contracts(chain=anvil_chain)
    PriceBarFactory.create_batch(3, asset=AssetFactory(id="AAA"))
    settings.ONCHAIN_PRIVATE_KEY = ""
    reset_chains()
    from apps.onchain.chain import get_chain

    result = feed_trends(chain=get_chain())
    assert (result.sent, "read-only" in result.skipped) == ({}, True)
