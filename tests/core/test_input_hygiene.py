"""No 500 on hostile URLs: NUL bytes, OPTIONS on every route, invalid pagination."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.core.api_data import owned_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def data(user):
    return owned_data(user)


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _error_shape(response) -> dict:
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/assets/A%00/",
        "/api/v1/assets/A%00/prices/",
        "/api/v1/assets/A%00/stats/",
        "/api/v1/assets/A%00/predictions/latest/",
        "/api/v1/assets/A%00/sentiment/",
        "/api/v1/predictions/track-record/?asset=%00",
        "/api/v1/predictions/?asset=A%00B",
        "/api/v1/assets/?search=%00",
        "/api/v1/assets/?%00=1",
    ],
)
def test_nul_in_an_api_path_or_query_is_a_400_in_the_error_shape(api, data, path):
    response = api.get(path)
    assert response.status_code == 400
    assert _error_shape(response)["code"] == "invalid_characters"


def test_nul_in_the_benchmark_of_performance_is_a_400(api, data):
    response = api.get(f"/api/v1/portfolios/{data.portfolio.id}/performance/?benchmark=%00")
    assert response.status_code == 400
    assert _error_shape(response)["code"] == "invalid_characters"


def test_nul_in_a_post_path_is_a_400(api, data):
    response = api.post("/api/v1/assets/A%00/predictions/")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/assets/A%00/", "/assets/?q=%00", "/predictions/track-record/?asset=%00"])
def test_nul_in_a_page_url_is_the_400_page(client, user, data, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_nul_in_a_cookie_is_a_400(client, user):
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get("/assets/").status_code == 400


def test_nul_in_a_json_string_field_is_a_field_error(api, data):
    response = api.patch(f"/api/v1/portfolios/{data.portfolio.id}/", {"name": "a\x00b"}, format="json")
    assert response.status_code == 400
    assert "name" in _error_shape(response)["fields"]


def test_nul_in_a_form_field_is_a_form_error(client, user, data):
    client.force_login(user)
    response = client.post("/portfolios/", {"name": "a\x00b", "base_currency": "USD"})
    assert response.status_code in (400, 422)


def _api_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_patterns(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            yield route


def _fill(route: str, values: dict) -> str:
    path = route
    for name, value in values.items():
        for converter in ("str", "uuid", "int", "slug", "path"):
            path = path.replace(f"<{converter}:{name}>", str(value))
    assert "<" not in path, f"no value for a keyword of {route}"
    return "/" + path


def test_options_answers_on_every_api_route(api, data):
    routes = sorted(set(_api_patterns()))
    assert len(routes) > 25
    for route in routes:
        response = api.options(_fill(route, data.url_kwargs()))
        assert response.status_code in (200, 401, 403, 404, 405), (route, response.status_code)


def test_options_on_another_users_portfolio_is_404(data):
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.options(f"/api/v1/portfolios/{data.portfolio.id}/").status_code == 404
    assert client.options(f"/api/v1/portfolios/{data.portfolio.id}/holdings/{data.lot.id}/").status_code == 404


@pytest.mark.parametrize(
    "query", ["page=0", "page=abc", "page=-1", "page_size=-1", "page_size=0", "page_size=abc", "page_size=501"]
)
def test_invalid_pagination_is_a_400_in_the_error_shape(api, data, query):
    response = api.get(f"/api/v1/assets/?{query}")
    assert response.status_code == 400
    body = _error_shape(response)
    assert query.split("=")[0] in body["fields"]


def test_a_page_past_the_end_is_a_404_in_the_error_shape(api, data):
    response = api.get("/api/v1/assets/?page=99")
    assert response.status_code == 404
    assert _error_shape(response)["code"] == "not_found"


def test_valid_pagination_still_pages(api, data):
    body = api.get("/api/v1/assets/?page=1&page_size=1").json()
    assert body["count"] == 2 and len(body["results"]) == 1
