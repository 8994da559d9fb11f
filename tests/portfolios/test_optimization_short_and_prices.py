"""Figures of short windows are period figures, and every trade states the date of its price."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from apps.portfolios import backtest, optimization_services
from quantumvest.errors import Conflict
from tests.portfolios import market
from tests.portfolios.factories import LotFactory, OptimizationRunFactory, PortfolioFactory, UserFactory

SYMBOLS = ["GE", "WMT", "XOM", "JPM"]


def test_a_test_shorter_than_a_year_reports_its_period_return_not_an_annual_one():
    returns = pd.Series([-0.004, 0.001, -0.002] * 22)  # 66 trading days, about three months
    figures = backtest.StrategyResult(name="x", daily_returns=returns).metrics(frequency=252, risk_free_rate=0.0)
    assert figures["annualised"] is False and figures["days"] == 66
    assert figures["period_return"] == pytest.approx(np.prod(1 + returns) - 1)
    assert figures["annual_return"] < figures["period_return"] < 0  # the extrapolation is kept, and worse


def test_a_test_of_a_year_or_more_is_annualised():
    figures = backtest.StrategyResult(name="x", daily_returns=pd.Series([0.001] * 252)).metrics(
        frequency=252, risk_free_rate=0.0
    )
    assert figures["annualised"] is True
    assert figures["annual_return"] == pytest.approx(figures["period_return"])


def test_the_verdict_of_a_short_test_names_the_period_and_says_it_says_little():
    metrics = {
        "optimized": {
            "sharpe": -4.4,
            "annual_return": -0.80,
            "period_return": -0.25,
            "turnover": 3.0,
            "annualised": False,
            "days": 68,
        },
        "equal_weight": {
            "sharpe": -2.3,
            "annual_return": -0.41,
            "period_return": -0.12,
            "turnover": 0.3,
            "annualised": False,
            "days": 68,
        },
    }
    text = backtest.verdict(metrics)
    assert "return over the 68 trading days \u221212.0% against \u221225.0%" in text
    assert "80" not in text and text.endswith("Less than a year was tested, so this says little.")


@pytest.fixture
def portfolio(db):
    frame = market.read_wide()[SYMBOLS].loc["2012-01-01":"2016-12-31"].copy()
    frame.loc["2016-10-01":, "XOM"] = np.nan  # XOM stopped being priced three months before the others
    market.load_wide(frame)
    portfolio = PortfolioFactory(user=UserFactory())
    for symbol in SYMBOLS:
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("20"), purchase_price=Decimal("30"))
    return portfolio


def test_every_trade_and_allocation_states_the_date_of_its_close_and_flags_an_old_one(portfolio):
    request = optimization_services.build_request(objective="min_volatility", frontier_points=0)
    run, _ = optimization_services.request_optimization(portfolio=portfolio, user=portfolio.user, request=request)
    assert set(run.prices) >= set(run.allocation)
    assert run.prices["GE"] == {"price": run.prices["GE"]["price"], "date": "2016-12-30", "stale": False}
    assert run.prices["XOM"]["date"] == "2016-09-30" and run.prices["XOM"]["stale"] is True
    assert all(t["price_date"] == run.prices[t["symbol"]]["date"] for t in run.trades)
    assert any(w.startswith("XOM: its latest close is from 2016-09-30, older than the others") for w in run.warnings)


def test_a_window_shorter_than_a_year_warns_that_annual_figures_are_extrapolated(portfolio):
    request = optimization_services.build_request(
        objective="min_volatility",
        start=pd.Timestamp("2016-01-01").date(),
        end=pd.Timestamp("2016-06-30").date(),
        frontier_points=0,
    )
    run, _ = optimization_services.request_optimization(portfolio=portfolio, user=portfolio.user, request=request)
    assert any("less than a year: the annual figures are extrapolated" in w for w in run.warnings)


def test_apply_as_target_prices_the_trades_from_the_holdings_now(portfolio):
    request = optimization_services.build_request(objective="min_volatility", frontier_points=0)
    run, _ = optimization_services.request_optimization(portfolio=portfolio, user=portfolio.user, request=request)
    LotFactory(portfolio=portfolio, asset_id="GE", quantity=Decimal("100"), purchase_price=Decimal("20"))
    plan = optimization_services.plan_target(run=run)
    held = {"GE": Decimal(120), "WMT": Decimal(20), "XOM": Decimal(20), "JPM": Decimal(20)}
    for trade in plan.trades:
        held[trade["symbol"]] += (1 if trade["side"] == "buy" else -1) * Decimal(trade["quantity"])
    assert {s: q for s, q in held.items() if q} == {s: q for s, q in plan.allocation.items() if q}
    spent = sum(q * Decimal(plan.prices[s]["price"]) for s, q in plan.allocation.items())
    assert spent + plan.leftover == pytest.approx(plan.budget, abs=Decimal("0.01"))
    assert plan.budget > Decimal(run.leftover_cash) + sum(
        Decimal(q) * Decimal(run.prices[s]["price"]) for s, q in run.allocation.items()
    )  # 100 more GE since the run: a larger budget


def test_apply_as_target_refuses_a_run_that_did_not_finish(portfolio):
    run = OptimizationRunFactory(portfolio=portfolio, state="running", weights={})
    with pytest.raises(Conflict) as caught:
        optimization_services.plan_target(run=run)
    assert caught.value.code == "run_not_finished"
