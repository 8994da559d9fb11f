"""The owner's API of share links: GET/POST /api/v1/portfolios/{id}/shares/ and
DELETE /api/v1/portfolios/{id}/shares/{share_id}/; another user gets 404 and changes nothing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.portfolios.models import PortfolioShare
from tests.portfolios.factories import PortfolioFactory, PortfolioShareFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    return PortfolioFactory()


@pytest.fixture
def api(portfolio):
    client = APIClient()
    client.force_authenticate(portfolio.user)
    return client


def test_post_creates_a_link_and_answers_its_token_once(api, portfolio):
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/shares/", {"include_quantities": True}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["include_quantities"] is True and body["active"] is True and body["revoked_at"] is None
    assert body["url"] == f"http://testserver/shared/{body['token']}/"
    assert body["api_url"] == f"http://testserver/api/v1/shared/{body['token']}/"
    assert body["token_hint"] == body["token"][:6] and len(body["token"]) >= 22
    assert PortfolioShare.objects.get(pk=body["id"]).token_hash == PortfolioShare.digest(body["token"])
    assert APIClient().get(body["api_url"]).status_code == 200


def test_include_quantities_is_a_required_choice(api, portfolio):
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/shares/", {}, format="json")
    assert response.status_code == 400 and "include_quantities" in response.json()["fields"]
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/shares/", {"include_quantities": False}, format="json")
    assert response.status_code == 201 and response.json()["include_quantities"] is False


@pytest.mark.parametrize("value", ["maybe", "0", 1, "true", None])
def test_include_quantities_in_json_is_a_boolean_or_a_field_error(api, portfolio, value):
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/shares/", {"include_quantities": value}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code", "fields"} and "include_quantities" in body["fields"]
    assert not PortfolioShare.objects.exists()


def test_a_form_body_is_refused_so_that_a_malformed_one_publishes_nothing(api, portfolio):
    response = api.post(
        f"/api/v1/portfolios/{portfolio.id}/shares/", {"include_quantities": "true"}, format="multipart"
    )
    # 415, or 400 "required" when a middleware has already consumed the form body.
    assert response.status_code in (400, 415) and not PortfolioShare.objects.exists()


def test_get_lists_every_link_without_tokens(api, portfolio):
    active = PortfolioShareFactory(portfolio=portfolio)
    revoked = PortfolioShareFactory(portfolio=portfolio, revoked_at="2030-01-01T00:00:00Z")
    PortfolioShareFactory()  # another portfolio's
    body = api.get(f"/api/v1/portfolios/{portfolio.id}/shares/").json()
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows) == {str(active.id), str(revoked.id)}
    assert rows[str(active.id)]["active"] and not rows[str(revoked.id)]["active"]
    assert all("token" not in row for row in body["results"])


def test_delete_revokes_and_the_link_answers_404(api, portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    assert api.delete(f"/api/v1/portfolios/{portfolio.id}/shares/{share.id}/").status_code == 204
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert APIClient().get(f"/api/v1/shared/{share.token}/").status_code == 404
    assert api.delete(f"/api/v1/portfolios/{portfolio.id}/shares/{share.id}/").status_code == 204  # idempotent


def test_too_many_links_is_a_conflict(api, portfolio, monkeypatch):
    from apps.portfolios import services

    monkeypatch.setattr(services, "MAX_ACTIVE_SHARES", 1)
    PortfolioShareFactory(portfolio=portfolio)
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/shares/", {"include_quantities": False}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "too_many_shares"


def test_another_user_cannot_create_list_or_revoke_my_links(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    intruder = APIClient()
    intruder.force_authenticate(UserFactory())
    base = f"/api/v1/portfolios/{portfolio.id}/shares/"
    assert intruder.get(base).status_code == 404
    assert intruder.post(base, {"include_quantities": True}, format="json").status_code == 404
    assert intruder.delete(f"{base}{share.id}/").status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None and PortfolioShare.objects.count() == 1


def test_a_link_of_another_portfolio_cannot_be_revoked_through_mine(api, portfolio):
    theirs = PortfolioShareFactory()
    assert api.delete(f"/api/v1/portfolios/{portfolio.id}/shares/{theirs.id}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_anonymous_callers_are_refused(portfolio):
    body = {"include_quantities": True}
    assert APIClient().post(f"/api/v1/portfolios/{portfolio.id}/shares/", body, format="json").status_code in (401, 403)
    assert not PortfolioShare.objects.exists()
