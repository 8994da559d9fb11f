"""API input means the same in every encoding, and a string field takes only strings."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory
from tests.portfolios.factories import PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    return PortfolioFactory(name="Core")


@pytest.fixture
def api(portfolio):
    client = APIClient()
    client.force_authenticate(portfolio.user)
    return client


@pytest.mark.parametrize("encoding", ["multipart", "json"])
def test_an_empty_name_is_rejected_in_every_encoding(api, portfolio, encoding):
    response = api.patch(f"/api/v1/portfolios/{portfolio.id}/", {"name": ""}, format=encoding)
    assert response.status_code == 400
    assert "name" in response.json()["fields"]
    portfolio.refresh_from_db()
    assert portfolio.name == "Core"


def test_an_empty_optional_currency_in_a_form_is_rejected_not_defaulted(api):
    response = api.post("/api/v1/portfolios/", {"name": "New", "base_currency": ""}, format="multipart")
    assert response.status_code == 400
    assert "base_currency" in response.json()["fields"]


def test_a_number_for_a_string_field_is_rejected():
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.patch("/api/v1/me/", {"name": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"name": ["Not a valid string."]}


def test_a_form_without_the_optional_field_still_uses_its_default(api):
    response = api.post("/api/v1/portfolios/", {"name": "Plain"}, format="multipart")
    assert response.status_code == 201
    assert response.json()["base_currency"] == "USD"
    assert response.json()["lot_count"] == 0


@pytest.mark.parametrize("encoding", ["multipart", "json"])
def test_a_patch_with_nothing_to_change_is_rejected(api, portfolio, encoding):
    response = api.patch(f"/api/v1/portfolios/{portfolio.id}/", {}, format=encoding)
    assert response.status_code == 400
    assert response.json()["code"] == "nothing_to_change"


@pytest.mark.parametrize("body", ["false", "1", "[]", '"text"'])
def test_a_body_that_is_not_an_object_is_a_400(api, portfolio, body):
    response = api.generic("PATCH", f"/api/v1/portfolios/{portfolio.id}/", body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code", "fields"}
