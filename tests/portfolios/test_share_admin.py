"""Admin of share links: analysts list and read them; nobody adds or changes them there; the
admin never shows anything that opens a link."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.portfolios.models import PortfolioShare
from tests.portfolios.factories import PortfolioShareFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def share():
    return PortfolioShareFactory(portfolio__name="Alice's pension", portfolio__user__email="alice@example.com")


def _client(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def test_analyst_lists_and_searches_share_links(share):
    page = _client(Role.ANALYST).get("/admin/portfolios/portfolioshare/", {"q": "alice@example.com"})
    html = page.content.decode()
    assert page.status_code == 200 and share.token_hint in html and "Alice&#x27;s pension" in html
    assert share.token not in html and share.token_hash not in html


def test_analyst_reads_a_link_and_cannot_change_or_add_one(share):
    client = _client(Role.ANALYST)
    url = f"/admin/portfolios/portfolioshare/{share.id}/change/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'name="_save"' not in html
    assert share.token not in html and share.token_hash not in html
    assert client.post(url, {"include_quantities": "on", "revoked_at": ""}).status_code == 403
    assert client.get("/admin/portfolios/portfolioshare/add/").status_code == 403
    assert client.post(f"/admin/portfolios/portfolioshare/{share.id}/delete/", {"post": "yes"}).status_code == 403
    share.refresh_from_db()
    assert not share.include_quantities and PortfolioShare.objects.count() == 1


def test_admins_can_delete_a_portfolio_with_links(share):
    client = _client(Role.ADMIN)
    response = client.post(f"/admin/portfolios/portfolio/{share.portfolio_id}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not PortfolioShare.objects.exists()


def test_investors_have_no_admin_access(share):
    assert _client(Role.INVESTOR).get("/admin/portfolios/portfolioshare/").status_code == 302
