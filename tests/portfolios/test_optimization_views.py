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
    "risk_free_rate": "2",
    "weight_min": "0",
    "weight_max": "100",
    "start": "2012-01-01",
    "end": "2016-12-31",
    "window": "252",
    "rebalance_every": "63",
    "cost_pct": "0.1",
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
    assert "Risk-free rate, % a year" in page and "Default 2." in page


def test_htmx_post_answers_the_workspace_fragment_with_the_result_and_backtest(owner, portfolio):
    body = {**FORM, "candidates": "JPM", "run_backtest": "on"}
    response = owner.post(url(portfolio), body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="optimize-workspace"')
    assert "Volatility a year (in-sample)" in fragment and 'id="trades-table"' in fragment
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
    assert "Minimum volatility" in page and "Tick “Test it on past data” for a fairer guide" in page


def test_errors_come_back_in_the_form_with_422(owner, portfolio):
    body = {**FORM, "objective": "efficient_risk", "target_volatility": "1"}
    response = owner.post(url(portfolio), body, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    fragment = response.content.decode()
    assert (
        'id="optimize-workspace"' in fragment
        and "No portfolio within the bounds is as little volatile as 1.0%" in fragment
    )
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
    assert "Volatility a year (in-sample)" in fragment


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


def test_the_result_comes_before_the_settings_so_phones_see_it_first(owner, portfolio):
    owner.post(url(portfolio), FORM)
    page = owner.get(url(portfolio)).content.decode()
    assert page.index('id="optimize-run"') < page.index("<h2>Settings</h2>")


def test_fields_name_the_objective_they_belong_to_and_speak_percentages(owner, portfolio):
    page = owner.get(url(portfolio)).content.decode()
    assert '<div data-when="objective=efficient_risk">' in page and "Target volatility, % a year" in page
    assert '<div class="grid optimize-pair" data-when="objective!=hrp">' in page
    assert "Cost bps" not in page and "as a fraction" not in page and "For efficient_risk" not in page
    assert "No preset: I choose the method" in page  # a radio label, not a truncated select


def test_percentages_in_the_form_reach_the_service_as_fractions(owner, portfolio):
    body = {**FORM, "objective": "max_sharpe", "risk_free_rate": "1.5", "weight_max": "60", "run_backtest": "on"}
    owner.post(url(portfolio), body)
    run = OptimizationRun.objects.get(portfolio=portfolio)
    assert run.inputs["settings"]["risk_free_rate"] == 0.015
    assert run.inputs["settings"]["weight_bounds"] == [0.0, 0.6]
    assert run.inputs["backtest"]["cost_bps"] == 10.0
    page = owner.get(url(portfolio)).content.decode()
    assert 'name="weight_max" value="60"' in page and 'name="risk_free_rate" value="1.5"' in page


def test_a_preset_ignores_the_method_fields_it_replaces(owner, portfolio):
    body = {**FORM, "risk_preference": "conservative", "objective": "efficient_risk", "risk_model": "exp_cov"}
    assert owner.post(url(portfolio), body).status_code == 302
    run = OptimizationRun.objects.get(portfolio=portfolio)
    assert run.objective == "min_volatility" and run.inputs["settings"]["risk_model"] == "ledoit_wolf"


def test_a_missing_target_is_asked_for_in_percent(owner, portfolio):
    response = owner.post(url(portfolio), {**FORM, "objective": "efficient_return"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Give the target return, e.g. 25 for 25% a year." in response.content.decode()
    assert not OptimizationRun.objects.exists()


def test_a_short_backtest_shows_the_period_return_and_says_why(owner, portfolio):
    body = {**FORM, "start": "2015-06-01", "run_backtest": "on", "window": "252", "rebalance_every": "21"}
    owner.post(url(portfolio), body)
    run = OptimizationRun.objects.get(portfolio=portfolio)
    assert run.backtest["annualised"] is False
    page = owner.get(f"{url(portfolio)}{run.id}/").content.decode()
    assert 'id="backtest-period-note"' in page and "Return, whole period" in page
    assert "Return a year" not in page


def test_the_runs_page_lists_runs_with_their_figures_and_links(owner, portfolio):
    owner.post(url(portfolio), FORM)
    run = OptimizationRun.objects.get(portfolio=portfolio)
    assert "/optimize/runs/" in owner.get(url(portfolio)).content.decode()
    response = owner.get(f"{url(portfolio)}runs/")
    page = response.content.decode()
    assert response.status_code == 200 and "<h1>Optimisation runs</h1>" in page
    assert f'href="{url(portfolio)}{run.id}/"' in page and "Minimum volatility" in page and "not tested" in page


def test_apply_as_target_lists_dated_trades_and_writes_nothing(owner, portfolio):
    owner.post(url(portfolio), {**FORM, "candidates": "JPM"})
    run = OptimizationRun.objects.get(portfolio=portfolio)
    lots = list(portfolio.lots.values_list("id", "quantity"))
    response = owner.get(f"{url(portfolio)}{run.id}/apply/")
    page = response.content.decode()
    assert response.status_code == 200 and 'id="apply-trades-table"' in page
    assert "Nothing has been bought, sold or recorded." in page and "2016-12-30" in page
    assert list(portfolio.lots.values_list("id", "quantity")) == lots


def test_apply_as_target_of_an_unfinished_run_says_so(owner, portfolio):
    run = OptimizationRunFactory(portfolio=portfolio, state="running", weights={})
    response = owner.get(f"{url(portfolio)}{run.id}/apply/")
    assert response.status_code == 409 and "Only a finished optimisation" in response.content.decode()


def test_another_users_runs_page_and_apply_answer_404(portfolio):
    run = OptimizationRunFactory(portfolio=portfolio)
    intruder = Client()
    intruder.force_login(UserFactory())
    assert intruder.get(f"{url(portfolio)}runs/").status_code == 404
    assert intruder.get(f"{url(portfolio)}{run.id}/apply/").status_code == 404
