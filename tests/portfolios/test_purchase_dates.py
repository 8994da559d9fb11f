"""A lot dated after its asset's last price cannot be valued: every face refuses it, naming that date.

The prices here end years before the wall clock (as the demo's do), so "not in the future" alone
would accept these purchases; the rule must come from the data.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.portfolios import holdings_csv, services
from apps.portfolios.models import PortfolioAsset
from quantumvest.errors import ValidationFailed
from tests.assets.factories import AssetFactory, price_history
from tests.portfolios.factories import LotFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
HEADER = "symbol,quantity,purchase_price,purchase_date\n"
REFUSAL = "AAPL's prices end on 2018-04-11; a purchase after that date cannot be valued."


@pytest.fixture
def aapl():
    asset = AssetFactory(id="AAPL")
    price_history(asset, [170, 172, 174], start=date(2018, 4, 9))  # last bar 2018-04-11
    return asset


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def portfolio(user):
    return PortfolioFactory(user=user)


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _lot(**fields) -> dict:
    return {"symbol": "AAPL", "quantity": "1", "purchase_price": "170", "purchase_date": "2018-04-12", **fields}


def test_the_service_refuses_a_purchase_after_the_last_price_naming_that_date(aapl, portfolio):
    with pytest.raises(ValidationFailed) as refused:
        services.add_lot(
            portfolio=portfolio,
            symbol="aapl",
            quantity=Decimal(1),
            purchase_price=Decimal(170),
            purchase_date=date(2025, 3, 1),
        )

    assert refused.value.fields == {"purchase_date": [REFUSAL]}
    assert not PortfolioAsset.objects.exists()


def test_a_purchase_on_the_last_price_date_is_accepted(aapl, portfolio):
    lot = services.add_lot(
        portfolio=portfolio,
        symbol="AAPL",
        quantity=Decimal(1),
        purchase_price=Decimal(170),
        purchase_date=date(2018, 4, 11),
    )

    assert lot.purchase_date == date(2018, 4, 11)


def test_an_asset_without_prices_yet_keeps_only_the_future_check(portfolio):
    AssetFactory(id="NEWCO")

    lot = services.add_lot(
        portfolio=portfolio,
        symbol="NEWCO",
        quantity=Decimal(1),
        purchase_price=Decimal(5),
        purchase_date=date(2025, 3, 1),
    )

    assert lot.asset_id == "NEWCO"


def test_the_future_check_still_holds(aapl, portfolio):
    with pytest.raises(ValidationFailed) as refused:
        services.add_lot(
            portfolio=portfolio,
            symbol="AAPL",
            quantity=Decimal(1),
            purchase_price=Decimal(1),
            purchase_date=date(9999, 1, 1),
        )

    assert refused.value.fields == {"purchase_date": ["The purchase date cannot be in the future."]}


def test_the_lot_form_refuses_it_in_place(browser, aapl, portfolio):
    response = browser.post(f"/portfolios/{portfolio.id}/lots/", _lot(), **HTMX)

    assert response.status_code == 422
    assert (
        "AAPL&#x27;s prices end on 2018-04-11; a purchase after that date cannot be valued."
        in response.content.decode()
    )
    assert not portfolio.lots.exists()


def test_the_lot_edit_refuses_it_and_keeps_the_lot(browser, aapl, portfolio):
    lot = LotFactory(portfolio=portfolio, asset=aapl, purchase_date=date(2018, 4, 10))
    prefix = f"lot-{lot.id.hex[:8]}"
    data = {f"{prefix}-{name}": value for name, value in _lot(purchase_date="2019-01-02").items()}

    response = browser.post(f"/portfolios/{portfolio.id}/lots/{lot.id}/edit/", data, **HTMX)

    assert response.status_code == 422
    assert "prices end on 2018-04-11" in response.content.decode()
    lot.refresh_from_db()
    assert lot.purchase_date == date(2018, 4, 10)


def test_moving_a_lot_to_an_asset_whose_prices_end_earlier_is_refused(api, aapl, portfolio):
    later = AssetFactory(id="LATER")
    price_history(later, [10, 11], start=date(2019, 6, 3))
    lot = LotFactory(portfolio=portfolio, asset=later, purchase_date=date(2019, 6, 4))

    response = api.patch(f"/api/v1/portfolios/{portfolio.id}/holdings/{lot.id}/", {"symbol": "AAPL"}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"purchase_date": [REFUSAL]}
    lot.refresh_from_db()
    assert lot.asset_id == "LATER"


def test_the_api_answers_400_with_the_field(api, aapl, portfolio):
    response = api.post(f"/api/v1/portfolios/{portfolio.id}/holdings/", _lot(), format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"purchase_date": [REFUSAL]}
    assert not portfolio.lots.exists()


def test_the_csv_parser_names_the_line_and_the_field():
    text = HEADER + "AAPL,1,170,2018-04-11\nAAPL,1,170,2018-04-12\nMSFT,1,90,2018-04-12\n"

    parsed = holdings_csv.parse(
        text,
        known_symbols=lambda symbols: symbols,
        today=date(2026, 1, 1),
        last_price_dates=lambda symbols: {"AAPL": date(2018, 4, 11), "MSFT": date(2018, 4, 30)},
    )

    assert [error.as_dict() for error in parsed.errors] == [{"line": 3, "column": "purchase_date", "reason": REFUSAL}]
    assert [row.line for row in parsed.rows] == [2, 4]


def test_the_csv_import_refuses_the_whole_file_with_the_line(api, aapl, portfolio):
    LotFactory(portfolio=portfolio, asset=aapl, purchase_date=date(2018, 4, 9))
    text = HEADER + "AAPL,1,170,2018-04-10\nAAPL,2,171,2021-07-01\n"
    url = f"/api/v1/portfolios/{portfolio.id}/holdings/import/"

    preview = api.post(url, {"csv": text, "dry_run": True}, format="json")
    applied = api.post(url, {"csv": text}, format="json")

    assert preview.status_code == 200 and preview.json()["valid"] is False
    assert applied.status_code == 400
    assert applied.json()["fields"]["rows"] == [f"line 3, purchase_date: {REFUSAL}"]
    assert portfolio.lots.count() == 1  # the lot it had; nothing of the file


def test_the_import_page_lists_the_line_error_and_keeps_the_text(browser, aapl, portfolio):
    text = HEADER + "AAPL,2,171,2021-07-01\n"

    response = browser.post(f"/portfolios/{portfolio.id}/import/", {"csv": text}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "prices end on 2018-04-11" in html and "2021-07-01" in html
    assert not portfolio.lots.exists()


def test_the_portfolio_page_shows_the_market_date_and_which_closes_end_before_it(browser, aapl, portfolio):
    price_history(AssetFactory(id="SPY"), [320, 321], start=date(2019, 12, 30))  # the market date: 2019-12-31
    LotFactory(portfolio=portfolio, asset=aapl, purchase_date=date(2018, 4, 9))

    html = " ".join(browser.get(f"/portfolios/{portfolio.id}/").content.decode().split())

    assert "market data as of 2019-12-31, and a close dated earlier is that asset's last price" in html
    assert "2018-04-11 (its last)" in html
    assert "to 2018-04-11 (market data as of 2019-12-31)" in html


def test_the_admin_refuses_it_as_a_field_error(aapl, portfolio):
    from apps.accounts.roles import Role

    admin = Client()
    admin.force_login(UserFactory(role=Role.ADMIN))
    lot = LotFactory(portfolio=portfolio, asset=aapl, purchase_date=date(2018, 4, 10))
    data = {
        "portfolio": portfolio.id,
        "asset": "AAPL",
        "quantity": "3",
        "purchase_price": "5",
        "purchase_date": "2019-06-03",
    }

    response = admin.post(f"/admin/portfolios/portfolioasset/{lot.id}/change/", data)

    assert response.status_code == 200  # the form again, with the error
    assert "prices end on 2018-04-11" in response.content.decode()
    lot.refresh_from_db()
    assert lot.purchase_date == date(2018, 4, 10) and lot.quantity == Decimal(10)
