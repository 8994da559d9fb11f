"""gunicorn.conf.py: the application is preloaded in the arbiter (with its URLconf imported), and a
recycled worker leaves without Python's slow shutdown. A real gunicorn recycles its worker every
five requests here and must answer every request, and stop cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"


def _conf(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_the_application_is_preloaded_unless_turned_off(monkeypatch):
    assert _conf(monkeypatch)["preload_app"] is True
    assert _conf(monkeypatch, GUNICORN_PRELOAD="false")["preload_app"] is False


def test_only_a_worker_that_booted_skips_pythons_shutdown(monkeypatch):
    conf = _conf(monkeypatch)
    exits = []
    monkeypatch.setattr(os, "_exit", exits.append)

    class Worker:
        booted = False

    conf["worker_exit"](None, Worker())
    assert exits == []  # a boot failure exits normally, with gunicorn's exit code
    Worker.booted = True
    conf["worker_exit"](None, Worker())
    assert exits == [0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("application", ["quantumvest.asgi:application", "quantumvest.wsgi"])
def test_a_recycled_worker_is_replaced_and_every_request_is_answered(tmp_path, application):
    port = _free_port()
    env = dict(os.environ)
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_MAX_REQUESTS="5",
        GUNICORN_MAX_REQUESTS_JITTER="0",
        GUNICORN_ACCESS_LOG="/dev/null",
    )
    if application == "quantumvest.wsgi":
        env["GUNICORN_WORKER_CLASS"] = "sync"
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONF), application],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            statuses = []
            while len(statuses) < 30:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                        statuses.append(response.status)
                    time.sleep(0.05)  # uvicorn checks its request limit every 0.1 s
                except OSError:
                    if statuses or time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)  # still starting
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=30) == 0
        finally:
            if server.poll() is None:
                server.kill()
    output = log_path.read_text()
    assert statuses == [200] * 30
    boots = re.findall(r"Booting worker with pid: (\d+)", output)
    # 30 requests, a new worker after every 5 (uvicorn's worker may serve a few more before it checks).
    assert len(set(boots)) >= 4, output[-3000:]
    assert "Traceback" not in output and "Exception during worker exit" not in output, output[-3000:]


@pytest.mark.parametrize(("module", "kept"), [("quantumvest.wsgi", 60), ("quantumvest.asgi", 0)])
def test_database_connections_are_kept_under_wsgi_only(module, kept):
    """WSGI serves a worker's requests from one thread: its connection is kept. ASGI runs each
    request in a new thread: a kept connection would be left behind by every request."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_CONN_MAX_AGE"}
    probe = f"import {module}; from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == str(kept)
