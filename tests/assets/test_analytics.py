"""Analytics against ffn's published CAGR and against pandas on real prices loaded into the database."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from apps.assets import analytics
from apps.assets.selectors import close_series
from tests.assets.real_data import load_ohlcv, load_wide

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("symbol", "expected"), [("AAPL", 0.440), ("MSFT", 0.041), ("C", -0.205)])
def test_cagr_matches_ffn_on_its_test_data(symbol, expected):
    load_wide("ffn_test_data.csv", [symbol], date_format="%m/%d/%Y")

    assert round(analytics.cagr(close_series(symbol)), 3) == expected


@pytest.fixture
def spy():
    frame = load_ohlcv("yahoo_SPY_2008_2017.csv", "SPY")
    return frame["adj close"], close_series("SPY")


def test_series_read_back_is_the_adjusted_close_of_the_file(spy):
    expected, closes = spy
    assert len(closes) == len(expected) == 2519
    np.testing.assert_allclose(closes.to_numpy(), expected.to_numpy(), rtol=0, atol=5e-9)


def test_period_returns_match_pandas_asof(spy):
    expected, closes = spy
    last_date, last = expected.index[-1], expected.iloc[-1]
    anchors = {
        "1d": expected.index[-2],
        "1w": last_date - pd.Timedelta(days=7),
        "1m": last_date - pd.DateOffset(months=1),
        "3m": last_date - pd.DateOffset(months=3),
        "1y": last_date - pd.DateOffset(years=1),
        "ytd": pd.Timestamp("2016-12-31"),
    }

    returns = analytics.period_returns(closes)

    for period, anchor in anchors.items():
        assert returns[period] == pytest.approx(last / expected.asof(anchor) - 1, abs=1e-9), period
    # 2017-12-29 over 2016-12-30, the last session of 2016
    assert returns["ytd"] == pytest.approx(expected["2017-12-29"] / expected["2016-12-30"] - 1, abs=1e-9)


def test_volatility_matches_pandas_with_the_252_day_basis(spy):
    expected, closes = spy
    reference = expected.pct_change().std() * math.sqrt(252)

    assert analytics.annualised_volatility(closes, 252) == pytest.approx(reference, rel=1e-9)
    assert analytics.annualised_volatility(closes, 365) == pytest.approx(reference * math.sqrt(365 / 252), rel=1e-9)


def test_max_drawdown_matches_pandas_cummax_with_its_dates(spy):
    expected, closes = spy
    drawdowns = expected / expected.cummax() - 1
    trough = drawdowns.idxmin()
    peak = expected[:trough].idxmax()

    result = analytics.max_drawdown(closes)

    assert result.value == pytest.approx(drawdowns.min(), abs=1e-9)
    assert (result.peak_date, result.trough_date) == (peak.date(), trough.date())
    # The 2008 crash: SPY peaked in October 2007 (before this file) and bottomed on 9 March 2009.
    assert result.trough_date == date(2009, 3, 9)


def test_max_drawdown_of_a_rising_series_is_zero_without_dates():
    closes = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2020-01-01", periods=3))

    assert analytics.max_drawdown(closes) == analytics.Drawdown(0.0, None, None)


def test_short_history_leaves_figures_empty_instead_of_guessing():
    closes = pd.Series([10.0, 11.0], index=pd.to_datetime(["2020-03-02", "2020-03-03"]))

    stats = analytics.compute_stats(closes, periods_per_year=252)

    assert stats.returns["1d"] == pytest.approx(0.1)
    assert stats.returns["1y"] is None and stats.returns["ytd"] is None
    assert stats.volatility is None  # one return has no standard deviation
    assert stats.observations == 2


def test_unsorted_or_gappy_input_is_refused():
    closes = pd.Series([1.0, float("nan")], index=pd.date_range("2020-01-01", periods=2))
    with pytest.raises(ValueError, match="NaN"):
        analytics.cagr(closes)
