"""Performance figures against independent computations: hand-solvable cases, a polynomial IRR,
and pandas on real prices (data/sample) loaded through the ORM."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from apps.assets.models import AssetType
from apps.portfolios import performance, selectors
from apps.portfolios.performance import Lot, xirr
from tests.assets.factories import AssetFactory
from tests.assets.real_data import data_file, load_ohlcv, load_wide
from tests.portfolios.factories import LotFactory, PortfolioFactory

D0 = date(2019, 1, 1)


# ------------------------------------------------------------------ XIRR


def test_xirr_of_a_hand_solvable_two_year_case():
    # 1000 in, 1210 back 730 days later: (1 + r)^2 = 1.21 → r = 10 %.
    assert xirr([(D0, -1000.0), (D0 + timedelta(days=730), 1210.0)]) == pytest.approx(0.10, abs=1e-10)


def test_xirr_counts_days_over_365_even_across_a_leap_year():
    # 2020 has 366 days: 10 % over 366/365 years.
    rate = xirr([(date(2020, 1, 1), -100.0), (date(2021, 1, 1), 110.0)])
    assert rate == pytest.approx(1.1 ** (365 / 366) - 1, abs=1e-10)


def _polynomial_irr(values: list[float]) -> float:
    """numpy-financial's ``irr`` algorithm: the real positive root x of Σ v_i x^i, r = 1/x − 1."""
    roots = np.roots(values[::-1])
    real = roots[np.isclose(roots.imag, 0)].real
    real = real[real > 0]
    rates = 1 / real - 1
    return float(rates[np.argmin(np.abs(rates))])


def test_xirr_matches_the_polynomial_irr_on_yearly_flows():
    values = [-100.0, -50.0, 20.0, 180.0]
    flows = [(D0 + timedelta(days=365 * i), v) for i, v in enumerate(values)]
    assert xirr(flows) == pytest.approx(_polynomial_irr(values), abs=1e-9)


def test_xirr_of_irregular_flows_zeroes_the_npv_and_handles_losses():
    flows = [(date(2020, 3, 1), -500.0), (date(2020, 7, 15), -250.0), (date(2022, 2, 3), 600.0)]
    rate = xirr(flows)
    assert rate < 0
    npv = sum(a / (1 + rate) ** ((d - flows[0][0]).days / 365) for d, a in flows)
    assert npv == pytest.approx(0, abs=1e-7)


def test_xirr_is_undefined_without_a_sign_change_or_elapsed_time():
    assert xirr([(D0, -100.0), (D0 + timedelta(days=10), -5.0)]) is None
    assert xirr([(D0, -100.0), (D0, 110.0)]) is None


# ------------------------------------------------------------------ TWR with purchases


def _frame(prices: dict[str, list[float]], start: date = D0) -> pd.DataFrame:
    n = len(next(iter(prices.values())))
    index = pd.DatetimeIndex([pd.Timestamp(start + timedelta(days=i)) for i in range(n)])
    return pd.DataFrame(prices, index=index)


def test_twr_chains_sub_periods_and_does_not_count_a_purchase_as_a_gain():
    # Day 0: buy 1 at 100. Day 1: price 110 (+10 %), buy 1 more at 110. Day 2: price 121 (+10 %).
    prices = _frame({"X": [100.0, 110.0, 121.0]})
    lots = [Lot("X", 1, 100.0, D0), Lot("X", 1, 110.0, D0 + timedelta(days=1))]
    value, flows, bought = performance.value_and_flows(lots, prices)
    returns = performance.flow_adjusted_returns(value, flows, bought)
    assert list(value) == [100.0, 220.0, 242.0]
    assert performance.time_weighted_return(returns) == pytest.approx(1.1 * 1.1 - 1)
    # The value went from 100 to 242 (+142 %), but only 21 % of that is return.
    report = performance.compute(lots, prices, pd.Series(dtype=float), holds_crypto=False, risk_free_rate=0)
    assert report.figure("twr").value == pytest.approx(0.21)
    assert report.figure("simple_return").value == pytest.approx((242 - 210) / 210)


def test_twr_counts_the_gain_between_the_purchase_price_and_the_first_close():
    prices = _frame({"X": [105.0, 105.0]})
    lots = [Lot("X", 2, 100.0, D0)]
    value, flows, bought = performance.value_and_flows(lots, prices)
    returns = performance.flow_adjusted_returns(value, flows, bought)
    assert performance.time_weighted_return(returns) == pytest.approx(0.05)


def test_purchase_on_a_day_without_a_price_lands_on_the_next_row():
    index = pd.DatetimeIndex(["2021-01-01", "2021-01-04", "2021-01-05"])
    prices = pd.DataFrame({"X": [10.0, 11.0, 12.0]}, index=index)
    lots = [Lot("X", 1, 10.0, date(2021, 1, 1)), Lot("X", 1, 10.5, date(2021, 1, 2))]
    value, flows, _ = performance.value_and_flows(lots, prices)
    assert list(flows) == [10.0, 10.5, 0.0]
    assert list(value) == [10.0, 22.0, 24.0]


# ------------------------------------------------------------------ real prices through the ORM

