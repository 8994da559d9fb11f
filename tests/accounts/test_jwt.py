"""The JWT suite: every forged, stale or revoked token answers 401 in the error shape.

Forged tokens are built by hand (``_sign``); ``test_hand_signed_token_is_accepted`` proves that
the helper makes tokens the API accepts, so each refusal below is about the one thing changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.accounts import services
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
VERIFY = "/api/v1/auth/token/verify/"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(header: dict, payload: dict, key: bytes | None, digest=hashlib.sha256) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), digest).digest() if key else b""
    return f"{signing_input}.{_b64(signature)}"


def _payload(token: str) -> dict:
    return json.loads(_unb64(token.split(".")[1]))


def _pair(user) -> dict:
    response = APIClient().post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _me(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(ME)


def _assert_refused(response, code: str | None = None) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["detail"]
    assert "Traceback" not in response.content.decode()
    if code:
        assert body["code"] == code


KEY = settings.JWT_SIGNING_KEY.encode()
HS256 = {"alg": "HS256", "typ": "JWT"}


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def access(user) -> str:
    return _pair(user)["access"]


def test_hand_signed_token_is_accepted(user, access):
    response = _me(_sign(HS256, _payload(access), KEY))
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_expired_access_token_is_refused(access):
    payload = _payload(access) | {"exp": int(time.time()) - 1}
    _assert_refused(_me(_sign(HS256, payload, KEY)), "token_not_valid")


def test_token_signed_with_another_key_is_refused(access):
    _assert_refused(_me(_sign(HS256, _payload(access), b"not-the-signing-key-" * 3)), "token_not_valid")


def test_token_with_one_flipped_signature_byte_is_refused(access):
    header, payload, signature = access.split(".")
    flipped = bytearray(_unb64(signature))
    flipped[0] ^= 0x01
    _assert_refused(_me(f"{header}.{payload}.{_b64(bytes(flipped))}"), "token_not_valid")


def test_unsigned_alg_none_token_is_refused(access):
    _assert_refused(_me(_sign({"alg": "none", "typ": "JWT"}, _payload(access), None)), "token_not_valid")


def test_hs512_token_with_the_right_key_is_refused(access):
    token = _sign({"alg": "HS512", "typ": "JWT"}, _payload(access), KEY, hashlib.sha512)
    _assert_refused(_me(token), "token_not_valid")


def test_rs256_header_signed_with_the_hmac_key_is_refused(access):
    # Key confusion: an RS256 header, but an HMAC made with the (symmetric) signing key.
    _assert_refused(_me(_sign({"alg": "RS256", "typ": "JWT"}, _payload(access), KEY)), "token_not_valid")


def test_tampered_payload_is_refused(access):
    other = UserFactory()
    header, _, signature = access.split(".")
    payload = _b64(json.dumps(_payload(access) | {"user_id": str(other.pk)}).encode())
    _assert_refused(_me(f"{header}.{payload}.{signature}"), "token_not_valid")


def test_refresh_token_used_as_access_token_is_refused(user):
    _assert_refused(_me(_pair(user)["refresh"]), "token_not_valid")


def test_access_token_used_as_refresh_token_is_refused(access):
    _assert_refused(APIClient().post(REFRESH, {"refresh": access}, format="json"), "token_not_valid")


def test_blacklisted_refresh_token_is_refused(user):
    refresh = _pair(user)["refresh"]
    assert APIClient().post("/api/v1/auth/logout/", {"refresh": refresh}, format="json").status_code == 204
    _assert_refused(APIClient().post(REFRESH, {"refresh": refresh}, format="json"), "token_not_valid")


def test_rotated_refresh_token_cannot_be_used_twice(user):
    refresh = _pair(user)["refresh"]
    assert APIClient().post(REFRESH, {"refresh": refresh}, format="json").status_code == 200
    _assert_refused(APIClient().post(REFRESH, {"refresh": refresh}, format="json"), "token_not_valid")


def test_access_token_issued_before_a_password_change_is_refused(user, access):
    user.set_password("a-new-password-77")
    user.save()
    _assert_refused(_me(access), "password_changed")


def test_refresh_token_issued_before_a_password_change_is_refused(user):
    refresh = _pair(user)["refresh"]
    user.set_password("a-new-password-77")
    user.save()
    _assert_refused(APIClient().post(REFRESH, {"refresh": refresh}, format="json"), "password_changed")


def test_verify_refuses_a_token_issued_before_a_password_change(user, access):
    user.set_password("a-new-password-77")
    user.save()
    _assert_refused(APIClient().post(VERIFY, {"token": access}, format="json"), "password_changed")


def test_access_token_of_an_inactive_user_is_refused(user, access):
    user.is_active = False
    user.save()
    _assert_refused(_me(access), "user_inactive")


def test_refresh_token_of_an_inactive_user_is_refused(user):
    refresh = _pair(user)["refresh"]
    user.is_active = False
    user.save()
    _assert_refused(APIClient().post(REFRESH, {"refresh": refresh}, format="json"), "user_inactive")


def test_inactive_user_cannot_obtain_tokens(user):
    user.is_active = False
    user.save()
    response = APIClient().post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    _assert_refused(response, "no_active_account")


def test_token_of_a_deleted_user_is_refused(user):
    pair = _pair(user)
    user.delete()
    _assert_refused(_me(pair["access"]), "user_not_found")
    _assert_refused(APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json"), "user_not_found")


def test_garbage_bearer_token_is_refused():
    _assert_refused(_me("not.a.jwt"), "token_not_valid")


def test_deactivation_through_the_service_revokes_every_token(user):
    pair = _pair(user)
    services.deactivate_user(user=user)
    _assert_refused(_me(pair["access"]), "user_inactive")
    _assert_refused(APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json"), "token_not_valid")


@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_used_twice_at_once_succeeds_once():
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection
    from rest_framework_simplejwt.exceptions import InvalidToken

    from apps.accounts.api import tokens

    refresh = tokens.issue_pair(UserFactory()).refresh
    barrier = Barrier(2)

    def use_it() -> str:
        barrier.wait()
        try:
            tokens.rotate(refresh)
            return "ok"
        except InvalidToken:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(lambda _: use_it(), range(2)))
    assert outcomes == ["ok", "refused"]
