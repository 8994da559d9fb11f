"""Shared fixtures. Tests run against PostgreSQL and Redis (see Makefile's TEST_ENV)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# tests/embedded runs only in the embedded lane (`make test-embedded`), which sets QV_TEST_LANE.
collect_ignore = [] if os.environ.get("QV_TEST_LANE") == "embedded" else ["embedded"]

# Parallel test processes share one Redis: give each its own key space and Celery queue.
settings.CACHES["default"]["KEY_PREFIX"] = f"qv-test-{XDIST_WORKER}"
TEST_QUEUE = f"qv-test-{XDIST_WORKER}"


@pytest.fixture(autouse=True)
def _tier_rate_out_of_the_way(monkeypatch):
    """Tests call the API faster than a person would: the per-tier rate (apps/accounts/tiers.py) is
    lifted unless a test asks for the table's rates with the ``tier_rates`` fixture."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "tier", "1000000/min")


@pytest.fixture
def tier_rates(monkeypatch):
    """The per-tier API rates of the table, as in production."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "tier", None)


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (throttle counters, lockouts, cached responses)."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests may talk to loopback only (PostgreSQL, Redis, a worker, a local node)."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or sock.family == socket.AF_UNIX
        ):
            raise RuntimeError(f"Tests must not reach the network (tried {address!r}).")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """A real Celery worker process on the test broker and the test database.

    Tests that use it must commit their data (``transactional_db``), since the worker reads the
    database through its own connection. Tasks are routed to a queue of this test process only.
    """
    from django.db import connection

    from quantumvest.celery import app

    env = dict(os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env["CELERY_TASK_DEFAULT_QUEUE"] = TEST_QUEUE
    env["QV_TEST_WORKER"] = "1"
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "quantumvest", "purge", "-f", "-Q", TEST_QUEUE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "quantumvest",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            TEST_QUEUE,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
            "-n",
            f"test-{XDIST_WORKER}@%h",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    previous = (app.conf.task_default_queue, app.conf.task_always_eager)
    app.conf.task_default_queue, app.conf.task_always_eager = TEST_QUEUE, False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"Celery worker exited: {worker.stdout.read().decode()[-2000:]}")
            replies = app.control.ping(destination=[f"test-{XDIST_WORKER}@{socket.gethostname()}"], timeout=1)
            if replies:
                break
        else:
            raise RuntimeError("Celery worker did not answer within 60 s")
        yield worker
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
