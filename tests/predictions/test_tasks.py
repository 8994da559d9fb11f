"""Forecast tasks: the job flow and the nightly fan-out through a real worker; idempotent deliveries."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from apps.predictions import services, tasks
from apps.predictions.models import Prediction, PredictionJob
from tests.accounts.factories import UserFactory
from tests.predictions.conftest import make_asset, real_closes, store_bars


def wait_for(condition, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out waiting for the worker")


@pytest.mark.worker
def test_a_requested_forecast_runs_on_a_worker_and_reports_through_its_job(celery_worker_process):
    asset = make_asset("AAPL")
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)

    response = client.post("/api/v1/assets/AAPL/predictions/")
    assert response.status_code == 202

    def finished():
        body = client.get(response.json()["url"]).json()
        return body if body["state"] in ("succeeded", "failed") else None

    body = wait_for(finished)
    assert body["state"] == "succeeded", body["error"]
    assert body["progress"] == 100
    assert body["result"]["as_of"] == "2014-12-31"
    stored = Prediction.objects.filter(asset=asset)
    assert sorted(str(pk) for pk in stored.values_list("pk", flat=True)) == sorted(body["result"]["prediction_ids"])
    assert stored.count() == 4


@pytest.mark.worker
def test_the_nightly_batch_fans_out_one_task_per_active_asset(celery_worker_process):
    make_asset("AAPL")
    make_asset("JPM")
    inactive = make_asset("GE")
    inactive.is_active = False
    inactive.save()

    assert tasks.generate_nightly.delay().get(timeout=60) == 2

    wait_for(
        lambda: (
            Prediction.objects.filter(asset_id="JPM").count() == 4
            and Prediction.objects.filter(asset_id="AAPL").count() == 4
        )
    )
    assert not Prediction.objects.filter(asset_id="GE").exists()


@pytest.mark.django_db
def test_a_job_delivered_twice_runs_once(aapl):
    job = services.request_predictions(asset=aapl, by=UserFactory())

    tasks.run_prediction_job.apply(args=[str(job.pk)])
    first = PredictionJob.objects.get(pk=job.pk)
    tasks.run_prediction_job.apply(args=[str(job.pk)])

    again = PredictionJob.objects.get(pk=job.pk)
    assert first.state == again.state == "succeeded"
    assert again.finished_at == first.finished_at
    assert Prediction.objects.count() == 4


@pytest.mark.django_db
def test_a_job_whose_prices_vanished_fails_with_the_reason(plain_asset):
    # Queued while the asset had prices; they were deleted before the worker ran it.
    job = PredictionJob.objects.create(asset=plain_asset, user=UserFactory())

    tasks.run_prediction_job.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.state == "failed"
    assert "no prices" in job.error


@pytest.mark.django_db
def test_requesting_publishes_the_task_for_the_job(aapl):
    from quantumvest.celery import app

    with app.connection_for_write() as connection:
        broker = connection.default_channel.client
        broker.delete(app.conf.task_default_queue)
        job = services.request_predictions(asset=aapl, by=UserFactory())
        messages = broker.lrange(app.conf.task_default_queue, 0, -1)
        broker.delete(app.conf.task_default_queue)

    assert len(messages) == 1 and str(job.pk).encode() in messages[0]
    assert job.state == "queued"


@pytest.mark.django_db
def test_the_daily_scoring_task_scores_matured_forecasts(aapl):
    services.generate_predictions(asset=aapl)
    store_bars(aapl, real_closes("AAPL", start="2015-01-01", end="2015-01-20"))

    assert tasks.score_matured.apply().get() == 2


def test_beat_schedules_nightly_generation_and_daily_scoring(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"apps.predictions.tasks.generate_nightly", "apps.predictions.tasks.score_matured"} <= tasks_scheduled
