"""Optimisation through the API on PyPortfolioOpt's own real price file, imported through the ORM.

Acceptance: a portfolio of the file's 20 symbols, full history, mean historical (compounding)
returns, sample covariance, bounds (0, 1), risk-free rate 0.02 reproduces PyPortfolioOpt's asserted
figures; another real universe and window agrees with an independent SLSQP optimiser written here.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from rest_framework.test import APIClient
from scipy.optimize import minimize

from apps.portfolios import tasks
from apps.portfolios.models import OptimizationRun
from tests.portfolios import market
from tests.portfolios.factories import LotFactory, PortfolioFactory, UserFactory

REFERENCE = {"rtol": 0, "atol": 1e-4}
BASE = {
    "expected_returns": "mean_historical",
    "compounding": True,
    "risk_model": "sample_cov",
    "weight_bounds": [0, 1],
    "risk_free_rate": 0.02,
}
RUN_FIELDS = {
    "id",
    "status",
    "objective",
    "weights",
    "expected_return",
    "volatility",
    "sharpe",
    "frontier",
    "allocation",
    "leftover_cash",
    "trades",
    "backtest",
}


@pytest.fixture(scope="module")
def symbols(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        loaded = market.load_wide(market.read_wide())
    yield loaded
    with django_db_blocker.unblock():
        market.remove(loaded)


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def portfolio(user, symbols):
    portfolio = PortfolioFactory(user=user, name="Twenty")
    for symbol in symbols:
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("10"), purchase_price=Decimal("50"))
    return portfolio


def optimize(api, portfolio, **body):
    return api.post(f"/api/v1/portfolios/{portfolio.id}/optimize/", {**BASE, **body}, format="json")


def test_max_sharpe_reproduces_pypfopt_through_the_api(api, portfolio):
    response = optimize(api, portfolio, objective="max_sharpe", frontier_points=0)
    assert response.status_code == 200, response.json()
    run = response.json()
    assert set(run) >= RUN_FIELDS
    assert run["status"] == "succeeded" and run["objective"] == "max_sharpe" and run["figures"] == "in-sample"
    figures = (run["expected_return"], run["volatility"], run["sharpe"])
    np.testing.assert_allclose(figures, (0.30477687, 0.22165567, 1.28477141), **REFERENCE)
    assert sum(run["weights"].values()) == pytest.approx(1, abs=1e-6)
    assert set(run["weights"]) == set(portfolio.lots.values_list("asset_id", flat=True))
    assert any("listed later" in note for note in run["notes"])


def test_min_volatility_reproduces_pypfopt_through_the_api(api, portfolio):
    run = optimize(api, portfolio, objective="min_volatility", frontier_points=0).json()
    figures = (run["expected_return"], run["volatility"], run["sharpe"])
    np.testing.assert_allclose(figures, (0.15056821, 0.15915085, 0.82040541), **REFERENCE)


def test_efficient_risk_and_efficient_return_reproduce_pypfopt(api, portfolio):
    risk = optimize(api, portfolio, objective="efficient_risk", target_volatility=0.19, frontier_points=0).json()
    ret = optimize(api, portfolio, objective="efficient_return", target_return=0.25, frontier_points=0).json()
    assert risk["expected_return"] == pytest.approx(0.25524228, abs=1e-4)
    assert risk["volatility"] == pytest.approx(0.19, abs=1e-4)
    assert ret["volatility"] == pytest.approx(0.18723270, abs=1e-4)


def test_allocation_and_trades_spend_the_current_value_in_whole_shares(api, portfolio):
    run = optimize(api, portfolio, objective="max_sharpe", frontier_points=0).json()
    last = market.read_wide().ffill().iloc[-1]
    budget = sum(Decimal(repr(float(last[s]))).quantize(Decimal("1e-8")) * 10 for s in run["weights"])
    spent = sum(
        Decimal(q) * Decimal(repr(float(last[s]))).quantize(Decimal("1e-8")) for s, q in run["allocation"].items()
    )
    assert all(Decimal(q) == Decimal(q).to_integral_value() and Decimal(q) > 0 for q in run["allocation"].values())
    assert Decimal(run["leftover_cash"]) == (budget - spent).quantize(Decimal("0.01"))
    assert Decimal(0) <= Decimal(run["leftover_cash"]) < max(Decimal(repr(float(last[s]))) for s in run["allocation"])
    held = dict.fromkeys(run["weights"], Decimal(10))
    for trade in run["trades"]:
        sign = 1 if trade["side"] == "buy" else -1
        held[trade["symbol"]] += sign * Decimal(trade["quantity"])
    assert {s: q for s, q in held.items() if q} == {s: Decimal(q) for s, q in run["allocation"].items()}


def test_frontier_runs_from_min_volatility_upwards_with_markers(api, portfolio):
    run = optimize(api, portfolio, objective="max_sharpe", frontier_points=12).json()
    frontier = run["frontier"]
    assert len(frontier) >= 10
    assert frontier[0]["volatility"] == pytest.approx(0.15915085, abs=1e-4)
    vols = [p["volatility"] for p in frontier]
    rets = [p["expected_return"] for p in frontier]
    assert rets == sorted(rets) and vols == sorted(vols)
    markers = run["markers"]
    assert set(markers) == {"recommendation", "equal_weight", "current"}
    # The tangency portfolio has the best Sharpe of every point on the frontier.
    best = max((p["expected_return"] - 0.02) / p["volatility"] for p in frontier)
    assert markers["recommendation"]["sharpe"] >= best - 1e-6
    assert markers["equal_weight"]["sharpe"] < markers["recommendation"]["sharpe"]


def _slsqp_max_sharpe(mu: np.ndarray, cov: np.ndarray, rf: float) -> np.ndarray:
    n = len(mu)
    result = minimize(
        lambda w: -(w @ mu - rf) / np.sqrt(w @ cov @ w),
        np.full(n, 1 / n),
        method="SLSQP",
        bounds=[(0, 1)] * n,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
        options={"ftol": 1e-12, "maxiter": 1000},
    )
    assert result.success
    return result.x


def test_another_real_universe_and_window_agrees_with_independent_slsqp(api, user):
    chosen = ["AAPL", "AMZN", "GE", "WMT", "BAC", "JPM", "XOM", "PFE", "SBUX", "MA"]
    portfolio = PortfolioFactory(user=user, name="Ten")
    for symbol in chosen[:4]:
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("3"), purchase_price=Decimal("20"))
    body = {"objective": "max_sharpe", "candidates": chosen[4:], "start": "2013-01-01", "end": "2016-12-31"}
    run = optimize(api, portfolio, **body, risk_free_rate=0.01, frontier_points=0).json()
    assert run["status"] == "succeeded", run

    # Independent: pandas statistics and scipy's SLSQP, no PyPortfolioOpt, no cvxpy.
    prices = market.read_wide()[chosen].loc["2013-01-01":"2016-12-31"]
    returns = prices.pct_change().dropna()
    mu = ((1 + returns).prod() ** (252 / len(returns)) - 1).to_numpy()
    cov = (returns.cov() * 252).to_numpy()
    expected = _slsqp_max_sharpe(mu, cov, 0.01)
    got = np.array([run["weights"][s] for s in chosen])
    np.testing.assert_allclose(got, expected, atol=2e-3)
    sharpe = (expected @ mu - 0.01) / np.sqrt(expected @ cov @ expected)
    assert run["sharpe"] == pytest.approx(sharpe, abs=1e-5)


def test_min_volatility_with_bounds_agrees_with_independent_slsqp(api, user):
    chosen = ["GE", "WMT", "XOM", "PFE", "JPM", "T"]
    portfolio = PortfolioFactory(user=user, name="Six")
    LotFactory(portfolio=portfolio, asset_id="GE", quantity=Decimal("1"), purchase_price=Decimal("20"))
    body = {"objective": "min_volatility", "candidates": chosen[1:], "weight_bounds": [0.05, 0.3]}
    run = optimize(api, portfolio, **body, start="2000-01-01", end="2009-12-31", frontier_points=0).json()
    prices = market.read_wide()[chosen].loc["2000-01-01":"2009-12-31"]
    cov = (prices.pct_change().dropna().cov() * 252).to_numpy()
    result = minimize(
        lambda w: w @ cov @ w,
        np.full(6, 1 / 6),
        method="SLSQP",
        bounds=[(0.05, 0.3)] * 6,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    np.testing.assert_allclose([run["weights"][s] for s in chosen], result.x, atol=2e-3)
    assert run["volatility"] == pytest.approx(np.sqrt(result.fun), abs=1e-5)


def test_risk_preference_maps_to_its_documented_objective(api, portfolio):
    run = api.post(
        f"/api/v1/portfolios/{portfolio.id}/optimize/",
        {"risk_preference": "conservative", "lookback_days": 1000, "frontier_points": 0},
        format="json",
    ).json()
    assert run["objective"] == "min_volatility"
    assert run["inputs"]["settings"]["risk_model"] == "ledoit_wolf"
    assert any(note.startswith("Risk preference conservative") for note in run["notes"])
    assert sum(run["weights"].values()) == pytest.approx(1, abs=1e-6)


def test_short_listing_in_the_window_is_dropped_with_a_warning(api, portfolio):
    run = optimize(
        api, portfolio, objective="min_volatility", start="2014-06-01", end="2014-11-30", frontier_points=0
    ).json()
    assert "BABA" not in run["weights"]  # listed 2014-09-19: fewer than 60 returns in the window
    assert any("BABA" in warning for warning in run["warnings"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"objective": "efficient_risk"}, "target_volatility"),
        ({"objective": "efficient_risk", "target_volatility": 0.05}, "target_volatility"),
        ({"objective": "max_sharpe", "weight_bounds": [0, 0.01]}, "weight_bounds"),
        ({"objective": "max_sharpe", "candidates": ["NOPE"]}, "candidates"),
        ({"objective": "max_sharpe", "risk_model": "magic"}, "risk_model"),
        ({}, "objective"),
        ({"objective": "max_sharpe", "risk_free_rate": 0.9}, "risk_free_rate"),
    ],
)
def test_bad_inputs_answer_400_naming_the_field(api, portfolio, body, field):
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/optimize/", {"frontier_points": 0, **body}, format="json")
    assert response.status_code == 400, response.json()
    error = response.json()
    assert set(error) == {"detail", "code", "fields"} and field in error["fields"]


def test_black_litterman_without_predictions_is_a_clear_error(api, portfolio):
    response = optimize(api, portfolio, objective="black_litterman", frontier_points=0)
    assert response.status_code == 400
    assert response.json()["code"] == "no_predictions"
    assert "objective" in response.json()["fields"]


def test_a_large_run_is_queued_and_its_job_url_reports_the_result(api, portfolio, settings):
    settings.QV_OPTIMIZE_SYNC_BUDGET = 10
    response = optimize(api, portfolio, objective="min_volatility", frontier_points=3)
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and response["Location"] == body["job_url"]
    tasks.run_optimization(body["id"])  # what the worker runs for the queued id
    tasks.run_optimization(body["id"])  # a second delivery changes nothing
    run = api.get(body["job_url"]).json()
    assert run["status"] == "succeeded" and run["progress"] == 100
    assert run["volatility"] == pytest.approx(0.15915085, abs=1e-4)
    assert OptimizationRun.objects.filter(pk=body["id"]).count() == 1


def test_another_users_portfolio_and_runs_answer_404(api, portfolio):
    run = optimize(api, portfolio, objective="min_volatility", frontier_points=0).json()
    intruder = APIClient()
    intruder.force_authenticate(UserFactory())
    assert intruder.post(f"/api/v1/portfolios/{portfolio.id}/optimize/", BASE, format="json").status_code == 404
    assert intruder.post(f"/api/v1/portfolios/{portfolio.id}/backtest/", BASE, format="json").status_code == 404
    assert intruder.get(f"/api/v1/optimizations/{run['id']}/").status_code == 404
    assert api.get(f"/api/v1/optimizations/{run['id']}/").status_code == 200


def test_backtest_through_the_api_compares_with_equal_weight_and_buy_and_hold(api, user):
    portfolio = PortfolioFactory(user=user, name="Three")
    for symbol in ("GE", "WMT", "XOM"):
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("5"), purchase_price=Decimal("20"))
    body = {
        "objective": "min_volatility",
        "start": "2010-01-01",
        "end": "2014-12-31",
        "backtest": {"window": 252, "rebalance_every": 63, "cost_bps": 10},
    }
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/backtest/", body, format="json")
    assert response.status_code == 200, response.json()
    result = response.json()["backtest"]
    assert set(result["strategies"]) == {"optimized", "equal_weight", "buy_and_hold"}
    assert result["start"] >= "2010-12-01" and result["end"] == "2014-12-31"
    for figures in result["strategies"].values():
        assert {"annual_return", "volatility", "sharpe", "max_drawdown", "turnover"} <= set(figures)
    assert result["strategies"]["buy_and_hold"]["turnover"] == 0
    assert result["verdict"]


def test_window_dates_bound_the_estimation(api, portfolio):
    run = optimize(
        api, portfolio, objective="min_volatility", start="2015-01-01", end="2017-12-31", frontier_points=0
    ).json()
    prices = market.read_wide().loc["2015-01-01":"2017-12-31"]
    returns = prices.pct_change(fill_method=None).dropna(how="all")
    cov = returns.cov() * 252
    w = pd.Series(run["weights"])
    assert run["volatility"] == pytest.approx(float(np.sqrt(w @ cov.loc[w.index, w.index] @ w)), abs=1e-6)
    assert any(note.startswith("Estimation window: 2015-01-02 to 2017-12-29") for note in run["notes"])
