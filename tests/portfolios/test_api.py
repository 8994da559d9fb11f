"""The portfolios API: CRUD of portfolios and lots, bulk CSV import, performance, error shape."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.portfolios.models import Portfolio, PortfolioAsset
from tests.assets.factories import AssetFactory, price_history
from tests.portfolios.factories import LotFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_and_list_only_own_portfolios(api, user):
    PortfolioFactory(name="Someone else's")
    response = api.post("/api/v1/portfolios/", {"name": "Retirement", "base_currency": "usd"}, format="json")
    assert response.status_code == 201
    assert response.json()["base_currency"] == "USD"
    listed = api.get("/api/v1/portfolios/").json()
    assert [p["name"] for p in listed["results"]] == ["Retirement"]


def test_duplicate_name_is_a_conflict_in_the_error_shape(api, user):
    PortfolioFactory(user=user, name="Growth")
    response = api.post("/api/v1/portfolios/", {"name": "growth"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "name_taken" and "name" in body["fields"]


def test_rename_and_delete_portfolio(api, user):
    portfolio = PortfolioFactory(user=user, name="Old")
    response = api.patch(f"/api/v1/portfolios/{portfolio.id}/", {"name": "New"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "New"
    assert api.delete(f"/api/v1/portfolios/{portfolio.id}/").status_code == 204
    assert not Portfolio.objects.filter(pk=portfolio.pk).exists()


def test_add_lot_and_field_errors(api, user):
    AssetFactory(id="AAPL")
    portfolio = PortfolioFactory(user=user)
    url = f"/api/v1/portfolios/{portfolio.id}/holdings/"
    ok = api.post(
        url,
        {"symbol": "aapl", "quantity": "1.5", "purchase_price": "120.25", "purchase_date": "2021-03-04"},
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["symbol"] == "AAPL" and Decimal(ok.json()["quantity"]) == Decimal("1.5")

    future = (date.today() + timedelta(days=2)).isoformat()
    bad = api.post(
        url, {"symbol": "AAPL", "quantity": "1", "purchase_price": "1", "purchase_date": future}, format="json"
    )
    assert bad.status_code == 400 and "purchase_date" in bad.json()["fields"]
    unknown = api.post(
        url, {"symbol": "NOPE", "quantity": "1", "purchase_price": "1", "purchase_date": "2021-01-01"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["fields"] == {"symbol": ["Unknown symbol 'NOPE'."]}
    negative = api.post(
        url, {"symbol": "AAPL", "quantity": "-1", "purchase_price": "0", "purchase_date": "2021-01-01"}, format="json"
    )
    assert negative.status_code == 400
    assert set(negative.json()["fields"]) == {"quantity", "purchase_price"}
    assert PortfolioAsset.objects.count() == 1


def test_lot_cannot_be_moved_to_another_portfolio_by_id(api, user):
    mine = LotFactory(portfolio__user=user)
    theirs = PortfolioFactory()
    response = api.patch(
        f"/api/v1/portfolios/{mine.portfolio_id}/holdings/{mine.id}/",
        {"portfolio": str(theirs.id), "quantity": "3"},
        format="json",
    )
    assert response.status_code == 200
    mine.refresh_from_db()
    assert mine.portfolio_id != theirs.id and mine.quantity == Decimal("3")
    assert not theirs.lots.exists()


def test_lot_of_another_portfolio_of_the_same_user_is_404_under_the_wrong_portfolio(api, user):
    lot = LotFactory(portfolio__user=user)
    other = PortfolioFactory(user=user)
    assert api.get(f"/api/v1/portfolios/{other.id}/holdings/{lot.id}/").status_code == 404


def test_bulk_csv_import_dry_run_then_apply(api, user):
    AssetFactory(id="MSFT")
    portfolio = PortfolioFactory(user=user)
    url = f"/api/v1/portfolios/{portfolio.id}/holdings/import/"
    text = "symbol,quantity,purchase_price,purchase_date\nMSFT,2,250.5,2022-01-03\nMSFT,1,300,2022-06-01\n"
    preview = api.post(url, {"csv": text, "dry_run": True}, format="json")
    assert preview.status_code == 200 and preview.json()["valid"] is True
    assert len(preview.json()["rows"]) == 2 and not portfolio.lots.exists()
    done = api.post(url, {"csv": text}, format="json")
    assert done.status_code == 201 and done.json()["imported"] == 2
    assert portfolio.lots.count() == 2


def test_bulk_csv_import_by_file_upload_is_all_or_nothing(api, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    AssetFactory(id="MSFT")
    portfolio = PortfolioFactory(user=user)
    text = b"symbol,quantity,purchase_price,purchase_date\nMSFT,2,250.5,2022-01-03\nMSFT,abc,300,2022-06-01\n"
    response = api.post(
        f"/api/v1/portfolios/{portfolio.id}/holdings/import/",
        {"file": SimpleUploadedFile("h.csv", text, content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_csv"
    assert body["fields"]["rows"][0].startswith("line 3, quantity:")
    assert not portfolio.lots.exists()


def test_performance_has_labelled_figures_and_annualisation(api, user):
    asset = AssetFactory(id="ABC")
    spy = AssetFactory(id="SPY")
    price_history(asset, [100, 101, 102, 101, 103, 104], start=date(2021, 1, 4))
    price_history(spy, [50, 50.5, 51, 50.8, 51.2, 51.5], start=date(2021, 1, 4))
    lot = LotFactory(
        portfolio__user=user,
        asset=asset,
        quantity=Decimal(2),
        purchase_price=Decimal(100),
        purchase_date=date(2021, 1, 4),
    )
    response = api.get(f"/api/v1/portfolios/{lot.portfolio_id}/performance/")
    assert response.status_code == 200
    body = response.json()
    keys = {f["key"] for f in body["figures"]}
    assert keys == {"twr", "xirr", "simple_return", "volatility", "sharpe", "sortino", "max_drawdown", "beta"}
    assert body["periods_per_year"] == 252 and body["benchmark"] == "SPY"
    assert all(f["formula"] and f["annualisation"] for f in body["figures"])
    assert Decimal(body["market_value"]) == Decimal(208)
    simple = next(f for f in body["figures"] if f["key"] == "simple_return")
    assert simple["value"] == pytest.approx(0.04)
    assert len(body["series"]) == 6


def test_performance_rejects_a_bad_risk_free_rate(api, user):
    portfolio = PortfolioFactory(user=user)
    response = api.get(f"/api/v1/portfolios/{portfolio.id}/performance/?risk_free_rate=abc")
    assert response.status_code == 400 and "risk_free_rate" in response.json()["fields"]


def test_schema_documents_the_portfolio_endpoints(api):
    from django.test import Client

    response = Client().get("/api/v1/schema/?format=json")
    paths = response.json()["paths"] if response.status_code == 200 else {}
    if response.status_code != 200:
        response = api.get("/api/v1/schema/?format=json")
        paths = response.json()["paths"]
    for path in [
        "/api/v1/portfolios/",
        "/api/v1/portfolios/{portfolio_id}/",
        "/api/v1/portfolios/{portfolio_id}/holdings/",
        "/api/v1/portfolios/{portfolio_id}/holdings/{lot_id}/",
        "/api/v1/portfolios/{portfolio_id}/holdings/import/",
        "/api/v1/portfolios/{portfolio_id}/performance/",
    ]:
        assert path in paths
