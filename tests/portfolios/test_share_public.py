"""The public face of a share link, logged out: /shared/<token>/ and /api/v1/shared/<token>/.

They show returns, risk figures, the growth of 100 and weights; quantities only when the owner
chose them; never purchase prices, money paid, lots, ids or the owner's e-mail. An unknown and a
revoked token answer the same 404. Headers keep the page out of search engines and shared
caches, and the token out of Referer headers.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.portfolios import services
from quantumvest.formatting import money
from tests.portfolios.factories import PortfolioShareFactory, UserFactory, priced_portfolio

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    return priced_portfolio(UserFactory(email="owner.secret@example.com"))


def _secrets(portfolio) -> list[str]:
    """What a page without quantities must not contain."""
    lots = list(portfolio.lots.all())
    found = [portfolio.user.email, "owner.secret", str(portfolio.id), str(portfolio.user_id)]
    for lot in lots:
        found += [str(lot.id), format(lot.purchase_price.normalize(), "f"), money(lot.purchase_price)]
        found += [format(lot.quantity.normalize(), "f"), money(lot.cost)]
    found += [money(sum(lot.cost for lot in lots))]
    return found


def test_the_page_logged_out_shows_returns_and_no_quantities(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    response = Client().get(f"/shared/{share.token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Growth book" in html and "Time-weighted return" in html and "Maximum drawdown" in html
    assert 'data-metric="twr"' in html and "Figures as of 2021-04-30" in html
    assert "QVS" in html and "Weight" in html and "Quantity" not in html
    for secret in _secrets(portfolio):
        assert secret not in html, secret


def test_the_page_shows_quantities_when_the_owner_chose_them(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio, include_quantities=True)
    html = Client().get(f"/shared/{share.token}/").content.decode()
    assert "Quantity" in html and "31.4159" in html and "2.71828" in html
    # Quantities, not what was paid: purchase prices, lot ids and the owner stay private.
    for secret in ("87.6543", "305.1234", portfolio.user.email, *(str(lot.id) for lot in portfolio.lots.all())):
        assert secret not in html, secret


def test_another_signed_in_user_sees_the_page_but_not_the_owner(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    visitor = Client()
    visitor.force_login(UserFactory(email="visitor@example.com"))
    html = visitor.get(f"/shared/{share.token}/").content.decode()
    assert "Growth book" in html and portfolio.user.email not in html


def test_the_page_keeps_out_of_search_engines_caches_and_referers(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    response = Client().get(f"/shared/{share.token}/")
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    assert '<meta name="robots" content="noindex' in html and '<meta name="referrer" content="no-referrer">' in html


def test_the_json_is_public_has_the_same_headers_and_no_quantities(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    response = APIClient().get(f"/api/v1/shared/{share.token}/")
    assert response.status_code == 200
    assert "noindex" in response["X-Robots-Tag"] and response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["name"] == "Growth book" and body["as_of"] == "2021-04-30" and body["market_value"] is None
    assert {p["symbol"] for p in body["positions"]} == {"QVS", "SPY"}
    assert all(p["quantity"] is None and p["market_value"] is None for p in body["positions"])
    text = response.content.decode()
    for secret in _secrets(portfolio):
        assert secret not in text, secret


def test_the_json_shows_quantities_when_chosen(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio, include_quantities=True)
    body = APIClient().get(f"/api/v1/shared/{share.token}/").json()
    quantities = {p["symbol"]: Decimal(p["quantity"]) for p in body["positions"]}
    assert quantities == {"QVS": Decimal("31.4159"), "SPY": Decimal("2.71828")}


def _without_csrf(body: bytes) -> bytes:
    """The body without its CSRF token and CSP nonces, which are new on every page."""
    return re.sub(rb'nonce="[^"]+"', b"", re.sub(rb'"X-CSRFToken": "[^"]+"', b"", body))


@pytest.mark.parametrize("path", ["/shared/{token}/", "/api/v1/shared/{token}/"])
def test_a_revoked_and_an_unknown_token_answer_the_same_404(portfolio, path):
    share = PortfolioShareFactory(portfolio=portfolio)
    services.revoke_share(share=share, by=portfolio.user)
    unknown = secrets.token_urlsafe(32)  # well formed, never stored
    client = Client()
    revoked_response = client.get(path.format(token=share.token))
    unknown_response = client.get(path.format(token=unknown))
    assert revoked_response.status_code == unknown_response.status_code == 404
    assert _without_csrf(revoked_response.content) == _without_csrf(unknown_response.content)
    assert "Growth book" not in revoked_response.content.decode()


def test_a_deleted_portfolio_takes_its_links_with_it(portfolio):
    share = PortfolioShareFactory(portfolio=portfolio)
    services.delete_portfolio(portfolio=portfolio)
    assert Client().get(f"/shared/{share.token}/").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_public_faces_are_read_only(portfolio, method):
    share = PortfolioShareFactory(portfolio=portfolio)
    client = APIClient()
    assert getattr(client, method)(f"/shared/{share.token}/").status_code == 405
    assert getattr(client, method)(f"/api/v1/shared/{share.token}/", {}, format="json").status_code == 405
    # A bad token is 404 whatever the method, before "method not allowed".
    assert getattr(client, method)("/shared/nope/").status_code == 404
    assert getattr(client, method)("/api/v1/shared/nope/", {}, format="json").status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


def test_an_empty_portfolio_shares_an_empty_state():
    share = PortfolioShareFactory()
    response = Client().get(f"/shared/{share.token}/")
    assert response.status_code == 200 and "No holdings yet" in response.content.decode()
    assert APIClient().get(f"/api/v1/shared/{share.token}/").json()["growth"] == []


def test_the_page_takes_the_same_number_of_queries_whatever_the_number_of_lots(portfolio):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.portfolios.factories import LotFactory

    share = PortfolioShareFactory(portfolio=portfolio)
    client = Client()
    client.get(f"/shared/{share.token}/")  # the market date is cached from here on
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/shared/{share.token}/").status_code == 200
    stock = portfolio.lots.get(asset_id="QVS").asset
    for day in range(2, 8):
        LotFactory(portfolio=portfolio, asset=stock, purchase_date=f"2021-02-0{day}")
    client.get(f"/shared/{share.token}/")
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/shared/{share.token}/").status_code == 200
    assert len(many) == len(few) <= 6, [q["sql"] for q in many.captured_queries]
