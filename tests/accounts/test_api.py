"""Accounts API flows: register, token, refresh, verify, logout, me/, password change, throttling."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
VERIFY = "/api/v1/auth/token/verify/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"
PASSWORD = "/api/v1/me/password/"
NEW_PASSWORD = "plum-orchard-lantern-42"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _pair(email: str, password: str = DEFAULT_PASSWORD) -> dict:
    response = APIClient().post(TOKEN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _client(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    if code:
        assert body["code"] == code
    return body


# --- register -------------------------------------------------------------------------------------


def test_register_creates_an_account_that_can_obtain_tokens():
    response = APIClient().post(
        REGISTER, {"email": " New@Example.com ", "password": NEW_PASSWORD, "name": "Ada"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new@example.com"
    assert body["name"] == "Ada"
    assert "password" not in body
    assert User.objects.get(pk=body["id"]).check_password(NEW_PASSWORD)
    assert _pair("new@example.com", NEW_PASSWORD)["access"]


def test_register_refuses_a_taken_email_whatever_its_case():
    UserFactory(email="taken@example.com")
    response = APIClient().post(REGISTER, {"email": "TAKEN@example.com", "password": NEW_PASSWORD}, format="json")
    body = _assert_error(response, 409, "email_taken")
    assert body["fields"]["email"]
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_register_refuses_a_weak_password_naming_the_field():
    response = APIClient().post(REGISTER, {"email": "weak@example.com", "password": "12345678"}, format="json")
    body = _assert_error(response, 400)
    assert body["fields"]["password"]
    assert not User.objects.filter(email="weak@example.com").exists()


def test_register_names_every_missing_field():
    body = _assert_error(APIClient().post(REGISTER, {}, format="json"), 400, "required")
    assert set(body["fields"]) == {"email", "password"}


# --- token, refresh, verify, logout -----------------------------------------------------------------


def test_token_with_a_wrong_password_is_refused():
    user = UserFactory()
    response = APIClient().post(TOKEN, {"email": user.email, "password": "wrong-password-1"}, format="json")
    _assert_error(response, 401, "no_active_account")


def test_token_login_records_last_login():
    user = UserFactory()
    assert user.last_login is None
    _pair(user.email)
    user.refresh_from_db()
    assert user.last_login is not None


def test_token_email_is_case_insensitive():
    user = UserFactory(email="case@example.com")
    assert _client(_pair("CASE@Example.com")["access"]).get(ME).json()["id"] == str(user.pk)


def test_refresh_returns_a_new_working_pair():
    user = UserFactory()
    pair = _pair(user.email)
    response = APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 200
    new = response.json()
    assert new["refresh"] != pair["refresh"]
    assert _client(new["access"]).get(ME).status_code == 200
    assert APIClient().post(REFRESH, {"refresh": new["refresh"]}, format="json").status_code == 200


def test_verify_accepts_a_live_access_and_refresh_token():
    pair = _pair(UserFactory().email)
    for kind in ("access", "refresh"):
        response = APIClient().post(VERIFY, {"token": pair[kind]}, format="json")
        assert response.status_code == 200
        assert response.json()["token_type"] == kind


def test_verify_refuses_a_blacklisted_refresh_token():
    pair = _pair(UserFactory().email)
    APIClient().post(LOGOUT, {"refresh": pair["refresh"]}, format="json")
    _assert_error(APIClient().post(VERIFY, {"token": pair["refresh"]}, format="json"), 401, "token_not_valid")


def test_logout_blacklists_the_refresh_token():
    user = UserFactory()
    pair = _pair(user.email)
    assert APIClient().post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1
    _assert_error(APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401, "token_not_valid")


def test_logout_refuses_a_forged_token():
    _assert_error(APIClient().post(LOGOUT, {"refresh": "a.b.c"}, format="json"), 401, "token_not_valid")


# --- me/ ------------------------------------------------------------------------------------------


def test_me_requires_authentication():
    _assert_error(APIClient().get(ME), 401, "not_authenticated")


def test_me_shows_the_callers_own_account():
    user = UserFactory()
    UserFactory()
    body = _client(_pair(user.email)["access"]).get(ME).json()
    assert body == {
        "id": str(user.pk),
        "email": user.email,
        "name": user.name,
        "subscription_tier": "free",
        "created_at": body["created_at"],
    }


def test_me_patch_changes_name_and_email():
    user = UserFactory()
    client = _client(_pair(user.email)["access"])
    response = client.patch(ME, {"name": "New Name", "email": "Renamed@Example.com"}, format="json")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.name, user.email) == ("New Name", "renamed@example.com")


def test_me_patch_ignores_read_only_fields():
    user = UserFactory()
    client = _client(_pair(user.email)["access"])
    response = client.patch(ME, {"name": "New", "subscription_tier": "enterprise", "id": "x"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.name, user.subscription_tier) == ("New", "free")
    # Only read-only fields: nothing to change (400), and still nothing changed.
    response = client.patch(ME, {"subscription_tier": "enterprise", "id": "x"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "nothing_to_change"
    user.refresh_from_db()
    assert user.subscription_tier == "free"


def test_second_user_reads_and_changes_only_their_own_account():
    first, second = UserFactory(name="First"), UserFactory(name="Second")
    client = _client(_pair(second.email)["access"])
    assert client.get(ME).json()["id"] == str(second.pk)
    response = client.patch(ME, {"id": str(first.pk), "name": "Hijacked"}, format="json")
    assert response.json()["id"] == str(second.pk)
    first.refresh_from_db()
    assert first.name == "First"


def test_second_user_cannot_take_the_first_users_email():
    first, second = UserFactory(), UserFactory()
    client = _client(_pair(second.email)["access"])
    body = _assert_error(client.patch(ME, {"email": first.email.upper()}, format="json"), 409, "email_taken")
    assert body["fields"]["email"]
    second.refresh_from_db()
    assert second.email != first.email


# --- password change --------------------------------------------------------------------------------


def test_password_change_needs_the_current_password():
    user = UserFactory()
    client = _client(_pair(user.email)["access"])
    response = client.post(PASSWORD, {"old_password": "wrong-one-123", "new_password": NEW_PASSWORD}, format="json")
    body = _assert_error(response, 400)
    assert body["fields"]["old_password"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_password_change_validates_the_new_password():
    user = UserFactory()
    client = _client(_pair(user.email)["access"])
    response = client.post(PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": "short"}, format="json")
    assert _assert_error(response, 400)["fields"]["new_password"]


def test_password_change_revokes_earlier_tokens_and_returns_a_working_pair():
    user = UserFactory()
    old, other_device = _pair(user.email), _pair(user.email)
    response = _client(old["access"]).post(
        PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    new = response.json()
    assert _client(new["access"]).get(ME).status_code == 200
    _assert_error(_client(old["access"]).get(ME), 401, "password_changed")
    for pair in (old, other_device):
        _assert_error(APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json"), 401)
    assert APIClient().post(REFRESH, {"refresh": new["refresh"]}, format="json").status_code == 200


def test_password_change_blacklists_every_outstanding_refresh_token():
    user = UserFactory()
    pairs = [_pair(user.email) for _ in range(3)]
    _client(pairs[0]["access"]).post(
        PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    earlier = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count()
    # Only the refresh token handed back by the password change is still outstanding.
    assert earlier == 1
    assert BlacklistedToken.objects.filter(token__user=user).count() == len(pairs)


# --- throttling -----------------------------------------------------------------------------------


def _auth_rate() -> int:
    requests, _ = ScopedRateThrottle().parse_rate(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"])
    return requests


@pytest.mark.parametrize("path", [REGISTER, TOKEN, REFRESH, VERIFY, LOGOUT])
def test_auth_endpoints_are_throttled_per_client(path):
    client = APIClient()
    for _ in range(_auth_rate()):
        assert client.post(path, {}, format="json").status_code == 400
    response = client.post(path, {}, format="json")
    body = _assert_error(response, 429, "throttled")
    assert "Try again in" in body["detail"]
    assert int(response["Retry-After"]) > 0
    # Another client address still gets through.
    assert client.post(path, {}, format="json", REMOTE_ADDR="10.9.8.7").status_code == 400


def test_throttle_cannot_be_dodged_with_a_forged_forwarded_for_header():
    client = APIClient()
    for n in range(_auth_rate()):
        client.post(TOKEN, {}, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = client.post(TOKEN, {}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.1")
    _assert_error(response, 429, "throttled")
