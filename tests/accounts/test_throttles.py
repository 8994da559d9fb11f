"""Rate limits: the per-user and anonymous API throttles, and the per-address login limit across
usernames (password spraying) on the site login, the admin login and the token endpoint."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-1"
SPRAY_LIMIT = django_settings.AXES_FAILURE_LIMIT + 3  # above the per-account limit, to tell them apart


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def rates(monkeypatch):
    """Set throttle rates for one test (DRF binds its rates dict at import time)."""

    def set_rates(**overrides: str) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **overrides})

    return set_rates


def test_the_user_throttle_applies_to_the_whole_api(rates):
    rates(user="3/min")
    client = APIClient()
    client.force_authenticate(UserFactory())
    statuses = [client.get("/api/v1/assets/").status_code for _ in range(3)]
    response = client.get("/api/v1/assets/")
    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"detail", "code", "fields"} and body["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_the_user_throttle_counts_each_user_apart(rates):
    rates(user="2/min")
    first, second = APIClient(), APIClient()
    first.force_authenticate(UserFactory())
    second.force_authenticate(UserFactory())
    for _ in range(2):
        first.get("/api/v1/assets/")
    assert first.get("/api/v1/assets/").status_code == 429
    assert second.get("/api/v1/assets/").status_code == 200


def test_the_default_user_rate_is_the_documented_one():
    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] == "2000/hour"
    assert "rest_framework.throttling.UserRateThrottle" in django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]


def test_anonymous_callers_are_throttled_per_address(rates):
    rates(anon="2/min")
    client = APIClient()
    statuses = [client.get("/api/v1/schema/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert APIClient(REMOTE_ADDR="127.0.0.9").get("/api/v1/schema/").status_code == 200


# --- Password spraying: one address, many usernames ---------------------------------------------


def _site(client, email, password):
    return client.post("/accounts/login/", {"username": email, "password": password})


def _admin(client, email, password):
    return client.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"})


def _token(client, email, password):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


LOGINS = {"site": (Client, _site, 302), "admin": (Client, _admin, 302), "token": (APIClient, _token, 200)}


@pytest.fixture
def spray_limit(settings):
    settings.QV_LOGIN_ADDRESS_FAILURE_LIMIT = SPRAY_LIMIT
    return SPRAY_LIMIT


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def spray(client, login, count: int) -> list[int]:
    """One failed login for each of ``count`` different usernames from the same address."""
    return [login(client, f"victim{n}@example.com", WRONG).status_code for n in range(count)]


@pytest.mark.parametrize("path", LOGINS)
def test_failures_across_usernames_below_the_address_limit_do_not_block(path, spray_limit, staff):
    client_class, login, success = LOGINS[path]
    client = client_class()
    assert 429 not in spray(client, login, spray_limit - 1)
    assert login(client, staff.email, DEFAULT_PASSWORD).status_code == success


@pytest.mark.parametrize("path", LOGINS)
def test_an_address_spraying_many_usernames_is_blocked(path, spray_limit, staff):
    client_class, login, _ = LOGINS[path]
    client = client_class()
    statuses = spray(client, login, spray_limit + 2)
    assert 429 not in statuses[: spray_limit - 1]
    assert statuses[spray_limit - 1 :] == [429] * 3
    response = login(client, staff.email, DEFAULT_PASSWORD)  # even a correct password, from there
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    if path == "token":
        assert response.json()["code"] == "locked_out"
    else:
        assert b"Too many failed login attempts" in response.content


def test_the_address_limit_leaves_other_addresses_alone(spray_limit, staff):
    spray(Client(), _site, spray_limit)
    assert _site(Client(REMOTE_ADDR="127.0.0.7"), staff.email, DEFAULT_PASSWORD).status_code == 302
