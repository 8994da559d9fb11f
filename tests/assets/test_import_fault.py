"""Fault test: PostgreSQL stopped (``pg_ctl stop -m immediate``) during a large API import.

Starts its own PostgreSQL (port 5441) and gunicorn (port 8721, ``gunicorn.conf.py``); the shared
services are never touched. Expects: 503 ``database_unavailable`` in the error shape, nothing
persisted, and after PostgreSQL is back the same gunicorn (not restarted) applies a re-import,
each row exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

pytestmark = [pytest.mark.fault, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 5441
WEB_PORT = 8721
DATABASE_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/qv_fault"
SYMBOLS = [f"F{index:02d}" for index in range(20)]
DAYS = 15_000


class OwnPostgres:
    """A throwaway cluster in a temporary directory, run as the postgres user when we are root."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (initdb unavailable)")
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                pytest.skip("running as root without runuser: PostgreSQL refuses to run as root")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.directory = Path(tempfile.mkdtemp(prefix="qv-fault-pg-"))
        if self.as_user:
            shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self._run(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def _run(self, *args, timeout: int = 60) -> None:
        subprocess.run([*self.as_user, *map(str, args)], check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        options = f"-p {PG_PORT} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.directory / "log", "-o", options, "-w", "start")

    def stop_immediately(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def query(self, sql: str, database: str = "qv_fault"):
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname=database, autocommit=True) as db:
            cursor = db.execute(sql)
            return cursor.fetchall() if cursor.description else None

    def destroy(self) -> None:
        subprocess.run(
            [*self.as_user, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def postgres():
    server = OwnPostgres()
    try:
        server.start()
        server.query("CREATE DATABASE qv_fault", database="postgres")
        yield server
    finally:
        server.destroy()


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=DATABASE_URL,
        QV_VAR_DIR=str(tmp_path / "var"),
        QV_IMPORT_SYNC_MAX_BYTES=str(100 * 1024 * 1024),  # this test wants the import inside the request
        GUNICORN_BIND=f"127.0.0.1:{WEB_PORT}",
        GUNICORN_WORKERS="1",
        GUNICORN_TIMEOUT="60",
        DJANGO_SECURE_SSL_REDIRECT="False",
    )
    return env


def _manage(env: dict, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture
def web(postgres, tmp_path):
    env = _env(tmp_path)
    _manage(env, "migrate", "--no-input", "-v", "0")
    _manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from django.core.management import call_command; "
        "get_user_model().objects.create_user(email='fault@example.com', password='fault-test-pass-1'); "
        "call_command('set_role', 'fault@example.com', 'analyst')",
    )
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "quantumvest.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{WEB_PORT}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-2000:])
                time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _request(path: str, *, body: bytes, content_type: str, token: str | None = None, timeout: float = 60):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"http://127.0.0.1:{WEB_PORT}{path}", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _token() -> str:
    credentials = json.dumps({"email": "fault@example.com", "password": "fault-test-pass-1"}).encode()
    status, body = _request("/api/v1/auth/token/", body=credentials, content_type="application/json")
    assert status == 200, body
    return body["access"]


def _wide_file() -> bytes:
    start = date(1950, 1, 1)
    rows = [
        f"{start + timedelta(days=day)}," + ",".join(f"{100 + day % 97}.{index}" for index in range(20))
        for day in range(DAYS)
    ]
    return ("date," + ",".join(SYMBOLS) + "\n" + "\n".join(rows) + "\n").encode()


def _import(token: str, data: bytes):
    boundary = "qvFaultBoundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="create_assets"\r\n\r\ntrue\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="wide.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return _request(
        "/api/v1/prices/import/", body=body, content_type=f"multipart/form-data; boundary={boundary}", token=token
    )


def test_postgresql_stopped_during_a_large_import(postgres, web):
    started = time.monotonic()
    token, data = _token(), _wide_file()
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(answer=_import(token, data)))
    thread.start()
    deadline = time.monotonic() + 30
    while not postgres.query("SELECT 1 FROM pg_stat_activity WHERE query ILIKE 'COPY%' AND state = 'active'"):
        assert thread.is_alive() and time.monotonic() < deadline, f"no COPY seen; the import answered {outcome}"
        time.sleep(0.02)
    postgres.stop_immediately()
    stopped = time.monotonic()
    thread.join(timeout=30)
    status, body = outcome["answer"]
    assert status == 503, body
    assert body["code"] == "database_unavailable" and set(body) == {"detail", "code", "fields"}
    assert time.monotonic() - stopped < 10

    postgres.start()
    assert postgres.query("SELECT count(*) FROM assets_pricebar") == [(0,)]
    assert postgres.query("SELECT count(*) FROM assets_asset") == [(0,)]

    # The same gunicorn worker, not restarted, reconnects (CONN_HEALTH_CHECKS) and imports.
    status, report = _import(_token(), data)
    assert status == 200, report
    assert (report["created"], report["updated"], report["unchanged"]) == (DAYS * 20, 0, 0)
    assert postgres.query("SELECT count(*), count(DISTINCT (asset_id, date)) FROM assets_pricebar") == [
        (DAYS * 20, DAYS * 20)
    ]
    status, again = _import(_token(), data)
    assert status == 200 and (again["created"], again["unchanged"]) == (0, DAYS * 20)
    assert web.poll() is None, "gunicorn must still be the same running process"
    assert time.monotonic() - started < 90
