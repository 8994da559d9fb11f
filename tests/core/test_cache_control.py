"""``Cache-Control: no-store, private`` on every authenticated response and every API response;
public pages keep their own caching, and a stricter header already set is kept."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.assets.factories import AssetFactory
from tests.portfolios.factories import LotFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

NO_STORE = "no-store, private"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def portfolio(user):
    portfolio = PortfolioFactory(user=user)
    LotFactory(portfolio=portfolio, asset=AssetFactory(id="CCTL"))
    return portfolio


@pytest.mark.parametrize("path", ["/", "/assets/", "/portfolios/", "/accounts/profile/"])
def test_authenticated_pages_are_not_stored(browser, path):
    response = browser.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_htmx_partials_are_not_stored(browser, portfolio):
    response = browser.get(f"/portfolios/{portfolio.id}/performance/", **HTMX)
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_the_holdings_csv_export_is_not_stored(browser, portfolio):
    response = browser.get(f"/portfolios/{portfolio.id}/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == NO_STORE


def test_api_responses_with_a_bearer_token_are_not_stored(user):
    client = APIClient()
    tokens = client.post("/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert tokens.status_code == 200
    assert tokens["Cache-Control"] == NO_STORE  # the token response itself carries secrets
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    response = client.get("/api/v1/portfolios/")
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_api_errors_are_not_stored():
    response = APIClient().get("/api/v1/portfolios/")
    assert response.status_code == 401
    assert response["Cache-Control"] == NO_STORE


def test_public_pages_keep_their_own_caching(client):
    response = client.get("/accounts/register/")
    assert response.status_code == 200
    assert "private" not in response.get("Cache-Control", "")


def test_a_stricter_header_already_set_is_kept(browser):
    response = browser.get("/healthz")  # never_cache: max-age=0, no-cache, no-store, must-revalidate, private
    assert response.status_code == 200
    assert "must-revalidate" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
