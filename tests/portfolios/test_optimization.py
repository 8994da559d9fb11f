"""The optimisation module on DataFrames (no database): settings, estimates, frontier, allocation."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from apps.portfolios import optimization
from quantumvest.errors import ValidationFailed
from tests.portfolios import market


@pytest.fixture(scope="module")
def prices():
    return market.read_wide()


def test_full_history_with_late_listings_reproduces_pypfopt(prices):
    result = optimization.optimize(prices, optimization.Settings(objective="max_sharpe"))
    np.testing.assert_allclose(
        (result.expected_return, result.volatility, result.sharpe), (0.30477687, 0.22165567, 1.28477141), atol=1e-4
    )


def test_ledoit_wolf_uses_only_dates_where_every_asset_has_a_return(prices):
    window = prices.loc["2013-01-01":"2016-12-31"]
    est = optimization.estimate(window, optimization.Settings(risk_model="ledoit_wolf"))
    complete = window.pct_change(fill_method=None).dropna(how="all").dropna()
    assert any(f"from the {len(complete)} dates" in note for note in est.notes)
    assert "BABA" in est.cov.index  # listed 2014: included, over the common dates only


def test_frontier_starts_at_min_volatility_and_rises(prices):
    window = prices[["GE", "WMT", "XOM", "PFE", "JPM", "AAPL"]].loc["2005-01-01":"2012-12-31"]
    settings = optimization.Settings(objective="min_volatility")
    result = optimization.optimize(window, settings)
    points = optimization.frontier(result.mu, result.cov, settings, points=15)
    assert points[0]["volatility"] == pytest.approx(result.volatility, abs=1e-6)
    assert points[-1]["expected_return"] == pytest.approx(result.mu.max(), abs=1e-4)
    assert [p["volatility"] for p in points] == sorted(p["volatility"] for p in points)


def test_hrp_and_quadratic_utility_give_long_weights_summing_to_one(prices):
    window = prices[["GE", "WMT", "XOM", "PFE", "JPM", "AAPL"]].loc["2005-01-01":"2012-12-31"]
    for objective in ("hrp", "max_quadratic_utility"):
        weights = optimization.optimize(window, optimization.Settings(objective=objective)).weights
        assert sum(weights.values()) == pytest.approx(1, abs=1e-6)
        assert min(weights.values()) >= -1e-9


def test_black_litterman_moves_returns_towards_a_confident_view(prices):
    window = prices[["GE", "WMT", "XOM", "PFE"]].loc["2005-01-01":"2012-12-31"]
    est = optimization.estimate(window, optimization.Settings())
    view = optimization.View(symbol="GE", expected_return=0.40, variance=1e-4)
    posterior, _, notes = optimization.black_litterman_posterior(est.mu, est.cov, [view])
    assert abs(posterior["GE"] - 0.40) < abs(est.mu["GE"] - 0.40) / 10
    assert "absolute views" in notes[0]
    with pytest.raises(ValidationFailed):
        optimization.black_litterman_posterior(est.mu, est.cov, [optimization.View("NONE", 0.1, 0.01)])


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (optimization.Settings(objective="nope"), "objective"),
        (optimization.Settings(weight_bounds=(0.5, 0.2)), "weight_bounds"),
        (optimization.Settings(objective="efficient_return"), "target_return"),
        (optimization.Settings(objective="max_quadratic_utility", risk_aversion=0), "risk_aversion"),
        (optimization.Settings(risk_free_rate=float("nan")), "risk_free_rate"),
    ],
)
def test_invalid_settings_name_the_field(settings, field):
    with pytest.raises(ValidationFailed) as error:
        optimization.validate(settings)
    assert field in error.value.fields


def test_unreachable_target_return_names_the_field(prices):
    window = prices[["GE", "WMT", "XOM"]].loc["2005-01-01":"2012-12-31"]
    with pytest.raises(ValidationFailed) as error:
        optimization.optimize(window, optimization.Settings(objective="efficient_return", target_return=5.0))
    assert "target_return" in error.value.fields


def test_discrete_allocation_buys_whole_shares_and_crypto_to_eight_places():
    weights = {"AAA": 0.5, "BTC": 0.3, "CCC": 0.2}
    latest = {"AAA": Decimal("33.10"), "BTC": Decimal("43210.12345678"), "CCC": Decimal("7.25")}
    allocation, leftover = optimization.discrete_allocation(
        weights, latest, Decimal("10000"), fractional=frozenset({"BTC"})
    )
    assert allocation["BTC"] == Decimal("0.06942817")  # 3000 / 43210.12345678 = 0.069428174696..., rounded down
    assert allocation["AAA"] == allocation["AAA"].to_integral_value() and allocation["CCC"] % 1 == 0
    spent = sum(q * latest[s] for s, q in allocation.items())
    assert leftover == Decimal("10000") - spent and Decimal(0) <= leftover < latest["CCC"]


def test_discrete_allocation_of_nothing_is_empty():
    assert optimization.discrete_allocation({"AAA": 1.0}, {"AAA": Decimal(10)}, Decimal(0)) == ({}, Decimal(0))


@pytest.mark.parametrize("compounding", [True, False])
def test_mean_historical_return_equals_pypfopts(prices, compounding):
    from pypfopt import expected_returns

    returns = optimization.returns_from_prices(prices)
    ours = optimization.mean_historical_return(returns, compounding=compounding, frequency=252)
    theirs = expected_returns.mean_historical_return(prices, compounding=compounding)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-12)
