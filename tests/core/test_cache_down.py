"""Degraded mode: with Redis unreachable, pages, market data and logins work from the database.

The cache points at a port where nothing listens (the production options of settings.py, so the
socket timeouts and the breaker are the real ones). Lockout is counted in the database and holds;
DRF throttles fail open; ``/readyz`` still names the cache.
"""

from __future__ import annotations

import socket
import time
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.assets.factories import AssetFactory, price_history

pytestmark = pytest.mark.django_db

FAST = 2.0  # seconds: a page without its cache is slower, never stuck on a timeout
DAYS = 300


def closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def resilient_cache(location: str, *, breaker_seconds: int = 5) -> dict:
    options = dict(django_settings.CACHES["default"].get("OPTIONS", {}))
    options["BREAKER_SECONDS"] = breaker_seconds
    return {
        "default": {
            "BACKEND": "quantumvest.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "qv-test-down",
            "OPTIONS": options,
        }
    }


@pytest.fixture
def cache_down(settings):
    assert settings.CACHES["default"]["BACKEND"] == "quantumvest.cache.ResilientRedisCache"
    settings.CACHES = resilient_cache(f"redis://127.0.0.1:{closed_port()}/0")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def asset():
    asset = AssetFactory(id="DOWN", name="Down Corp")
    price_history(asset, [100 + day * 0.5 for day in range(DAYS)], start=date(2023, 1, 1))
    return asset


@pytest.fixture
def browser(cache_down):
    client = Client()
    client.force_login(UserFactory())
    return client


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_the_cache_reads_as_empty_and_stores_nothing_when_redis_is_down(cache_down):
    cache.set("key", "value")
    assert cache.get("key") is None
    assert cache.get("key", "default") == "default"
    assert cache.get_many(["key", "other"]) == {}
    assert cache.add("key", "value") is None


@pytest.mark.parametrize("path", ["/assets/", "/assets/DOWN/"])
def test_asset_pages_answer_from_the_database(browser, asset, path):
    response, elapsed = timed(lambda: browser.get(path))
    assert response.status_code == 200
    assert b"DOWN" in response.content
    assert elapsed < FAST


def test_prices_api_answers_every_bar_from_the_database(browser, asset):
    response, elapsed = timed(lambda: browser.get("/api/v1/assets/DOWN/prices/", {"start": "2023-01-01"}))
    assert response.status_code == 200, response.content[:300]
    assert elapsed < FAST
    body = response.json()
    assert body["symbol"] == "DOWN"
    assert len(body["data"]) == DAYS


def test_stats_api_answers_from_the_database(browser, asset):
    response, elapsed = timed(lambda: browser.get("/api/v1/assets/DOWN/stats/"))
    assert response.status_code == 200, response.content[:300]
    assert elapsed < FAST
    assert response.json()


def test_api_login_issues_tokens(cache_down):
    user = UserFactory()
    response, elapsed = timed(
        lambda: APIClient().post(
            "/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
        )
    )
    assert response.status_code == 200, response.content
    assert elapsed < FAST
    assert {"access", "refresh"} <= set(response.json())


def test_site_login_works_and_the_session_holds(cache_down, asset):
    user = UserFactory()
    client = Client()
    response, elapsed = timed(
        lambda: client.post("/accounts/login/", {"username": user.email, "password": DEFAULT_PASSWORD})
    )
    assert response.status_code == 302
    assert elapsed < FAST
    assert client.get("/assets/").status_code == 200  # sessions live in the database


def test_lockout_still_locks_after_the_failure_limit(cache_down):
    user = UserFactory()
    client = APIClient()
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong-password-1"}, format="json")
    response = client.post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_site_lockout_still_locks_after_the_failure_limit(cache_down):
    user = UserFactory()
    client = Client()
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": user.email, "password": "wrong-password-1"})
    response = client.post("/accounts/login/", {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed login attempts" in response.content


def test_per_user_throttle_fails_open(browser, asset, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "user": "2/min"})
    statuses = [browser.get("/api/v1/assets/").status_code for _ in range(5)]
    assert statuses == [200] * 5


def test_readyz_names_the_cache(cache_down, client):
    response, elapsed = timed(lambda: client.get("/readyz"))
    assert response.status_code == 503
    assert "cache" in response.json()["failed"]
    assert response.json()["checks"]["cache"].startswith("error")
    assert elapsed < 3


def test_the_breaker_skips_redis_after_a_failure_then_tries_again(settings, monkeypatch):
    port = closed_port()
    settings.CACHES = resilient_cache(f"redis://127.0.0.1:{port}/0", breaker_seconds=1)
    attempts = []
    real_connect = socket.socket.connect

    def counting_connect(sock, address):
        if isinstance(address, tuple) and address[1] == port:
            attempts.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counting_connect)
    for _ in range(20):
        cache.get("key")
    assert len(attempts) == 1  # the first failure opened the breaker; the other 19 calls skipped Redis
    time.sleep(1.1)
    cache.get("key")
    assert len(attempts) == 2
