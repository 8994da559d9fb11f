"""Access control through every face: another user's portfolio, lot or run answers 404 whatever the
method, and nothing of it changes.

``test_every_route_with_an_owned_id_answers_404_to_another_user`` walks the project's URL
resolver: every pattern that takes a portfolio, lot or run id (and every pattern of the portfolio
apps that takes any parameter) is requested by a second user with GET, POST, PUT, PATCH and DELETE.
A pattern whose parameters this test cannot fill fails the test, so new routes are covered as soon
as they are added (runs need ``OptimizationRunFactory`` in tests/portfolios/factories.py, share
links ``PortfolioShareFactory``). The public face of share links (namespaces ``shared`` and
``shared-api``, a token instead of an id) is tested in tests/portfolios/test_share_public.py.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from apps.portfolios.models import Portfolio, PortfolioAsset, PortfolioShare
from tests.portfolios import factories
from tests.portfolios.factories import LotFactory, PortfolioFactory, UserFactory
from tests.url_walk import route_params, walk

pytestmark = pytest.mark.django_db

OWNED_PARAM = re.compile(r"portfolio|lot|run|optimi[sz]ation|backtest|holding|share", re.IGNORECASE)
PORTFOLIO_NAMESPACES = {"portfolios", "portfolios-api"}
# The admin is staff-only (anyone else is sent to its login page); its access is tested in test_admin.
SKIPPED_NAMESPACES = {"admin"}
METHODS = ["get", "post", "put", "patch", "delete"]
HOSTILE_BODY = {
    "name": "taken over",
    "symbol": "EVIL",
    "quantity": "999",
    "purchase_price": "1",
    "purchase_date": "2020-01-01",
    "csv": "symbol,quantity,purchase_price,purchase_date\nEVIL,1,1,2020-01-01\n",
    "confirm": "True",
}


def owned_routes():
    """(route, url name, parameter names) of every pattern that takes an owned object's id."""
    found = []
    for route, namespaces, pattern in walk(get_resolver().url_patterns):
        if set(namespaces) & SKIPPED_NAMESPACES:
            continue
        params = route_params(route)
        in_portfolio_app = bool(set(namespaces) & PORTFOLIO_NAMESPACES)
        if params and (in_portfolio_app or any(OWNED_PARAM.search(p) for p in params)):
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            found.append((route, name, params))
    return found


@pytest.fixture
def owner_objects():
    owner = UserFactory()
    lot = LotFactory(portfolio__user=owner, quantity=Decimal("7"))
    objects = {"owner": owner, "portfolio": lot.portfolio, "lot": lot}
    run_factory = getattr(factories, "OptimizationRunFactory", None)
    if run_factory is not None:
        objects["run"] = run_factory(portfolio=lot.portfolio)
    backtest_factory = getattr(factories, "BacktestRunFactory", None)
    if backtest_factory is not None:
        objects["backtest"] = backtest_factory(portfolio=lot.portfolio)
    share_factory = getattr(factories, "PortfolioShareFactory", None)
    if share_factory is not None:
        objects["share"] = share_factory(portfolio=lot.portfolio)
    return objects


def _value_for(param: str, objects: dict):
    if "lot" in param or "holding" in param:
        return objects["lot"].id
    if "portfolio" in param:
        return objects["portfolio"].id
    if "share" in param and "share" in objects:
        return objects["share"].id
    if "backtest" in param and "backtest" in objects:
        return objects["backtest"].id
    if re.search(r"run|optimi[sz]ation|backtest|job", param) and "run" in objects:
        return objects["run"].id
    return None