RF = 0.02


def _expected(returns: pd.Series, bench_returns: pd.Series, periods: int) -> dict[str, float]:
    """The textbook formulas in plain pandas."""
    excess = returns - RF / periods
    downside = np.sqrt((excess.clip(upper=0) ** 2).mean())
    index = (1 + returns).cumprod()
    index = pd.concat([pd.Series([1.0]), index.reset_index(drop=True)])
    joined = pd.concat([returns, bench_returns], axis=1).dropna()
    return {
        "volatility": returns.std() * math.sqrt(periods),
        "sharpe": excess.mean() / returns.std() * math.sqrt(periods),
        "sortino": excess.mean() * periods / (downside * math.sqrt(periods)),
        "max_drawdown": (index / index.cummax() - 1).min(),
        "beta": joined.iloc[:, 0].cov(joined.iloc[:, 1]) / joined.iloc[:, 1].var(),
    }


@pytest.mark.django_db
def test_figures_match_pandas_on_real_stock_prices():
    frame = load_wide("pypfopt_stock_prices.csv", ["AAPL", "XOM", "JPM"])
    spy = load_wide("pypfopt_spy_prices.csv", ["SPY"])["SPY"]
    start, end = pd.Timestamp("2014-01-02"), frame.index[-1]
    prices = frame.loc[start:end]
    # Quantise to the 8 decimal places the database keeps, as the ORM returns them.
    prices = prices.map(lambda v: float(round(Decimal(repr(v)), 8)))
    spy = spy.map(lambda v: float(round(Decimal(repr(v)), 8)))
    quantities = {"AAPL": 10, "XOM": 5, "JPM": 8}
    paid = {"AAPL": Decimal("70"), "XOM": Decimal("99"), "JPM": Decimal("57")}
    portfolio = PortfolioFactory()
    for symbol, qty in quantities.items():
        LotFactory(
            portfolio=portfolio,
            asset_id=symbol,
            quantity=Decimal(qty),
            purchase_price=paid[symbol],
            purchase_date=start.date(),
        )

    report = selectors.portfolio_performance(portfolio, benchmark="SPY", risk_free_rate=RF)

    value = sum(prices[s] * q for s, q in quantities.items())
    cost = float(sum(paid[s] * q for s, q in quantities.items()))
    returns = pd.concat([pd.Series([value.iloc[0] / cost - 1], index=value.index[:1]), value.pct_change().dropna()])
    bench = spy.reindex(spy.index.union(value.index)).ffill().reindex(value.index).pct_change()
    expected = _expected(returns, bench, 252)
    assert report.periods_per_year == 252
    for key, number in expected.items():
        assert report.figure(key).value == pytest.approx(number, rel=1e-9), key
    assert report.figure("simple_return").value == pytest.approx(value.iloc[-1] / cost - 1, rel=1e-12)
    assert report.figure("twr").value == pytest.approx((1 + returns).prod() - 1, rel=1e-9)
    # With a single purchase date, money- and time-weighted returns agree once annualised.
    years = (end - start).days / 365
    assert report.figure("xirr").value == pytest.approx((value.iloc[-1] / cost) ** (1 / years) - 1, rel=1e-8)


@pytest.mark.django_db
def test_twr_with_a_mid_period_purchase_on_real_prices_chains_two_sub_periods():
    frame = load_wide("pypfopt_stock_prices.csv", ["AAPL"])
    aapl = frame["AAPL"].loc["2015-01-02":].map(lambda v: float(round(Decimal(repr(v)), 8)))
    first, second = aapl.index[0], pd.Timestamp("2016-01-04")
    portfolio = PortfolioFactory()
    LotFactory(
        portfolio=portfolio,
        asset_id="AAPL",
        quantity=Decimal(10),
        purchase_price=Decimal("100"),
        purchase_date=first.date(),
    )
    LotFactory(
        portfolio=portfolio,
        asset_id="AAPL",
        quantity=Decimal(30),
        purchase_price=Decimal("95"),
        purchase_date=second.date(),
    )
    AssetFactory(id="SPY")

    report = selectors.portfolio_performance(portfolio, benchmark="SPY")

    a_mid, a_end = aapl.loc[second], aapl.iloc[-1]
    # Sub-periods: 1000 paid → 10 shares at the second purchase day's close; then 2850 paid for 30
    # shares worth 30 × a_mid at that close; then 40 shares to the end.
    held, total = 10 * a_mid, 40 * a_mid
    expected = (held / 1000) * (total / (held + 2850)) * (40 * a_end / total) - 1
    v_end = 40 * a_end
    assert report.figure("twr").value == pytest.approx(expected, rel=1e-9)
    assert report.figure("simple_return").value == pytest.approx(v_end / 3850 - 1, rel=1e-12)


