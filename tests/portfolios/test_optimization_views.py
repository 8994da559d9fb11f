"""The optimisation page: htmx form and partials, errors in place, polling, other users' 404."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client

from apps.portfolios.models import OptimizationRun
from tests.portfolios import market
from tests.portfolios.factories import LotFactory, OptimizationRunFactory, PortfolioFactory, UserFactory

SYMBOLS = ["GE", "WMT", "XOM", "JPM"]
FORM = {
    "objective": "min_volatility",
    "expected_returns": "mean_historical",
    "compounding": "on",
    "risk_model": "sample_cov",
    "risk_free_rate": "0.02",
    "weight_min": "0",
    "weight_max": "1",
    "start": "2012-01-01",
    "end": "2016-12-31",
    "window": "252",
    "rebalance_every": "63",
    "cost_bps": "10",
}


@pytest.fixture
def portfolio(db):
    market.load_wide(market.read_wide()[SYMBOLS].loc["2012-01-01":"2016-12-31"])
    portfolio = PortfolioFactory(user=UserFactory())
    for symbol in SYMBOLS[:3]:
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("20"), purchase_price=Decimal("30"))
    return portfolio


@pytest.fixture
def owner(portfolio):
    client = Client()
    client.force_login(portfolio.user)
    return client


def url(portfolio) -> str:
    return f"/portfolios/{portfolio.id}/optimize/"


def test_page_shows_the_form_and_no_run_yet(owner, portfolio):
    response = owner.get(url(portfolio))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and 'id="optimize-workspace"' in page and "No optimisation yet" in page
    assert "Default 0.02 (2 % a year)" in page


def test_htmx_post_answers_the_workspace_fragment_with_the_result_and_backtest(owner, portfolio):
    body = {**FORM, "candidates": "JPM", "run_backtest": "on"}
    response = owner.post(url(portfolio), body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="optimize-workspace"')
    assert "Volatility (in-sample)" in fragment and 'id="trades-table"' in fragment
    assert 'id="backtest-table"' in fragment and "Equal weights (1/N)" in fragment
    assert response["Vary"] and "HX-Request" in response["Vary"]
    run = OptimizationRun.objects.get(portfolio=portfolio)
    assert set(run.weights) == set(SYMBOLS) and run.backtest["verdict"] in fragment
    charts = fragment.split('data-optimize-charts="', 1)[1].split('"', 1)[0]
    data = json.loads(charts.replace("&quot;", '"'))
    assert set(data["markers"]) == {"current", "recommendation", "equal_weight"} and len(data["frontier"]) > 10


def test_a_post_without_htmx_redirects_to_the_run(owner, portfolio):
    response = owner.post(url(portfolio), FORM)
    run = OptimizationRun.objects.get(portfolio=portfolio)
    assert response.status_code == 302 and response["Location"] == f"{url(portfolio)}{run.id}/"
    page = owner.get(response["Location"]).content.decode()
    assert "Minimum volatility" in page and "No out-of-sample backtest was requested" in page


def test_errors_come_back_in_the_form_with_422(owner, portfolio):
    body = {**FORM, "objective": "efficient_risk", "target_volatility": "0.01"}
    response = owner.post(url(portfolio), body, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    fragment = response.content.decode()
    assert 'id="optimize-workspace"' in fragment and "efficient_risk" in fragment
    assert OptimizationRun.objects.get(portfolio=portfolio).state == "failed"


def test_a_queued_run_polls_until_it_is_finished(owner, portfolio, settings, django_capture_on_commit_callbacks):
    settings.QV_OPTIMIZE_SYNC_BUDGET = 1
    with django_capture_on_commit_callbacks(execute=False):
        response = owner.post(url(portfolio), FORM, HTTP_HX_REQUEST="true")
    run = OptimizationRun.objects.get(portfolio=portfolio)
    run_url = f"{url(portfolio)}{run.id}/"
    assert run.state == "queued" and f'hx-get="{run_url}"' in response.content.decode()
    from apps.portfolios import tasks

    tasks.run_optimization(str(run.id))
    fragment = owner.get(run_url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section id="optimize-run"') and "hx-trigger" not in fragment
    assert "Volatility (in-sample)" in fragment


def test_another_users_page_and_runs_answer_404(portfolio):
    run = OptimizationRunFactory(portfolio=portfolio)
    intruder = Client()
    intruder.force_login(UserFactory())
    assert intruder.get(url(portfolio)).status_code == 404
    assert intruder.post(url(portfolio), FORM).status_code == 404
    assert intruder.get(f"{url(portfolio)}{run.id}/", HTTP_HX_REQUEST="true").status_code == 404
    # Nor can they reach the owner's run through a portfolio of their own.
    own = PortfolioFactory()
    other = Client()
    other.force_login(own.user)
    assert other.get(f"/portfolios/{own.id}/optimize/{run.id}/").status_code == 404
    assert OptimizationRun.objects.filter(portfolio=portfolio).count() == 1
