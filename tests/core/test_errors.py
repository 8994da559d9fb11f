"""Every API error answers JSON in one shape: {"detail", "code", "fields"}."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def _assert_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/no-such-thing", "/api/nothing", "/api/"])
def test_unknown_api_path_is_a_json_404(path):
    _assert_shape(APIClient().get(path), 404, "not_found")


def test_unknown_page_outside_the_api_stays_html():
    response = APIClient().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_wrong_method_is_a_json_405():
    body = _assert_shape(APIClient().get(TOKEN), 405, "method_not_allowed")
    assert "GET" in body["detail"]


def test_unsupported_media_type_is_a_json_415():
    response = APIClient().post(TOKEN, "email=a", content_type="text/plain")
    _assert_shape(response, 415, "unsupported_media_type")


def test_malformed_json_is_a_parse_error():
    response = APIClient().post(TOKEN, '{"email": ', content_type="application/json")
    _assert_shape(response, 400, "parse_error")


def test_validation_error_names_each_field():
    response = APIClient().post(TOKEN, {"email": "a@example.com"}, format="json")
    body = _assert_shape(response, 400, "required")
    assert body["fields"] == {"password": ["This field is required."]}


def test_missing_credentials_are_a_json_401_with_a_challenge():
    response = APIClient().get("/api/v1/me/")
    _assert_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_bearer_scheme_is_a_json_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    _assert_shape(client.get("/api/v1/me/"), 401, "not_authenticated")


def test_session_request_without_csrf_token_is_a_json_403():
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert client.get("/api/v1/me/").status_code == 200
    body = _assert_shape(client.patch("/api/v1/me/", {"name": "x"}, format="json"), 403, "permission_denied")
    assert "CSRF" in body["detail"]


def test_server_error_under_the_api_is_json_without_details(settings):
    # A cache backend that raises (plain django-redis, not the resilient one of settings.py) with
    # Redis down: the throttle cannot count, the request fails, and says so in the error shape.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    client = APIClient(raise_request_exception=False)
    response = client.post(TOKEN, {"email": "a@example.com", "password": "x"}, format="json")
    body = _assert_shape(response, 500, "server_error")
    assert "Traceback" not in response.content.decode()
    assert "Redis" not in body["detail"]
