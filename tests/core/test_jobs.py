"""The job machinery: one enqueue gateway (503 ``broker_unavailable``, no orphan QUEUED row), the
sweeper and its deadlines, and every job body ending FAILED with a readable message.

The broker is made unavailable by pointing Celery at a closed loopback port: nothing is mocked
between the request and the socket that refuses the connection.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.assets import services as asset_services
from apps.assets.models import Asset, ImportJob
from apps.onchain.models import NotaryRun
from apps.portfolios import optimization, optimization_services
from apps.portfolios.models import BacktestRun as PortfolioBacktestRun
from apps.portfolios.models import OptimizationRun
from apps.predictions import services as prediction_services
from apps.predictions.models import BacktestRun as ModelBacktestRun
from apps.predictions.models import PredictionJob
from apps.replay.models import ReplayRun
from quantumvest import jobs
from quantumvest.celery import app
from quantumvest.errors import ServiceUnavailable
from tests.accounts.factories import UserFactory
from tests.portfolios import market
from tests.portfolios.factories import LotFactory, PortfolioFactory
from tests.predictions.conftest import (
    make_asset,
    model_store,  # noqa: F401  (autouse: a private model store, fast models)
    version_row,
)

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # port 1 on loopback: connection refused at once
SYMBOLS = ["GE", "WMT", "XOM", "JPM"]
OPTIMIZE = {"objective": "min_volatility", "frontier_points": 3}


def reset_connections() -> None:
    """Celery's connection and producer pools are made from the broker URL of their first use."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_conf(**values):
    """Celery settings changed for a test (Celery's Settings do not support monkeypatch's undo)."""
    previous = {name: getattr(app.conf, name) for name in values}
    app.conf.update(values)
    reset_connections()
    try:
        yield
    finally:
        app.conf.update(previous)
        reset_connections()


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Celery publishes to a broker that is not there (and does not run tasks in-process)."""
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    with celery_conf(broker_url=CLOSED_PORT_BROKER, task_always_eager=False):
        monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_PORT_BROKER)  # Celery reads it before its own setting
        yield


def assert_broker_unavailable(response, started: float) -> None:
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.content[:500]
    assert elapsed < 5, f"took {elapsed:.1f} s"


def assert_no_job_queued() -> None:
    for model in jobs.job_models():
        assert not model.objects.exclude(state__in=jobs.FINISHED_STATES).exists(), model.__name__


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def portfolio(db, user):
    market.load_wide(market.read_wide()[SYMBOLS].loc["2014-01-01":"2016-12-31"])
    portfolio = PortfolioFactory(user=user)
    for symbol in SYMBOLS[:3]:
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("10"), purchase_price=Decimal("30"))
    return portfolio


def job_of_each_model(user) -> dict[type, dict]:
    """Fields to create one row of every concrete job model."""
    asset = Asset.objects.create(id="JOBS", name="Jobs test asset")
    portfolio = PortfolioFactory(user=user)
    return {
        ImportJob: {"filename": "prices.csv"},
        PredictionJob: {"asset": asset},
        ModelBacktestRun: {"model_version": version_row(asset)},
        OptimizationRun: {"portfolio": portfolio, "objective": "min_volatility", "inputs": {}},
        PortfolioBacktestRun: {"portfolio": portfolio, "inputs": {}},
        NotaryRun: {"trigger": "beat"},
        ReplayRun: {"start": date(2017, 1, 3), "end": date(2017, 12, 29), "issue_every": 5},
    }


# --- The gateway ---------------------------------------------------------------------------------


def test_submit_with_the_broker_down_fails_the_row_and_raises_broker_unavailable(broker_down, user):
    job = PredictionJob.objects.create(user=user, asset=Asset.objects.create(id="JOBS", name="Jobs"))
    from apps.predictions.tasks import run_prediction_job

    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as error:
        jobs.submit(job, run_prediction_job)
    assert time.monotonic() - started < 5
    assert error.value.code == "broker_unavailable" and error.value.status_code == 503
    assert "127.0.0.1:1" in error.value.detail
    job.refresh_from_db()
    assert job.state == "failed" and job.error == error.value.detail and job.finished_at is not None


def test_submit_publishes_to_a_running_broker_and_leaves_the_row_queued(user):
    """The test broker (Redis of the test run) is up: the row stays QUEUED for the worker."""
    job = PredictionJob.objects.create(user=user, asset=Asset.objects.create(id="JOBS", name="Jobs"))
    from apps.predictions.tasks import run_prediction_job

    with app.connection_for_write() as connection:
        connection.default_channel.client.delete(app.conf.task_default_queue)
        jobs.submit(job, run_prediction_job)
        assert connection.default_channel.client.llen(app.conf.task_default_queue) == 1
        connection.default_channel.client.delete(app.conf.task_default_queue)
    job.refresh_from_db()
    assert job.state == "queued" and job.error == ""


def test_forecast_api_answers_503_fast_and_leaves_no_queued_job(broker_down, user):
    make_asset("AAPL")
    api = APIClient()
    api.force_authenticate(user)
    started = time.monotonic()
    response = api.post("/api/v1/assets/AAPL/predictions/")
    assert_broker_unavailable(response, started)
    body = response.json()
    assert set(body) == {"detail", "code", "fields"} and body["code"] == "broker_unavailable"
    assert "broker" in body["detail"]
    assert_no_job_queued()
    assert PredictionJob.objects.get().state == "failed"


def test_a_re_request_after_the_outage_starts_a_new_job(broker_down, user):
    make_asset("AAPL")
    api = APIClient()
    api.force_authenticate(user)
    assert api.post("/api/v1/assets/AAPL/predictions/").status_code == 503
    failed = PredictionJob.objects.get()
    with celery_conf(task_always_eager=True):  # the broker is back: here, the job runs in-process
        response = api.post("/api/v1/assets/AAPL/predictions/")
    assert response.status_code == 202
    assert response.json()["id"] != str(failed.pk)
    assert PredictionJob.objects.get(pk=response.json()["id"]).state == "succeeded"


def test_a_job_queued_past_its_deadline_is_not_reused(user, settings):
    asset = make_asset("AAPL")
    orphan = PredictionJob.objects.create(user=user, asset=asset)
    PredictionJob.objects.filter(pk=orphan.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.QV_JOB_QUEUE_TIMEOUT + 1)
    )
    fresh = PredictionJob.objects.create(user=UserFactory(), asset=asset)  # someone else's: not reused either
    job = prediction_services.request_predictions(asset=asset, by=user)
    assert job.pk not in (orphan.pk, fresh.pk)
    assert prediction_services.request_predictions(asset=asset, by=user).pk == job.pk  # an unfinished one is


def test_optimize_and_backtest_api_answer_503_when_they_queue(broker_down, portfolio, user, settings):
    settings.QV_OPTIMIZE_SYNC_BUDGET = 1
    settings.QV_BACKTEST_SYNC_BUDGET = 1
    api = APIClient()
    api.force_authenticate(user)
    for route in ("optimize", "backtest"):
        started = time.monotonic()
        response = api.post(f"/api/v1/portfolios/{portfolio.id}/{route}/", OPTIMIZE, format="json")
        assert_broker_unavailable(response, started)
        assert response.json()["code"] == "broker_unavailable"
    assert OptimizationRun.objects.get().state == "failed"
    assert PortfolioBacktestRun.objects.get().state == "failed"
    assert_no_job_queued()


def test_a_small_optimisation_still_runs_in_the_request_with_the_broker_down(broker_down, portfolio, user):
    api = APIClient()
    api.force_authenticate(user)
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/optimize/", OPTIMIZE, format="json")
    assert response.status_code in (200, 201), response.json()
    assert OptimizationRun.objects.get().state == "succeeded"


def test_forecast_page_shows_the_outage_in_place_with_503(broker_down, client, user):
    make_asset("AAPL")
    client.force_login(user)
    started = time.monotonic()
    response = client.post(reverse("predictions:request", args=["AAPL"]), headers={"HX-Request": "true"})
    assert_broker_unavailable(response, started)
    assert "broker" in response.content.decode() and "<html" not in response.content.decode()
    assert_no_job_queued()


def test_optimisation_page_shows_the_outage_in_place_with_503(broker_down, client, portfolio, user, settings):
    settings.QV_OPTIMIZE_SYNC_BUDGET = 1
    client.force_login(user)
    form = {
        "objective": "min_volatility",
        "expected_returns": "mean_historical",
        "compounding": "on",
        "risk_model": "sample_cov",
        "risk_free_rate": "2",
        "weight_min": "0",
        "weight_max": "100",
        "start": "2014-01-01",
        "end": "2016-12-31",
        "window": "252",
        "rebalance_every": "63",
        "cost_pct": "0.1",
    }
    started = time.monotonic()
    response = client.post(reverse("portfolios:optimize", args=[portfolio.id]), form, headers={"HX-Request": "true"})
    assert_broker_unavailable(response, started)
    assert 'id="optimize-workspace"' in response.content.decode() and "broker" in response.content.decode()
    assert_no_job_queued()


def test_import_page_shows_the_outage_in_place_and_keeps_no_upload(broker_down, client, db):
    analyst = UserFactory(role="analyst")
    client.force_login(analyst)
    upload = SimpleUploadedFile("prices.csv", b"date,AAA\n2020-01-02,1\n", content_type="text/csv")
    started = time.monotonic()
    response = client.post(reverse("assets:import"), {"file": upload}, headers={"HX-Request": "true"})
    assert_broker_unavailable(response, started)
    assert "broker" in response.content.decode()
    job = ImportJob.objects.get()
    assert job.state == "failed" and "broker" in job.error and not job.file


def test_eager_mode_runs_the_job_in_process(user):
    asset = make_asset("AAPL")
    with celery_conf(task_always_eager=True):
        job = prediction_services.request_predictions(asset=asset, by=user)
    assert job.state == "succeeded" and len(job.result["prediction_ids"]) == 4


# --- Deadlines and the sweeper -------------------------------------------------------------------


def test_every_concrete_job_model_is_swept(user):
    assert set(jobs.job_models()) == set(job_of_each_model(user))


def test_the_sweeper_fails_stale_queued_and_running_jobs_of_every_model(user, settings):
    now = timezone.now()
    queued_long_ago = now - timedelta(seconds=settings.QV_JOB_QUEUE_TIMEOUT + 5)
    started_long_ago = now - timedelta(seconds=jobs.run_timeout() + 5)
    rows = {}
    for model, fields in job_of_each_model(user).items():
        rows[model] = {
            "stale_queued": model.objects.create(user=user, created_at=queued_long_ago, **fields),
            "stale_running": model.objects.create(
                user=user, state="running", created_at=started_long_ago, started_at=started_long_ago, **fields
            ),
            "fresh_queued": model.objects.create(user=user, **fields),
            "fresh_running": model.objects.create(user=user, state="running", started_at=now, **fields),
            "old_success": model.objects.create(user=user, state="succeeded", created_at=started_long_ago, **fields),
        }

    counts = jobs.sweep()

    assert counts == {model._meta.label: 2 for model in rows}
    for model, jobs_of_model in rows.items():
        states = {name: model.objects.get(pk=job.pk) for name, job in jobs_of_model.items()}
        assert states["stale_queued"].state == "failed", model
        assert states["stale_queued"].error == (
            f"Queued for more than {settings.QV_JOB_QUEUE_TIMEOUT} s: the worker never started it."
        )
        assert states["stale_running"].state == "failed"
        assert states["stale_running"].error == f"Running for more than {jobs.run_timeout()} s: the worker was lost."
        assert states["stale_running"].finished_at is not None
        assert states["fresh_queued"].state == "queued" and states["fresh_running"].state == "running"
        assert states["old_success"].state == "succeeded"
    assert sum(jobs.sweep().values()) == 0  # a second sweep finds nothing


def test_sweep_jobs_command_fails_stale_jobs_and_says_how_many(user, settings):
    stale = timezone.now() - timedelta(seconds=settings.QV_JOB_QUEUE_TIMEOUT + 5)
    job = PredictionJob.objects.create(user=user, asset=Asset.objects.create(id="JOBS", name="Jobs"), created_at=stale)
    out = StringIO()
    call_command("sweep_jobs", stdout=out)
    assert "predictions.PredictionJob: 1 failed" in out.getvalue()
    assert "1 job(s) past their deadline failed." in out.getvalue()
    job.refresh_from_db()
    assert job.state == "failed"


def test_the_sweeper_runs_on_beat_every_few_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["jobs-sweep"]
    assert entry["task"] == "quantumvest.sweep_jobs" and entry["schedule"] <= timedelta(minutes=10)
    assert "quantumvest.sweep_jobs" in app.tasks


# --- Every job ends ------------------------------------------------------------------------------


def _raiser(exc: BaseException):
    def raise_it(*args, **kwargs):
        raise exc

    return raise_it


def _import_job(user, monkeypatch, exc):
    job = ImportJob(user=user, filename="prices.csv")
    job.file.save(f"{job.id}.csv", ContentFile(b"date,AAA\n2020-01-02,1\n"), save=False)
    job.save()
    monkeypatch.setattr(asset_services, "import_prices", _raiser(exc))
    return job, lambda: asset_services.run_import_job(str(job.pk))


def _prediction_job(user, monkeypatch, exc):
    job = PredictionJob.objects.create(user=user, asset=Asset.objects.create(id="JOBS", name="Jobs"))
    monkeypatch.setattr(prediction_services, "generate_predictions", _raiser(exc))
    return job, lambda: prediction_services.run_prediction_job(job=job)


def _model_backtest(user, monkeypatch, exc):
    run = ModelBacktestRun.objects.create(user=user, model_version=version_row(Asset.objects.create(id="JOBS")))
    monkeypatch.setattr(prediction_services, "_prices", _raiser(exc))
    return run, lambda: prediction_services.run_backtest(run=run)


def _optimization(user, monkeypatch, exc):
    run = OptimizationRun.objects.create(
        user=user, portfolio=PortfolioFactory(user=user), objective="min_volatility", inputs={}
    )
    monkeypatch.setattr(optimization_services, "compute_run", _raiser(exc))
    return run, lambda: optimization_services.perform_optimization(run)


def _portfolio_backtest(user, monkeypatch, exc):
    job = PortfolioBacktestRun.objects.create(user=user, portfolio=PortfolioFactory(user=user), inputs={})
    monkeypatch.setattr(optimization_services.OptimizeRequest, "from_json", _raiser(exc))
    return job, lambda: optimization_services.perform_backtest(job)


JOB_BODIES = [_import_job, _prediction_job, _model_backtest, _optimization, _portfolio_backtest]


@pytest.mark.parametrize("make_job", JOB_BODIES, ids=lambda f: f.__name__.strip("_"))
def test_an_exception_in_any_job_body_ends_it_failed_with_class_and_reason(make_job, user, monkeypatch):
    job, run = make_job(user, monkeypatch, RuntimeError("the solver exploded\n  at line 3 of a stack"))
    run()
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at is not None
    assert job.error == "RuntimeError: the solver exploded"


@pytest.mark.parametrize("make_job", JOB_BODIES, ids=lambda f: f.__name__.strip("_"))
def test_a_soft_time_limit_in_any_job_body_ends_it_failed_took_longer(make_job, user, monkeypatch, settings):
    job, run = make_job(user, monkeypatch, SoftTimeLimitExceeded())
    run()
    job.refresh_from_db()
    assert job.state == "failed"
    assert job.error == f"The job took longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s and was stopped."


def test_a_failed_job_delivered_again_stays_failed(user, monkeypatch):
    job, run = _optimization(user, monkeypatch, RuntimeError("boom"))
    run()
    monkeypatch.setattr(optimization_services, "compute_run", lambda *args: None)
    run()  # a re-delivery (acks_late) of a job that already ended
    job.refresh_from_db()
    assert job.state == "failed" and job.error == "RuntimeError: boom"


def test_the_optimiser_never_turns_a_time_limit_into_a_validation_error(monkeypatch):
    prices = market.read_wide()[SYMBOLS].loc["2014-01-01":"2016-12-31"]
    monkeypatch.setattr(optimization.EfficientFrontier, "min_volatility", _raiser(SoftTimeLimitExceeded()))
    with pytest.raises(SoftTimeLimitExceeded):
        optimization.optimize(prices, optimization.Settings(objective="min_volatility"))
