"""Fault test: Redis (the cache) stopped while browsing, then restarted.

Starts its own redis-server on port 6396 (the shared Redis is never touched), browses with it up,
stops it, browses again (every page answers 200, fast, from the database), starts it again and
checks the cache stores and serves entries again in the same process.
"""

from __future__ import annotations

import shutil
import time
from datetime import date

import pytest
import redis
from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.assets.factories import AssetFactory, price_history
from tests.core.test_cache_down import FAST, resilient_cache, timed
from tests.redis_server import RedisServer

pytestmark = [pytest.mark.django_db, pytest.mark.fault]

PORT = 6396
BREAKER_SECONDS = 1


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    probe = redis.Redis(host="127.0.0.1", port=PORT, socket_connect_timeout=0.2)
    try:
        probe.ping()
    except redis.ConnectionError:
        pass
    else:
        pytest.fail(f"something already listens on port {PORT}; this test must start its own Redis there")
    server = RedisServer(PORT)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def browsing(settings, redis_server):
    settings.CACHES = resilient_cache(f"redis://127.0.0.1:{PORT}/0", breaker_seconds=BREAKER_SECONDS)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    asset = AssetFactory(id="FLT", name="Fault Inc")
    price_history(asset, [50 + day for day in range(120)], start=date(2024, 1, 1))
    user = UserFactory()
    client = Client()
    client.force_login(user)
    return client, user


def browse(client: Client, user) -> dict[str, tuple[int, float]]:
    """Status and seconds of each read a user makes, and of an API login."""
    results = {}
    for path in ("/assets/", "/assets/FLT/", "/api/v1/assets/FLT/prices/", "/api/v1/assets/FLT/stats/"):
        response, elapsed = timed(lambda path=path: client.get(path))
        results[path] = (response.status_code, elapsed)
    response, elapsed = timed(
        lambda: APIClient().post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD})
    )
    results["token"] = (response.status_code, elapsed)
    return results


def assert_all_ok_and_fast(results: dict[str, tuple[int, float]]) -> None:
    assert {name: status for name, (status, _) in results.items()} == dict.fromkeys(results, 200)
    slow = {name: elapsed for name, (_, elapsed) in results.items() if elapsed >= FAST}
    assert not slow, slow


def test_redis_stopped_during_browsing_then_restarted(browsing, redis_server, client):
    browser, user = browsing

    assert_all_ok_and_fast(browse(browser, user))
    assert any(b"prices" in key for key in redis_server.stored_keys())  # the cache was in use

    redis_server.stop()
    assert_all_ok_and_fast(browse(browser, user))
    assert_all_ok_and_fast(browse(browser, user))  # again, with the breaker open
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "cache" in ready.json()["failed"]

    redis_server.start()
    assert redis_server.stored_keys() == []  # a fresh, empty server
    time.sleep(BREAKER_SECONDS + 0.1)
    assert_all_ok_and_fast(browse(browser, user))
    assert any(b"prices" in key for key in redis_server.stored_keys())  # stored again, no restart needed
    assert client.get("/readyz").json()["checks"]["cache"] == "ok"
