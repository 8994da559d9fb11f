"""Forecast pages through real URLs: panel (page and htmx fragment), job page, track record."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from html import unescape as html_unescape

import pytest
from django.core.management import call_command

from apps.predictions import services
from apps.predictions.models import PredictionJob
from tests.accounts.factories import UserFactory
from tests.predictions.conftest import prediction_row, version_row

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def predicted(aapl):
    call_command("predict", "--symbol", "AAPL", stdout=io.StringIO())
    return aapl


@pytest.mark.parametrize("url", ["/predictions/assets/AAPL/panel/"])
def test_pages_need_a_login(client, aapl, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_panel_page_shows_each_timeframe_with_labels_and_chart_data(logged_in, predicted):
    response = logged_in.get("/predictions/assets/aapl/panel/")

    assert response.status_code == 200
    assert "predictions/forecast.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "<html" in html
    assert "1, 5, 21 and 63 trading days" in html
    assert "Likely range (80% interval)" in html
    assert "Direction (chance right)" in html
    assert html.count('<th scope="row">') == 4
    chart = json.loads(html_unescape(re.search(r'data-forecast-chart="([^"]*)"', html).group(1)))
    assert chart["symbol"] == "AAPL" and len(chart["fan"]) == 4 and chart["history"]
    assert "random walk" in html
    assert "not yet reviewed by an analyst" in html


def test_panel_for_htmx_is_the_fragment_only(logged_in, predicted):
    response = logged_in.get("/predictions/assets/AAPL/panel/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="forecast-panel"' in html
    # htmx drops <script> elements from swapped fragments: the chart's data must travel in an attribute.
    assert "<script" not in html and "data-forecast-chart=" in html
    assert "HX-Request" in response["Vary"]


def test_panel_without_forecasts_says_so(logged_in, aapl):
    html = logged_in.get("/predictions/assets/AAPL/panel/", **HTMX).content.decode()

    assert "No forecast yet" in html
    assert "Generate forecast" in html


def test_crypto_panel_states_calendar_days(logged_in, btc):
    services.generate_predictions(asset=btc)

    html = logged_in.get("/predictions/assets/BTC/panel/", **HTMX).content.decode()

    assert "1, 7, 30 and 90 calendar days" in html


def test_the_asset_page_loads_the_forecast_panel_lazily(logged_in, aapl):
    html = logged_in.get("/assets/AAPL/").content.decode()

    assert 'hx-get="/predictions/assets/AAPL/panel/" hx-trigger="load"' in html
    assert "js/forecast.js" in html


def test_generate_for_an_asset_without_prices_answers_422_with_the_reason(logged_in, plain_asset):
    response = logged_in.post(f"/predictions/assets/{plain_asset.id}/forecast/", **HTMX)

    assert response.status_code == 422
    assert "no prices" in response.content.decode()


def test_unknown_asset_panel_is_404(logged_in, db):
    assert logged_in.get("/predictions/assets/NOPE/panel/").status_code == 404


def test_generate_button_queues_a_job_and_returns_its_progress_fragment(logged_in, aapl, user):
    response = logged_in.post("/predictions/assets/AAPL/forecast/", **HTMX)

    job = PredictionJob.objects.get(user=user, asset=aapl)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "Queued" in html
    assert f"/predictions/jobs/{job.pk}/?panel=1" in html  # polls its own state


def test_generate_without_javascript_redirects_to_the_job_page(logged_in, aapl, user):
    response = logged_in.post("/predictions/assets/AAPL/forecast/")

    job = PredictionJob.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == f"/predictions/jobs/{job.pk}/"
    page = logged_in.get(response["Location"])
    assert page.status_code == 200 and "Forecast for AAPL" in page.content.decode()


def test_another_users_job_page_is_404(logged_in, aapl):
    job = services.request_predictions(asset=aapl, by=UserFactory())

    assert logged_in.get(f"/predictions/jobs/{job.pk}/").status_code == 404


def test_a_finished_job_in_the_panel_replaces_the_panel_with_its_forecast(logged_in, aapl, user):
    job = services.request_predictions(asset=aapl, by=user)
    services.run_prediction_job(job=job)

    response = logged_in.get(f"/predictions/jobs/{job.pk}/?panel=1", **HTMX)
    html = response.content.decode()

    # The whole panel, not the job alone: the forecast shows without a reload, and nothing below the
    # job's "Succeeded" still says that there is no forecast.
    assert response["HX-Retarget"] == "#forecast-panel" and response["HX-Reswap"] == "outerHTML"
    assert 'id="forecast-panel"' in html and "<html" not in html
    assert "Succeeded" in html and "4 forecasts as of 2014-12-31" in html
    assert "No forecast yet" not in html and "data-forecast-chart" in html
    assert html.count("<tr>") >= 5  # the header and the four timeframes
    assert "every 2s" not in html


def test_a_finished_job_on_its_own_page_links_the_forecast(logged_in, aapl, user):
    job = services.request_predictions(asset=aapl, by=user)
    services.run_prediction_job(job=job)

    html = logged_in.get(f"/predictions/jobs/{job.pk}/").content.decode()

    assert "Succeeded" in html and f'href="/predictions/assets/{aapl.id}/panel/"' in html


def test_a_failed_job_in_the_panel_stays_in_its_place(logged_in, aapl, user):
    job = services.request_predictions(asset=aapl, by=user)
    PredictionJob.objects.filter(pk=job.pk).update(state="failed", error="the model broke")

    response = logged_in.get(f"/predictions/jobs/{job.pk}/?panel=1", **HTMX)

    assert "HX-Retarget" not in response and "The forecast failed: the model broke" in response.content.decode()


def test_track_record_without_matured_forecasts_says_so_honestly(logged_in, predicted):
    html = logged_in.get("/track-record/").content.decode()

    assert "No live forecast has matured yet" in html
    assert "4 forecasts in this view are still waiting for their target date" in html


def test_track_record_shows_hit_rate_beside_the_base_rate(logged_in, plain_asset):
    version = version_row(plain_asset)
    prediction_row(
        plain_asset,
        version,
        realised_price="101",
        realised_at=date(2014, 12, 31),
        abs_error="1",
        naive_abs_error="1",
        in_interval=True,
        direction_correct=True,
        scored_at="2015-01-01T00:00:00Z",
    )

    html = logged_in.get(f"/track-record/{plain_asset.id}/").content.decode()

    assert "Base-rate Brier (share up)" in html
    assert "Inside interval (95% range)" in html and "Stated" in html
    assert "Page 1 of 1 · 1 forecast" in html
    assert "Is the stated chance honest?" in html


def test_track_record_of_an_unknown_asset_is_404(logged_in, db):
    assert logged_in.get("/track-record/NOPE/").status_code == 404


# --- Admin ------------------------------------------------------------------------------------------


@pytest.fixture
def analyst_client(client, db):
    from apps.accounts.roles import sync_role_groups

    sync_role_groups()
    client.force_login(UserFactory(role="analyst"))
    return client


def test_analysts_approve_and_retire_versions_in_the_admin(analyst_client, aapl):
    from apps.predictions.models import ModelVersion

    version = services.train_model_version(asset=aapl, models=["naive"], origins=10)
    changelist = "/admin/predictions/modelversion/"

    assert analyst_client.get(changelist).status_code == 200
    analyst_client.post(changelist, {"action": "approve", "_selected_action": [str(version.pk)]})
    version.refresh_from_db()
    assert version.status == "approved" and version.status_changed_by is not None
    analyst_client.post(changelist, {"action": "retire", "_selected_action": [str(version.pk)]})
    assert ModelVersion.objects.get(pk=version.pk).status == "retired"


def test_rerun_backtest_action_queues_a_run(analyst_client, aapl):
    from apps.predictions.models import BacktestRun

    version = services.train_model_version(asset=aapl, models=["naive", "drift"], origins=10)

    analyst_client.post(
        "/admin/predictions/modelversion/", {"action": "rerun_backtest", "_selected_action": [str(version.pk)]}
    )

    run = BacktestRun.objects.get(model_version=version)
    assert run.state == "queued"  # published: a failed publish marks the run failed
    services.run_backtest(run=run, origins=10)
    run.refresh_from_db()
    assert run.state == "succeeded", run.error
    assert set(run.result["horizons"]) == {"1d", "1w", "1m", "3m"}
    assert run.result["horizons"]["1d"]["n_forecasts"] == 10


def test_predictions_are_read_only_in_the_admin(analyst_client, predicted):
    from apps.predictions.models import Prediction

    prediction = Prediction.objects.first()

    assert analyst_client.get("/admin/predictions/prediction/").status_code == 200
    page = analyst_client.get(f"/admin/predictions/prediction/{prediction.pk}/change/")
    assert page.status_code == 200 and 'name="predicted_price"' not in page.content.decode()
    assert analyst_client.get(f"/admin/predictions/prediction/{prediction.pk}/delete/").status_code == 403


def test_investors_cannot_review_versions(client, aapl):
    version = services.train_model_version(asset=aapl, models=["naive"], origins=10)
    client.force_login(UserFactory(role="investor"))

    client.post("/admin/predictions/modelversion/", {"action": "approve", "_selected_action": [str(version.pk)]})

    version.refresh_from_db()
    assert version.status == "candidate"
