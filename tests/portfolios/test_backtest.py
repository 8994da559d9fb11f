"""The walk-forward backtest (pure numerical module, no database): no look-ahead, costs, metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from apps.portfolios import backtest, optimization
from tests.portfolios import market

SETTINGS = optimization.Settings(objective="min_volatility")


@pytest.fixture(scope="module")
def prices():
    return market.read_wide()[["GE", "WMT", "XOM", "PFE", "JPM", "AAPL", "FB"]].loc["2009-01-01":"2015-12-31"]


def test_weights_at_each_rebalance_use_only_prices_up_to_that_date(prices):
    seen = []

    def recording(window_returns: pd.DataFrame) -> dict[str, float]:
        seen.append(window_returns.index[-1])
        return optimization.optimize_returns(window_returns, optimization.Settings(min_observations=2)).weights

    result = backtest.walk_forward(
        prices, SETTINGS, current_weights={}, window=126, rebalance_every=42, weights_fn=recording
    )
    rebalance_dates = list(result.strategies["optimized"].weights)
    assert seen == rebalance_dates and len(seen) > 20
    # The strategy's first out-of-sample return is the day after the first rebalance.
    assert result.strategies["optimized"].daily_returns.index[0] > rebalance_dates[0]


def test_changing_the_future_does_not_change_past_weights(prices):
    cut = prices.index[len(prices) // 2]
    changed = prices.copy()
    rng = np.random.default_rng(7)
    later = changed.index > cut
    changed.loc[later] = changed.loc[later] * rng.uniform(0.5, 1.5, size=changed.loc[later].shape)

    def weights(frame):
        result = backtest.walk_forward(frame, SETTINGS, current_weights={}, window=126, rebalance_every=42)
        return result.strategies["optimized"].weights

    original, perturbed = weights(prices), weights(changed)
    past = [d for d in original if d <= cut]
    assert past and all(original[d] == pytest.approx(perturbed[d], abs=1e-9) for d in past)
    future = [d for d in original if d > cut]
    assert any(original[d] != pytest.approx(perturbed[d], abs=1e-6) for d in future)


def test_a_listing_joins_once_it_has_returns_on_90_percent_of_the_window(prices):
    result = backtest.walk_forward(prices, SETTINGS, current_weights={}, window=126, rebalance_every=21)
    seen = set()
    for when, weights in result.strategies["equal_weight"].weights.items():
        have = prices.loc[:when, "FB"].iloc[-126:].pct_change(fill_method=None).count()
        assert ("FB" in weights) == (have >= 0.9 * 125)
        seen.add("FB" in weights)
    assert seen == {True, False}


def test_transaction_costs_reduce_returns_by_turnover_times_cost(prices):
    free = backtest.walk_forward(prices, SETTINGS, current_weights={}, cost_bps=0).strategies["equal_weight"]
    paid = backtest.walk_forward(prices, SETTINGS, current_weights={}, cost_bps=50).strategies["equal_weight"]
    drag = np.log1p(free.daily_returns).sum() - np.log1p(paid.daily_returns).sum()
    traded = free.traded + 1.0  # plus the first purchase from cash
    assert drag == pytest.approx(-np.log1p(-0.005) * traded, rel=0.05)


def test_buy_and_hold_trades_once_and_drifts(prices):
    weights = {"GE": 0.5, "WMT": 0.5}
    result = backtest.walk_forward(prices, SETTINGS, current_weights=weights, cost_bps=0)
    hold = result.strategies["buy_and_hold"]
    assert len(hold.weights) == 1 and hold.traded == 0
    start = result.start
    growth = (prices.loc[prices.index[-1], ["GE", "WMT"]] / prices.loc[start, ["GE", "WMT"]]).mean()
    assert np.prod(1 + hold.daily_returns.to_numpy()) == pytest.approx(growth, rel=1e-9)


def test_metrics_of_a_known_series():
    returns = pd.Series([0.01, -0.02, 0.01, 0.005] * 63)
    strategy = backtest.StrategyResult(name="x", daily_returns=returns, traded=1.0)
    figures = strategy.metrics(frequency=252, risk_free_rate=0.0)
    assert figures["annual_return"] == pytest.approx(np.prod(1 + returns) - 1)
    assert figures["volatility"] == pytest.approx(returns.std() * np.sqrt(252))
    assert figures["sharpe"] == pytest.approx(returns.mean() * 252 / figures["volatility"])
    assert figures["max_drawdown"] == pytest.approx(1.01 * 0.98 / 1.01 - 1)  # negative, as in performance
    assert figures["turnover"] == pytest.approx(1.0)


def test_verdict_says_so_when_equal_weight_did_better():
    metrics = {
        "optimized": {"sharpe": 0.5, "annual_return": 0.05, "turnover": 3.0},
        "equal_weight": {"sharpe": 0.9, "annual_return": 0.08, "turnover": 0.3},
    }
    assert backtest.verdict(metrics).startswith("Out of sample, simply holding every asset equally (1/N) did better")


def test_bad_parameters_name_the_field(prices):
    with pytest.raises(optimization.ValidationFailed) as error:
        backtest.walk_forward(prices, SETTINGS, current_weights={}, rebalance_every=0, cost_bps=-1)
    assert {"rebalance_every", "cost_bps"} <= set(error.value.fields)
    with pytest.raises(optimization.ValidationFailed) as error:
        backtest.walk_forward(prices.iloc[:100], SETTINGS, current_weights={})
    assert "window" in error.value.fields
