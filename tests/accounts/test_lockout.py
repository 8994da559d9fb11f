"""Lockout after repeated failed logins: the site login, the admin login and the token endpoint."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
WRONG = "not-the-password-1"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _site_login(client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password})


def _admin_login(client, email: str, password: str):
    return client.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"})


def _token(client, email: str, password: str):
    return client.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


LOGINS = {
    "site": (Client, _site_login, 302),
    "admin": (Client, _admin_login, 302),
    "token": (APIClient, _token, 200),
}


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("path", LOGINS)
def test_failures_below_the_limit_do_not_lock_out(path, staff):
    client_class, login, success = LOGINS[path]
    client = client_class()
    for _ in range(LIMIT - 1):
        assert login(client, staff.email, WRONG).status_code != 429
    assert login(client, staff.email, DEFAULT_PASSWORD).status_code == success


@pytest.mark.parametrize("path", LOGINS)
def test_repeated_failures_lock_out_even_the_correct_password(path, staff):
    client_class, login, _ = LOGINS[path]
    client = client_class()
    for _ in range(LIMIT - 1):
        login(client, staff.email, WRONG)
    locked = login(client, staff.email, WRONG)
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    again = login(client, staff.email, DEFAULT_PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "access" not in again.content.decode()


def test_token_lockout_answers_in_the_error_shape(staff):
    client = APIClient()
    for _ in range(LIMIT):
        _token(client, staff.email, WRONG)
    response = _token(client, staff.email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert response.json() == {
        "detail": f"Too many failed login attempts. Try again in {settings.AXES_COOLOFF_TIME.seconds // 60} minutes.",
        "code": "locked_out",
        "fields": {},
    }


def test_failures_on_one_path_count_on_the_others(staff):
    site, api = Client(), APIClient()
    for n in range(LIMIT):
        if n % 2:
            _site_login(site, staff.email, WRONG)
        else:
            _token(api, staff.email, WRONG)
    assert _admin_login(Client(), staff.email, DEFAULT_PASSWORD).status_code == 429


def test_email_case_does_not_dodge_the_lockout(staff):
    client = APIClient()
    for n in range(LIMIT):
        _token(client, staff.email.upper() if n % 2 else staff.email, WRONG)
    assert _token(client, staff.email.title(), DEFAULT_PASSWORD).status_code == 429


def test_a_successful_token_login_resets_the_failure_count(staff):
    client = APIClient()
    for _ in range(LIMIT - 1):
        _token(client, staff.email, WRONG)
    assert _token(client, staff.email, DEFAULT_PASSWORD).status_code == 200
    for _ in range(LIMIT - 1):
        _token(client, staff.email, WRONG)
    assert _token(client, staff.email, DEFAULT_PASSWORD).status_code == 200


def test_lockout_of_one_account_leaves_another_alone(staff):
    other = UserFactory()
    client = APIClient()
    for _ in range(LIMIT):
        _token(client, staff.email, WRONG)
    assert _token(client, other.email, DEFAULT_PASSWORD).status_code == 200


def test_forged_forwarded_for_header_does_not_dodge_the_lockout(staff):
    client = APIClient()
    for n in range(LIMIT):
        client.post(
            "/api/v1/auth/token/",
            {"email": staff.email, "password": WRONG},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    assert _token(client, staff.email, DEFAULT_PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(staff, settings):
    settings.PROXY_COUNT = 1
    client = APIClient()
    for _ in range(LIMIT):
        client.post(
            "/api/v1/auth/token/",
            {"email": staff.email, "password": WRONG},
            format="json",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    locked = client.post(
        "/api/v1/auth/token/",
        {"email": staff.email, "password": DEFAULT_PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert locked.status_code == 429
    other_client = client.post(
        "/api/v1/auth/token/",
        {"email": staff.email, "password": DEFAULT_PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other_client.status_code == 200
