"""Share links: the services (owner check, token handling, limit, revocation) and what the public
report holds."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.http import Http404

from apps.portfolios import selectors, services
from apps.portfolios.models import PortfolioShare
from quantumvest.errors import Conflict, NotFound
from tests.portfolios.factories import PortfolioFactory, PortfolioShareFactory, UserFactory, priced_portfolio

pytestmark = pytest.mark.django_db


def test_create_share_returns_a_long_token_and_stores_only_its_digest():
    portfolio = PortfolioFactory()
    share, token = services.create_share(portfolio=portfolio, by=portfolio.user)
    assert len(token) >= 22
    stored = PortfolioShare.objects.filter(pk=share.pk).values().get()
    assert token not in {str(value) for value in stored.values()}
    assert stored["token_hash"] == PortfolioShare.digest(token) and stored["token_hint"] == token[:6]
    assert stored["include_quantities"] is False and stored["created_by_id"] == portfolio.user_id
    assert selectors.get_shared_portfolio(token) == share


def test_two_links_of_one_portfolio_have_different_tokens():
    portfolio = PortfolioFactory()
    _, first = services.create_share(portfolio=portfolio, by=portfolio.user)
    _, second = services.create_share(portfolio=portfolio, by=portfolio.user, include_quantities=True)
    assert first != second
    assert [s.include_quantities for s in selectors.active_shares_of(portfolio)] == [True, False]


def test_another_user_cannot_create_a_share_of_my_portfolio():
    portfolio = PortfolioFactory()
    with pytest.raises(NotFound):
        services.create_share(portfolio=portfolio, by=UserFactory())
    assert not PortfolioShare.objects.exists()


def test_another_user_cannot_revoke_my_share():
    share = PortfolioShareFactory()
    with pytest.raises(NotFound):
        services.revoke_share(share=share, by=UserFactory())
    share.refresh_from_db()
    assert share.revoked_at is None


def test_the_number_of_active_links_is_bounded(monkeypatch):
    monkeypatch.setattr(services, "MAX_ACTIVE_SHARES", 2)
    portfolio = PortfolioFactory()
    first, _ = services.create_share(portfolio=portfolio, by=portfolio.user)
    services.create_share(portfolio=portfolio, by=portfolio.user)
    with pytest.raises(Conflict) as error:
        services.create_share(portfolio=portfolio, by=portfolio.user)
    assert error.value.code == "too_many_shares"
    services.revoke_share(share=first, by=portfolio.user)
    services.create_share(portfolio=portfolio, by=portfolio.user)  # a revoked link frees its place


def test_a_revoked_link_is_not_found_and_revoking_again_keeps_the_first_date():
    share = PortfolioShareFactory()
    services.revoke_share(share=share, by=share.portfolio.user)
    first = share.revoked_at
    assert first is not None
    with pytest.raises(Http404):
        selectors.get_shared_portfolio(share.token)
    services.revoke_share(share=share, by=share.portfolio.user)
    assert share.revoked_at == first


def test_unknown_and_revoked_tokens_raise_the_same_404():
    share = PortfolioShareFactory()
    services.revoke_share(share=share, by=share.portfolio.user)
    with pytest.raises(Http404) as revoked:
        selectors.get_shared_portfolio(share.token)
    with pytest.raises(Http404) as unknown:
        selectors.get_shared_portfolio("x" * 43)
    assert str(revoked.value) == str(unknown.value)


def test_the_report_without_quantities_holds_ratios_only():
    portfolio = priced_portfolio()
    report = selectors.shared_report(PortfolioShareFactory(portfolio=portfolio))
    assert report["market_value"] is None
    assert all(p["quantity"] is None and p["market_value"] is None for p in report["positions"])
    assert {f.unit for f in report["figures"]} <= {"ratio", "number"}
    assert math.isclose(sum(p["weight"] for p in report["positions"]), 1.0)
    assert math.isclose(sum(row["weight"] for row in report["allocation_by_type"]), 1.0)
    assert "user" not in report and "portfolio" not in report


def test_the_report_with_quantities_holds_units_and_their_values():
    portfolio = priced_portfolio()
    report = selectors.shared_report(PortfolioShareFactory(portfolio=portfolio, include_quantities=True))
    by_symbol = {p["symbol"]: p for p in report["positions"]}
    assert by_symbol["QVS"]["quantity"] == Decimal("31.4159")
    assert by_symbol["QVS"]["market_value"] == Decimal("31.4159") * by_symbol["QVS"]["price"]
    assert report["market_value"] == sum(p["market_value"] for p in report["positions"])


def test_the_growth_of_100_ends_at_the_time_weighted_return():
    portfolio = priced_portfolio()
    report = selectors.shared_report(PortfolioShareFactory(portfolio=portfolio))
    twr = next(f.value for f in report["figures"] if f.key == "twr")
    assert math.isclose(report["growth"][-1]["portfolio"] / 100 - 1, twr, abs_tol=1e-5)
    assert report["growth"][0]["benchmark"] == 100.0
    # The benchmark on the same scale is its own price path: SPY closes 300 + day / 3.
    assert math.isclose(report["growth"][-1]["benchmark"], 100 * (300 + 119 / 3) / 300, rel_tol=1e-6)


def test_the_report_is_as_of_the_latest_close_of_the_holdings():
    portfolio = priced_portfolio()
    report = selectors.shared_report(PortfolioShareFactory(portfolio=portfolio))
    assert str(report["as_of"]) == "2021-04-30"
    assert report["start"].isoformat() == "2021-01-01"
    assert report["market_date"].isoformat() == "2021-04-30"