def test_every_route_with_an_owned_id_answers_404_to_another_user(owner_objects):
    routes = owned_routes()
    names = {name for _, name, _ in routes}
    # The walk must find the routes it is meant to police (a walker that finds nothing proves nothing).
    assert {
        "portfolios:detail",
        "portfolios:lot-edit",
        "portfolios:export",
        "portfolios-api:portfolio-detail",
        "portfolios-api:holding-detail",
        "portfolios-api:holding-import",
        "portfolios-api:performance",
        "portfolios:share-revoke",
        "portfolios-api:share-detail",
    } <= names

    owner = Client()
    owner.force_login(owner_objects["owner"])
    intruder = Client()
    intruder.force_login(UserFactory())
    uncovered = []
    for route, name, params in routes:
        kwargs = {param: _value_for(param, owner_objects) for param in params}
        if name is None or any(value is None for value in kwargs.values()):
            uncovered.append(route)
            continue
        url = reverse(name, kwargs=kwargs)
        # The ids are right: the owner is not told "not found" (405 or 200 are both fine here).
        assert owner.get(url).status_code != 404, f"owner gets 404 on {url}: the test fills {name} wrongly"
        for method in METHODS:
            if method == "get":
                response = intruder.get(url, HTTP_HX_REQUEST="true")
            else:
                response = getattr(intruder, method)(url, HOSTILE_BODY, content_type="application/json")
                form = getattr(intruder, method)(url, HOSTILE_BODY) if method == "post" else response
                assert form.status_code == 404, f"{method.upper()} (form) {url} → {form.status_code}"
            assert response.status_code == 404, f"{method.upper()} {url} → {response.status_code}"
    assert not uncovered, f"routes this test cannot fill (name them / add a factory): {uncovered}"

    portfolio = Portfolio.objects.get(pk=owner_objects["portfolio"].pk)
    lot = PortfolioAsset.objects.get(pk=owner_objects["lot"].pk)
    assert portfolio.name == owner_objects["portfolio"].name
    assert lot.quantity == Decimal("7") and lot.portfolio_id == portfolio.id
    assert PortfolioAsset.objects.count() == 1 and Portfolio.objects.count() == 1
    if "share" in owner_objects:
        assert list(PortfolioShare.objects.values_list("pk", "revoked_at")) == [(owner_objects["share"].pk, None)]


def test_lists_show_only_ones_own_portfolios():
    mine = PortfolioFactory(name="Mine")
    PortfolioFactory(name="Theirs")
    client = Client()
    client.force_login(mine.user)
    page = client.get("/portfolios/")
    assert b"Mine" in page.content and b"Theirs" not in page.content
    api = client.get("/api/v1/portfolios/").json()
    assert [p["name"] for p in api["results"]] == ["Mine"]


def test_a_lot_cannot_be_added_to_another_users_portfolio_by_id():
    theirs = PortfolioFactory()
    factories.AssetFactory(id="AAPL")
    client = Client()
    client.force_login(UserFactory())
    body = {"symbol": "AAPL", "quantity": "1", "purchase_price": "1", "purchase_date": "2020-01-02"}
    assert client.post(f"/api/v1/portfolios/{theirs.id}/holdings/", body).status_code == 404
    assert client.post(f"/portfolios/{theirs.id}/lots/", body).status_code == 404
    assert not theirs.lots.exists()


def test_anonymous_users_are_sent_to_login_or_refused():
    lot = LotFactory()
    client = Client()
    page = client.get(f"/portfolios/{lot.portfolio_id}/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert client.get(f"/api/v1/portfolios/{lot.portfolio_id}/").status_code in (401, 403)


def test_api_with_a_bearer_token_answers_404_for_another_users_portfolio():
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    lot = LotFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(UserFactory()).access_token}")
    base = f"/api/v1/portfolios/{lot.portfolio_id}/"
    assert client.get(base).status_code == 404
    assert client.delete(base).status_code == 404
    assert client.patch(f"{base}holdings/{lot.id}/", {"quantity": "1"}, format="json").status_code == 404
    assert client.get(f"{base}performance/").status_code == 404
    assert client.get("/api/v1/portfolios/").json()["results"] == []
    assert PortfolioAsset.objects.filter(pk=lot.pk, quantity=Decimal(10)).exists()