@pytest.mark.django_db
def test_a_portfolio_holding_crypto_is_annualised_over_365_days():
    btc = AssetFactory(id="BTC-USD", type=AssetType.CRYPTO)
    load_ohlcv("btc_usd_2013_2019.csv", "BTC-USD", asset_type=AssetType.CRYPTO)
    spy_frame = load_ohlcv("yahoo_SPY_2008_2017.csv", "SPY")
    portfolio = PortfolioFactory()
    LotFactory(
        portfolio=portfolio,
        asset=btc,
        quantity=Decimal("0.5"),
        purchase_price=Decimal("300"),
        purchase_date=date(2016, 1, 4),
    )

    report = selectors.portfolio_performance(portfolio, benchmark="SPY", risk_free_rate=RF)

    assert report.periods_per_year == 365
    closes = pd.read_csv(data_file("btc_usd_2013_2019.csv"), index_col=0, parse_dates=True)["close"]
    closes = closes.loc["2016-01-04":].map(lambda v: float(round(Decimal(repr(v)), 8)))
    returns = pd.concat([pd.Series([closes.iloc[0] / 300 - 1]), closes.pct_change().dropna().reset_index(drop=True)])
    assert report.figure("volatility").value == pytest.approx(returns.std() * math.sqrt(365), rel=1e-9)
    assert "365" in report.figure("sharpe").annualisation
    assert len(spy_frame) > 0


def test_a_portfolio_without_lots_has_no_figures_but_no_error():
    report = performance.compute([], pd.DataFrame(), pd.Series(dtype=float), holds_crypto=False)
    assert all(f.value is None for f in report.figures)


def test_stale_prices_are_stated_in_the_notes():
    prices = _frame({"X": [100.0, 101.0, 102.0], "Y": [10.0, float("nan"), float("nan")]})
    lots = [Lot("X", 1, 100.0, D0), Lot("Y", 1, 10.0, D0)]
    bench = pd.Series([1.0, 1.01], index=prices.index[:2])
    report = performance.compute(lots, prices, bench, holds_crypto=False)
    assert (
        "The benchmark's last price is from 2019-01-02; it is carried forward to the end of the period." in report.notes
    )
    assert "Last price of Y is from 2019-01-01; carried forward to 2019-01-03." in report.notes


def test_xirr_over_two_days_is_finite_and_exact():
    rate = xirr([(D0, -100.0), (D0 + timedelta(days=2), 120.0)])
    assert rate == pytest.approx(1.2 ** (365 / 2) - 1, rel=1e-9)


# ------------------------------------------------------------------ short windows


def _daily(values: list[float], symbol: str = "X") -> pd.DataFrame:
    return pd.DataFrame({symbol: values}, index=pd.date_range(D0, periods=len(values), freq="D"))


def test_under_a_year_the_money_weighted_return_is_the_periods_not_an_annual_rate():
    # 99 days from 100 to 90: XIRR's annual rate would be about −32 %; the period's return is −10 %.
    prices = _daily([100.0] * 99 + [90.0])
    report = performance.compute([Lot("X", 1, 100.0, D0)], prices, pd.Series(dtype=float), holds_crypto=True)
    fig = report.figure("xirr")
    assert fig.value == pytest.approx(-0.10, abs=1e-9)
    assert fig.annualised is False and "not annualised" in fig.annualisation
    assert "99 days" in fig.note and "not a yearly rate" in fig.note
    assert xirr([(D0, -100.0), (D0 + timedelta(days=99), 90.0)]) == pytest.approx(0.9 ** (365 / 99) - 1)


def test_over_a_year_the_money_weighted_return_stays_an_annual_rate():
    prices = _daily([100.0] * 730 + [121.0])
    report = performance.compute([Lot("X", 1, 100.0, D0)], prices, pd.Series(dtype=float), holds_crypto=True)
    fig = report.figure("xirr")
    assert fig.annualised is True and fig.note == ""
    assert fig.value == pytest.approx(1.21 ** (365 / 730) - 1)


def test_a_missing_money_weighted_return_says_why():
    prices = _daily([100.0])
    report = performance.compute([Lot("X", 1, 100.0, D0)], prices, pd.Series(dtype=float), holds_crypto=True)
    fig = report.figure("xirr")
    assert fig.value is None and "one day" in fig.note
    assert "two daily returns" in report.figure("sharpe").note


def test_sharpe_carries_its_standard_error_and_a_short_window_says_so():
    rng = np.random.default_rng(7)
    closes = list(100 * np.cumprod(1 + rng.normal(0.001, 0.01, 120)))
    report = performance.compute(
        [Lot("X", 1, closes[0], D0)], _daily(closes), pd.Series(dtype=float), holds_crypto=True
    )
    sharpe = report.figure("sharpe")
    expected = math.sqrt((1 + sharpe.value**2 / 2) / (len(report.returns) / 365))
    assert f"± {expected:.2f} (one standard error)" in sharpe.note and "under a year" in sharpe.note


def test_a_benchmark_that_is_also_a_stale_holding_is_named_once():
    prices = _frame({"X": [100.0, 101.0, 102.0], "SPY": [10.0, 10.5, float("nan")]})
    lots = [Lot("X", 1, 100.0, D0), Lot("SPY", 1, 10.0, D0)]
    bench = prices["SPY"].dropna()
    report = performance.compute(lots, prices, bench, holds_crypto=False)
    assert report.notes == ["Last price of SPY (also the benchmark) is from 2019-01-02; carried forward to 2019-01-03."]
