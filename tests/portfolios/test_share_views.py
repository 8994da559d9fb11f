"""The owner's share card through real URLs: create, show once, revoke; pages and htmx fragments;
another user gets 404 and changes nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.portfolios.models import PortfolioShare
from tests.portfolios.factories import PortfolioFactory, PortfolioShareFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LINK = re.compile(r'value="(http://testserver/shared/([A-Za-z0-9_-]+)/)"')


@pytest.fixture
def portfolio():
    return PortfolioFactory(name="Pension")


@pytest.fixture
def owner(portfolio):
    client = Client()
    client.force_login(portfolio.user)
    return client


def test_the_portfolio_page_loads_the_share_card(owner, portfolio):
    html = owner.get(f"/portfolios/{portfolio.id}/").content.decode()
    assert f'hx-get="/portfolios/{portfolio.id}/shares/"' in html and 'id="share-card"' in html


def test_the_card_fragment_lists_active_links_only(owner, portfolio):
    active = PortfolioShareFactory(portfolio=portfolio)
    revoked = PortfolioShareFactory(portfolio=portfolio, revoked_at="2030-01-01T00:00:00Z")
    response = owner.get(f"/portfolios/{portfolio.id}/shares/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and html.lstrip().startswith("<section")
    assert f"share-{active.id}" in html and f"share-{revoked.id}" not in html
    assert "Vary" in response and "hx-request" in response["Vary"].lower()


def test_creating_a_link_through_htmx_shows_it_once(owner, portfolio):
    response = owner.post(f"/portfolios/{portfolio.id}/shares/", {"include_quantities": "on"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    url, token = LINK.search(html).groups()
    share = PortfolioShare.objects.get(portfolio=portfolio)
    assert share.include_quantities and share.token_hash == PortfolioShare.digest(token)
    assert Client().get(url).status_code == 200  # the link works logged out
    again = owner.get(f"/portfolios/{portfolio.id}/shares/", **HTMX).content.decode()
    assert token not in again and f"/shared/{share.token_hint}…" in again


def test_creating_a_link_without_javascript_answers_the_full_page_with_it(owner, portfolio):
    response = owner.post(f"/portfolios/{portfolio.id}/shares/", {})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert LINK.search(html) and not PortfolioShare.objects.get(portfolio=portfolio).include_quantities
    assert "no-store" in response["Cache-Control"]


def test_the_link_limit_comes_back_in_the_card(owner, portfolio, monkeypatch):
    from apps.portfolios import services

    monkeypatch.setattr(services, "MAX_ACTIVE_SHARES", 1)
    PortfolioShareFactory(portfolio=portfolio)
    response = owner.post(f"/portfolios/{portfolio.id}/shares/", {}, **HTMX)
    assert response.status_code == 422 and "revoke one first" in response.content.decode()
    assert PortfolioShare.objects.count() == 1


def test_revoking_through_htmx_refreshes_the_card_and_the_link_is_gone(owner, portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    response = owner.post(f"/portfolios/{portfolio.id}/shares/{share.id}/revoke/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and f"share-{share.id}" not in html and "revoked" in html
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert Client().get(f"/shared/{share.token}/").status_code == 404


def test_revoking_without_javascript_redirects_to_the_share_page(owner, portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    response = owner.post(f"/portfolios/{portfolio.id}/shares/{share.id}/revoke/")
    assert response.status_code == 302 and response["Location"] == f"/portfolios/{portfolio.id}/shares/"


def test_another_user_cannot_list_create_or_revoke_my_links(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    intruder = Client()
    intruder.force_login(UserFactory())
    assert intruder.get(f"/portfolios/{portfolio.id}/shares/").status_code == 404
    assert intruder.post(f"/portfolios/{portfolio.id}/shares/", {"include_quantities": "on"}).status_code == 404
    assert intruder.post(f"/portfolios/{portfolio.id}/shares/{share.id}/revoke/").status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None and PortfolioShare.objects.count() == 1


def test_a_link_of_another_portfolio_cannot_be_revoked_through_mine(owner, portfolio):
    theirs = PortfolioShareFactory()
    assert owner.post(f"/portfolios/{portfolio.id}/shares/{theirs.id}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_anonymous_users_are_sent_to_login(portfolio):
    response = Client().post(f"/portfolios/{portfolio.id}/shares/", {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PortfolioShare.objects.exists()
