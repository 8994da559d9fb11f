"""Admin: portfolios and lots are searchable; analysts read them and cannot change them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.portfolios.models import Portfolio
from tests.portfolios.factories import LotFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot():
    return LotFactory(portfolio__name="Alice's pension", portfolio__user__email="alice@example.com")


def _client(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def test_analyst_can_search_portfolios_and_lots(lot):
    client = _client(Role.ANALYST)
    portfolios = client.get("/admin/portfolios/portfolio/", {"q": "alice@example.com"})
    assert portfolios.status_code == 200 and "Alice&#x27;s pension" in portfolios.content.decode()
    lots = client.get("/admin/portfolios/portfolioasset/", {"q": lot.asset_id})
    assert lots.status_code == 200 and "alice@example.com" in lots.content.decode()


def test_analyst_sees_a_read_only_portfolio_and_cannot_change_it(lot):
    client = _client(Role.ANALYST)
    url = f"/admin/portfolios/portfolio/{lot.portfolio_id}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(url, {"name": "Taken", "base_currency": "USD", "user": lot.portfolio.user_id})
    assert response.status_code == 403
    assert Portfolio.objects.get(pk=lot.portfolio_id).name == "Alice's pension"
    lot_url = f"/admin/portfolios/portfolioasset/{lot.id}/change/"
    assert client.post(lot_url, {"quantity": "1"}).status_code == 403
    assert client.post(f"/admin/portfolios/portfolioasset/{lot.id}/delete/", {"post": "yes"}).status_code == 403
    lot.refresh_from_db()
    assert lot.quantity == Decimal(10)


def test_investor_has_no_admin_access(lot):
    response = _client(Role.INVESTOR).get("/admin/portfolios/portfolio/")
    assert response.status_code == 302


def test_admin_change_goes_through_the_service_rules(lot):
    client = _client(Role.ADMIN)
    url = f"/admin/portfolios/portfolioasset/{lot.id}/change/"
    data = {
        "portfolio": lot.portfolio_id,
        "asset": lot.asset_id,
        "quantity": "0",
        "purchase_price": "5",
        "purchase_date": "2020-01-02",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form comes back with the error
    lot.refresh_from_db()
    assert lot.quantity == Decimal(10)
    data["quantity"] = "3"
    assert client.post(url, data).status_code == 302
    lot.refresh_from_db()
    assert lot.quantity == Decimal(3)


def test_analyst_can_list_and_read_runs_but_not_change_them(lot):
    from tests.portfolios.factories import OptimizationRunFactory

    run = OptimizationRunFactory(portfolio=lot.portfolio)
    client = _client(Role.ANALYST)
    listing = client.get("/admin/portfolios/optimizationrun/", {"q": "alice@example.com"})
    assert listing.status_code == 200 and str(run.id) in listing.content.decode()
    page = client.get(f"/admin/portfolios/optimizationrun/{run.id}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/portfolios/optimizationrun/{run.id}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/portfolios/backtestrun/").status_code == 200
