"""Read selectors: bars exactly as imported, resampling equal to pandas, list summaries in constant queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assets import selectors
from apps.assets.models import AssetType
from tests.assets.factories import AssetFactory, price_history
from tests.assets.real_data import load_ohlcv

pytestmark = pytest.mark.django_db

AGGREGATION = {"open": "first", "high": "max", "low": "min", "close": "last", "adj close": "last", "volume": "sum"}


@pytest.fixture
def spy() -> pd.DataFrame:
    return load_ohlcv("yahoo_SPY_2008_2017.csv", "SPY")


def _frame(bars) -> pd.DataFrame:
    frame = pd.DataFrame(bars, columns=selectors.BAR_COLUMNS).set_index("date")
    frame.index = pd.to_datetime(frame.index)
    return frame.astype(float).rename(columns={"adj_close": "adj close"})


def test_daily_bars_are_the_imported_rows_in_date_order(spy):
    bars = selectors.price_bars("SPY")

    assert [bar[0] for bar in bars] == [when.date() for when in spy.index]
    first = bars[0]
    assert first[1:] == (
        Decimal("147.10000600"),
        Decimal("147.61000100"),
        Decimal("146.05999800"),
        Decimal("146.21000700"),
        Decimal("118.62474100"),
        Decimal("108126800"),
    )
    np.testing.assert_allclose(_frame(bars)[list(AGGREGATION)].to_numpy(), spy[list(AGGREGATION)].to_numpy(), atol=5e-9)


@pytest.mark.parametrize(("interval", "rule"), [("1w", "W-MON"), ("1mo", "MS")])
@pytest.mark.parametrize("vendor", ["postgresql", "portable"])
def test_resampled_bars_match_pandas_resample(spy, interval, rule, vendor, monkeypatch):
    if vendor == "portable":
        monkeypatch.setattr(connection, "vendor", "sqlite")  # the fallback used in SQLite development mode
    start, end = date(2010, 3, 3), date(2016, 6, 15)  # mid-week, mid-month: partial first and last periods
    window = spy.loc["2010-03-03":"2016-06-15"]
    expected = window.resample(rule, closed="left", label="left").agg(AGGREGATION).dropna(subset=["close"])

    result = _frame(selectors.price_bars("SPY", start=start, end=end, interval=interval))

    assert list(result.index) == list(expected.index)
    np.testing.assert_allclose(result.to_numpy(), expected[result.columns].to_numpy(), rtol=1e-12, atol=5e-9)


def test_weekly_bars_are_dated_by_the_monday_of_the_iso_week(spy):
    bars = selectors.price_bars("SPY", start=date(2017, 12, 20), end=date(2017, 12, 31), interval="1w")

    # 2017-12-25 (Christmas, a Monday) had no session: the week is still dated by its Monday.
    assert [bar[0] for bar in bars] == [date(2017, 12, 18), date(2017, 12, 25)]
    assert bars[1][1] == Decimal("267.04998800")  # its first session's open, Tuesday 2017-12-26
    assert spy.loc["2017-12-26", "open"] == 267.049988


def test_summaries_take_two_queries_whatever_the_number_of_assets():
    def make(count: int, offset: int) -> list[str]:
        symbols = []
        for n in range(count):
            asset = AssetFactory(id=f"S{offset + n}", type=AssetType.CRYPTO if n % 2 else AssetType.STOCK)
            price_history(asset, [100 + (day % 7) for day in range(400)])
            symbols.append(asset.id)
        return symbols

    few, many = make(3, 0), make(30, 100)
    with CaptureQueriesContext(connection) as small:
        selectors.asset_summaries(few)
    with CaptureQueriesContext(connection) as large:
        summaries = selectors.asset_summaries(many)
    with CaptureQueriesContext(connection) as cached:
        selectors.asset_summaries(many)

    assert len(small) == len(large) == 2
    assert len(cached) == 0
    assert len(summaries["S100"].sparkline) <= selectors.SPARKLINE_POINTS
    assert summaries["S100"].last_date == date(2021, 2, 3)


def test_summary_of_an_asset_without_bars_is_empty():
    AssetFactory(id="EMPTY")

    assert selectors.asset_summaries(["EMPTY"])["EMPTY"] == selectors.EMPTY_SUMMARY


def test_summary_uses_the_one_year_return_and_the_asset_basis():
    asset = AssetFactory(id="BTC-USD", type=AssetType.CRYPTO)
    closes = [100 * 1.001**day for day in range(500)]
    price_history(asset, closes, start=date(2019, 1, 1))
    series = pd.Series(closes, index=pd.date_range("2019-01-01", periods=500))
    year = series[series.index >= series.index[-1] - pd.DateOffset(years=1)]

    summary = selectors.asset_summaries(["BTC-USD"])["BTC-USD"]

    assert summary.return_1y == pytest.approx(
        series.iloc[-1] / series.asof(series.index[-1] - pd.DateOffset(years=1)) - 1
    )
    assert summary.volatility_1y == pytest.approx(year.pct_change().std() * np.sqrt(365), abs=1e-9)
    assert summary.sparkline[-1] == pytest.approx(closes[-1], rel=1e-6)
