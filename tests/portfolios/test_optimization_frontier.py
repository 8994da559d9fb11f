"""The recommendation, 1/N and the current portfolio against the efficient frontier they are drawn on.

All of them come from one estimate (expected returns, covariance, bounds, risk-free rate), so an
optimised recommendation lies on the frontier and nothing fully invested within the bounds lies
above it. The frontier is checked as drawn: straight lines between its points.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.portfolios import optimization, optimization_services
from tests.portfolios import market
from tests.portfolios.factories import LotFactory, OptimizationRunFactory, PortfolioFactory, UserFactory

TOL = 1e-6
SYMBOLS = ["GOOG", "AAPL", "FB", "BABA", "AMZN", "GE", "AMD", "WMT", "BAC", "GM"]


@pytest.fixture(scope="module")
def symbols(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        loaded = market.load_wide(market.read_wide()[SYMBOLS])
    yield loaded
    with django_db_blocker.unblock():
        market.remove(loaded)


@pytest.fixture
def portfolio(db, symbols):
    portfolio = PortfolioFactory(user=UserFactory())
    for i, symbol in enumerate(symbols):
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal(10 + 7 * i), purchase_price=Decimal("50"))
    return portfolio


@pytest.fixture
def api(portfolio):
    client = APIClient()
    client.force_authenticate(portfolio.user)
    return client


def bracketing_pairs(frontier: list[dict], volatility: float) -> list[tuple[dict, dict]]:
    ordered = sorted(frontier, key=lambda p: p["volatility"])
    return [(a, b) for a, b in itertools.pairwise(ordered) if a["volatility"] <= volatility <= b["volatility"]]


BODIES = [
    {"objective": "max_sharpe"},
    {"objective": "max_sharpe", "weight_bounds": [0, 0.3]},
    {"objective": "max_quadratic_utility", "risk_aversion": 2},
    {"objective": "efficient_risk", "target_volatility": 0.25},
    {"risk_preference": "moderate", "lookback_days": 1095},
]


@pytest.mark.parametrize("body", BODIES, ids=lambda b: "-".join(str(v) for v in b.values()))
def test_the_recommendation_is_on_or_below_every_frontier_segment_through_the_api(api, portfolio, body):
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/optimize/", {"frontier_points": 12, **body}, format="json")
    assert response.status_code == 200, response.json()
    run = response.json()
    rec = run["markers"]["recommendation"]
    pairs = bracketing_pairs(run["frontier"], rec["volatility"])
    assert pairs, "the recommendation's volatility is inside the frontier's span"
    for a, b in pairs:
        share = (rec["volatility"] - a["volatility"]) / ((b["volatility"] - a["volatility"]) or 1)
        line = a["expected_return"] + share * (b["expected_return"] - a["expected_return"])
        assert rec["expected_return"] <= line + TOL
    # And it is on the frontier, not under it: the optimiser found an efficient portfolio.
    assert optimization.height_above_frontier(run["frontier"], rec["volatility"], rec["expected_return"]) == (
        pytest.approx(0, abs=TOL)
    )


def test_equal_weight_and_current_portfolio_lie_below_the_frontier_in_the_service(portfolio):
    request = optimization_services.build_request(objective="max_sharpe", frontier_points=20)
    run, _ = optimization_services.request_optimization(portfolio=portfolio, user=portfolio.user, request=request)
    for name in ("recommendation", "equal_weight", "current"):
        marker = run.markers[name]
        height = optimization.height_above_frontier(run.frontier, marker["volatility"], marker["expected_return"])
        assert height is not None and height <= TOL, name


def test_a_marker_outside_the_bounds_is_said_to_be_outside(portfolio):
    request = optimization_services.build_request(objective="max_sharpe", weight_bounds=(0.05, 0.3), frontier_points=8)
    run, _ = optimization_services.request_optimization(portfolio=portfolio, user=portfolio.user, request=request)
    assert any(note.startswith("Your current portfolio has weights outside 5%–30%") for note in run.notes)


def test_hrp_refuses_weight_bounds_it_would_ignore(api, portfolio):
    response = api.post(
        f"/api/v1/portfolios/{portfolio.id}/optimize/",
        {"objective": "hrp", "weight_bounds": [0, 0.2], "frontier_points": 0},
        format="json",
    )
    assert response.status_code == 400
    assert "weight_bounds" in response.json()["fields"]


def test_the_api_lists_runs_and_prices_a_run_as_target_with_dates(api, portfolio):
    run = api.post(
        f"/api/v1/portfolios/{portfolio.id}/optimize/",
        {"objective": "min_volatility", "frontier_points": 0},
        format="json",
    ).json()
    listing = api.get(f"/api/v1/portfolios/{portfolio.id}/optimizations/").json()
    assert [r["id"] for r in listing["results"]] == [run["id"]]
    assert listing["results"][0]["url"].endswith(f"/api/v1/optimizations/{run['id']}/")
    target = api.get(f"/api/v1/optimizations/{run['id']}/target/")
    assert target.status_code == 200
    body = target.json()
    assert body["trades"] and all(t["price_date"] == body["prices"][t["symbol"]]["date"] for t in body["trades"])
    assert set(body["allocation"]) <= set(body["prices"])


def test_another_user_cannot_list_runs_or_price_a_target(api, portfolio):
    run = api.post(
        f"/api/v1/portfolios/{portfolio.id}/optimize/",
        {"objective": "min_volatility", "frontier_points": 0},
        format="json",
    ).json()
    other = APIClient()
    other.force_authenticate(UserFactory())
    assert other.get(f"/api/v1/portfolios/{portfolio.id}/optimizations/").status_code == 404
    assert other.get(f"/api/v1/optimizations/{run['id']}/target/").status_code == 404


def test_a_target_of_an_unfinished_run_is_409_with_the_error_shape(api, portfolio):
    run = OptimizationRunFactory(portfolio=portfolio, state="queued", weights={})
    response = api.get(f"/api/v1/optimizations/{run.id}/target/")
    assert response.status_code == 409 and response.json()["code"] == "run_not_finished"
