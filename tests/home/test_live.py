"""The live stream over the real ASGI server (uvicorn, in a subprocess, on the test database and
Redis): session authentication, events from other processes through Redis, the per-user limit,
heartbeats, closing on logout, and a fast 503 when Redis is not there."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from apps.home import realtime
from apps.home.services.notifications import notify
from tests.accounts.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(**extra) -> dict:
    """The subprocess's environment: this test's database; the default cache key prefix (the one
    every subprocess uses, so that the server, a worker and a command share their live channels)."""
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env.pop("CACHE_KEY_PREFIX", None)
    env.update({"QV_STREAM_HEARTBEAT": "1", "QV_STREAMS_PER_USER": "2", **extra})
    return env


def start_server(env: dict) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "quantumvest.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("uvicorn exited: " + process.stderr.read().decode()[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("uvicorn did not start within 30 s")


@pytest.fixture(autouse=True)
def _subprocess_channels(monkeypatch):
    """Publish on the channels of the subprocesses' prefix (this process has a test prefix of its own)."""
    monkeypatch.setattr(realtime, "_prefix", lambda: "qv")


@pytest.fixture
def asgi_server(transactional_db):
    process, port = start_server(server_env())
    try:
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _session(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.cookies["sessionid"].value


class Stream:
    """One open SSE connection, read event by event."""

    def __init__(self, port: int, session: str | None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Accept": "text/event-stream", "Host": "localhost"}
        if session:
            headers["Cookie"] = f"sessionid={session}"
        self.connection.request("GET", "/live/stream/", headers=headers)
        self.response = self.connection.getresponse()

    def next_event(self, timeout: float = 5.0) -> tuple[str, str]:
        """(event, data) of the next event; ("heartbeat", "") for a comment line."""
        self.connection.sock.settimeout(timeout)
        event, data = "message", ""
        while True:
            line = self.response.fp.readline().decode()
            if line == "":
                return "closed", ""
            line = line.rstrip("\n")
            if line.startswith(":"):
                return "heartbeat", ""
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and (event != "message" or data):
                return event, data

    def next_real_event(self, beats: int = 5) -> tuple[str, str]:
        """The next event that is not a heartbeat, within ``beats`` heartbeats."""
        for _ in range(beats):
            event = self.next_event()
            if event[0] != "heartbeat":
                return event
        return "only heartbeats", ""

    def close(self) -> None:
        self.connection.close()


def test_an_anonymous_stream_is_sent_to_the_login_page(asgi_server):
    stream = Stream(asgi_server, None)
    assert stream.response.status == 302 and stream.response.getheader("Location").startswith("/accounts/login/")
    stream.close()


def test_a_notification_made_in_another_process_reaches_the_open_stream_within_two_seconds(asgi_server):
    user = UserFactory()
    _, session = _session(user)
    stream = Stream(asgi_server, session)
    assert stream.response.status == 200 and stream.response.getheader("Content-Type").startswith("text/event-stream")
    assert stream.next_event() == ("ready", "{}")
    started = time.monotonic()
    notification = notify(user=user, kind="job_finished", title="Done")  # this process; Redis in between
    assert stream.next_real_event() == ("notification", f'{{"id":{notification.pk}}}')
    assert time.monotonic() - started < 2
    stream.close()


def test_another_users_notification_does_not_reach_the_stream(asgi_server):
    user = UserFactory()
    _, session = _session(user)
    stream = Stream(asgi_server, session)
    stream.next_event()
    notify(user=UserFactory(), kind="job_finished", title="Not yours")
    assert stream.next_real_event(beats=2) == ("only heartbeats", "")
    stream.close()


def test_streams_are_limited_per_user(asgi_server):
    user = UserFactory()
    _, session = _session(user)
    streams = [Stream(asgi_server, session) for _ in range(2)]
    refused = Stream(asgi_server, session)
    assert [s.response.status for s in streams] == [200, 200]
    assert refused.response.status == 429 and refused.response.getheader("Retry-After") == "30"
    for stream in [*streams, refused]:
        stream.close()


def test_logging_out_closes_the_stream_at_once(asgi_server):
    user = UserFactory()
    client, session = _session(user)
    stream = Stream(asgi_server, session)
    stream.next_event()
    client.post("/accounts/logout/")
    assert stream.next_real_event() == ("logout", "{}")
    assert stream.next_event() == ("closed", "")
    stream.close()


def test_with_redis_down_the_stream_answers_503_fast(transactional_db):
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    process, port = start_server(server_env(REDIS_URL=dead))
    try:
        user = UserFactory()
        _, session = _session(user)
        started = time.monotonic()
        stream = Stream(port, session)
        assert stream.response.status == 503
        assert time.monotonic() - started < 3
        stream.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
