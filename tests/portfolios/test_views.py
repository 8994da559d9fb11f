"""Portfolio pages through real URLs: full pages, htmx partials, form errors in place, query counts."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.portfolios.models import Portfolio, PortfolioAsset
from tests.assets.factories import AssetFactory, price_history
from tests.portfolios.factories import LotFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def client(user):
    client = Client()
    client.force_login(user)
    return client


def test_create_portfolio_redirects_to_its_page(client, user):
    response = client.post("/portfolios/", {"name": "Pension", "base_currency": "eur"})
    portfolio = Portfolio.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == f"/portfolios/{portfolio.id}/"
    assert portfolio.base_currency == "EUR"


def test_create_portfolio_errors_come_back_in_the_form_fragment(client, user):
    PortfolioFactory(user=user, name="Pension")
    response = client.post("/portfolios/", {"name": "pension", "base_currency": "USD"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="create-form"' in html and "<html" not in html
    assert "already have a portfolio with this name" in html
    assert response["Vary"].lower().count("hx-request") == 1


def test_rename_with_htmx_returns_the_header(client, user):
    portfolio = PortfolioFactory(user=user, name="Old")
    response = client.post(f"/portfolios/{portfolio.id}/rename/", {"name": "New name"}, **HTMX)
    assert response.status_code == 200 and "New name" in response.content.decode()
    portfolio.refresh_from_db()
    assert portfolio.name == "New name"


def test_delete_asks_then_deletes(client, user):
    portfolio = PortfolioFactory(user=user)
    assert client.get(f"/portfolios/{portfolio.id}/delete/").status_code == 200
    response = client.post(f"/portfolios/{portfolio.id}/delete/")
    assert response.status_code == 302 and not Portfolio.objects.filter(pk=portfolio.pk).exists()


def test_add_lot_inline_shows_field_errors_in_place(client, user):
    AssetFactory(id="AAPL")
    portfolio = PortfolioFactory(user=user)
    future = (date.today() + timedelta(days=3)).isoformat()
    response = client.post(
        f"/portfolios/{portfolio.id}/lots/",
        {"symbol": "ZZZZ", "quantity": "0", "purchase_price": "10", "purchase_date": future},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="holdings"' in html and "<html" not in html
    for field, message in [
        ("symbol", "Unknown symbol &#x27;ZZZZ&#x27;."),
        ("quantity", "Must be greater than zero."),
        ("purchase_date", "The purchase date cannot be in the future."),
    ]:
        assert message in html.split(f'id="id_{field}_error"', 1)[1][:300], field
    assert not PortfolioAsset.objects.exists()


def test_add_lot_with_htmx_returns_the_holdings_and_triggers_a_refresh(client, user):
    AssetFactory(id="AAPL")
    portfolio = PortfolioFactory(user=user)
    response = client.post(
        f"/portfolios/{portfolio.id}/lots/",
        {"symbol": "aapl", "quantity": "2", "purchase_price": "10.5", "purchase_date": "2021-05-03"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "holdings-changed" in json.loads(response["HX-Trigger"])
    assert "AAPL" in response.content.decode()
    lot = PortfolioAsset.objects.get()
    assert lot.quantity == Decimal(2) and lot.purchase_price == Decimal("10.5")


def test_unknown_symbol_error_is_on_the_symbol_field(client, user):
    portfolio = PortfolioFactory(user=user)
    response = client.post(
        f"/portfolios/{portfolio.id}/lots/",
        {"symbol": "NOPE", "quantity": "1", "purchase_price": "1", "purchase_date": "2021-01-04"},
        **HTMX,
    )
    html = response.content.decode()
    error_block = html.split('id="id_symbol_error"', 1)[1][:300]
    assert response.status_code == 422 and "Unknown symbol" in error_block


def test_edit_lot_row_then_save(client, user):
    lot = LotFactory(portfolio__user=user)
    url = f"/portfolios/{lot.portfolio_id}/lots/{lot.id}/edit/"
    form = client.get(url, **HTMX)
    assert form.status_code == 200 and f'id="lot-{lot.id}"' in form.content.decode()
    prefix = f"lot-{lot.id.hex[:8]}"
    data = {
        f"{prefix}-symbol": lot.asset_id,
        f"{prefix}-quantity": "4",
        f"{prefix}-purchase_price": "-1",
        f"{prefix}-purchase_date": "2020-01-02",
    }
    bad = client.post(url, data, **HTMX)
    assert bad.status_code == 422 and bad["HX-Retarget"] == f"#lot-{lot.id}"
    data[f"{prefix}-purchase_price"] = "12"
    good = client.post(url, data, **HTMX)
    assert good.status_code == 200 and "holdings-changed" in json.loads(good["HX-Trigger"])
    lot.refresh_from_db()
    assert lot.quantity == Decimal(4) and lot.purchase_price == Decimal(12)


def test_edit_lot_page_works_without_javascript(client, user):
    lot = LotFactory(portfolio__user=user)
    page = client.get(f"/portfolios/{lot.portfolio_id}/lots/{lot.id}/edit/")
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_edit_lot_form_shows_whole_numbers_as_typed_not_in_exponent_notation(client, user):
    lot = LotFactory(portfolio__user=user, quantity=Decimal("20"), purchase_price=Decimal("430"))
    html = client.get(f"/portfolios/{lot.portfolio_id}/lots/{lot.id}/edit/", **HTMX).content.decode()
    assert 'value="20"' in html and 'value="430"' in html
    assert "E+" not in html


def test_delete_lot(client, user):
    lot = LotFactory(portfolio__user=user)
    response = client.post(f"/portfolios/{lot.portfolio_id}/lots/{lot.id}/delete/", **HTMX)
    assert response.status_code == 200 and not PortfolioAsset.objects.exists()


def test_detail_page_shows_valuation_weights_and_chart_data(client, user):
    a, b = AssetFactory(id="AAA"), AssetFactory(id="BBB")
    price_history(a, [10, 11, 12], start=date(2021, 1, 4))
    price_history(b, [20, 20, 30], start=date(2021, 1, 4))
    portfolio = PortfolioFactory(user=user)
    LotFactory(
        portfolio=portfolio, asset=a, quantity=Decimal(10), purchase_price=Decimal(10), purchase_date=date(2021, 1, 4)
    )
    LotFactory(
        portfolio=portfolio, asset=b, quantity=Decimal(2), purchase_price=Decimal(20), purchase_date=date(2021, 1, 4)
    )
    response = client.get(f"/portfolios/{portfolio.id}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "180.00 USD" in html  # 10 × 12 + 2 × 30
    assert "66.7%" in html and "33.3%" in html  # weights
    assert 'id="portfolio-charts"' in html and "js/portfolio.js" in html
    assert "How it is computed" in html and "Annualisation: 252" in html


def test_performance_partial_for_another_benchmark(client, user):
    lot = LotFactory(portfolio__user=user)
    response = client.get(f"/portfolios/{lot.portfolio_id}/performance/?benchmark=qqq", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="performance"' in html and "<html" not in html
    assert "QQQ (no prices)" in html


def _portfolio_with_lots(user, n_lots: int, n_assets: int = 10) -> Portfolio:
    portfolio = PortfolioFactory(user=user)
    assets = [AssetFactory(id=f"Q{i}") for i in range(n_assets)]
    for i, asset in enumerate(assets):
        if not asset.bars.exists():
            price_history(asset, [100 + i + d % 7 for d in range(60)], start=date(2021, 1, 1))
    PortfolioAsset.objects.bulk_create(
        PortfolioAsset(
            portfolio=portfolio,
            asset=assets[i % n_assets],
            quantity=Decimal(1 + i % 5),
            purchase_price=Decimal(100),
            purchase_date=date(2021, 1, 1) + timedelta(days=i % 50),
        )
        for i in range(n_lots)
    )
    return portfolio


@pytest.mark.parametrize("path", ["", "performance/"])
def test_portfolio_page_query_count_is_constant_in_the_number_of_lots(client, user, path):
    small = _portfolio_with_lots(user, 20)
    large = _portfolio_with_lots(user, 200)
    counts = []
    for portfolio in (small, large):
        client.get(f"/portfolios/{portfolio.id}/{path}")  # warm the session and content types
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/portfolios/{portfolio.id}/{path}")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts


def test_export_is_formula_safe_and_reimports(client, user):
    weird = AssetFactory(id="-X2")
    portfolio = PortfolioFactory(user=user, name="My stocks")
    LotFactory(portfolio=portfolio, asset=weird, quantity=Decimal("12.50"), purchase_price=Decimal("3.25"))
    response = client.get(f"/portfolios/{portfolio.id}/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert re.search(r'filename="my-stocks-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"])
    lines = response.content.decode().splitlines()
    assert lines[0] == "symbol,quantity,purchase_price,purchase_date"
    assert lines[1] == "'-X2,12.5,3.25,2020-01-02"


def test_performance_fragment_carries_its_chart_data_without_a_script_element(client, user):
    # htmx (allowScriptTags false) drops <script> elements from swapped fragments: the data must
    # travel in an attribute for the charts to redraw after a lot change.
    import html as html_lib
    import re

    asset = AssetFactory(id="AAA")
    price_history(asset, [10, 11, 12], start=date(2021, 1, 4))
    lot = LotFactory(portfolio__user=user, asset=asset, purchase_date=date(2021, 1, 4))
    fragment = client.get(f"/portfolios/{lot.portfolio_id}/performance/", **HTMX).content.decode()
    assert "<script" not in fragment
    data = json.loads(html_lib.unescape(re.search(r'data-portfolio-charts="([^"]*)"', fragment).group(1)))
    assert data["dates"] == ["2021-01-04", "2021-01-05", "2021-01-06"]
    assert data["value"] == [100.0, 110.0, 120.0] and data["by_asset"] == [{"name": "AAA", "value": 120.0}]
