"""Smoke set on the `make run` configuration: every page and API route once, and the key flows.

Data comes through the real services: real sample price files (data/sample) imported with the
import service, a portfolio with lots from the portfolio services, a forecast requested through the
API (it runs eagerly, as in `make run`). Tests are transactional so that ``on_commit`` hooks (job
submission) fire exactly as they do in the development server.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from apps.assets.models import Asset, ImportJob, PriceBar
from apps.assets.services import import_price_file
from apps.portfolios import services as portfolio_services
from apps.portfolios.models import BacktestRun, OptimizationRun
from apps.predictions.models import Prediction, PredictionJob
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.home.factories import NotificationFactory
from tests.onchain.factories import TokenFactory, TrackedAddressFactory

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
SPY = SAMPLE / "yahoo_SPY_2008_2017.csv"
BTC = SAMPLE / "btc_usd_2013_2019.csv"


@pytest.fixture
def world():
    """Two real assets with their bars, an analyst with a two-lot portfolio, and API clients."""
    import_price_file(SPY, format="ohlcv", symbol="SPY", create_assets=True, asset_type="etf")
    import_price_file(BTC, format="ohlcv", symbol="BTC-USD", create_assets=True, asset_type="crypto")
    analyst = UserFactory(email="analyst@example.com", role="analyst")
    portfolio = portfolio_services.create_portfolio(user=analyst, name="Smoke")
    lots = [
        portfolio_services.add_lot(
            portfolio=portfolio,
            symbol=symbol,
            quantity=Decimal(quantity),
            purchase_price=Decimal(price),
            purchase_date=date(2016, 3, 1),
        )
        for symbol, quantity, price in [("SPY", "10", "198.11"), ("BTC-USD", "0.5", "433.27")]
    ]
    site = Client()
    response = site.post("/accounts/login/", {"username": analyst.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    api = APIClient()
    token = api.post("/api/v1/auth/token/", {"email": analyst.email, "password": DEFAULT_PASSWORD}, format="json")
    assert token.status_code == 200, token.json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    return {"user": analyst, "portfolio": portfolio, "lots": lots, "site": site, "api": api}


def request_forecast(api, symbol: str) -> dict:
    response = api.post(f"/api/v1/assets/{symbol}/predictions/", {}, format="json")
    assert response.status_code == 202, response.json()
    job = api.get(response["Location"])
    assert job.status_code == 200
    return job.json()


def track_a_transfer(api) -> dict:
    """A transfer sent on the in-process chain, tracked through the API."""
    from apps.onchain.chain import get_chain

    receipt = get_chain().send_value("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 10**15)
    response = api.post("/api/v1/onchain/transactions/", {"tx_hash": receipt.tx_hash}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_transfer_on_the_in_process_chain_is_tracked_to_confirmed(world):
    tracked = track_a_transfer(world["api"])
    assert (tracked["status"], tracked["value"], tracked["network"]) == (
        "confirmed",
        str(10**15),
        "In-process chain (eth-tester)",
    )
    page = world["site"].get(f"/onchain/transactions/{tracked['id']}/")
    assert page.status_code == 200 and "0.001</span> ETH" in page.content.decode()


def test_a_forecast_job_runs_eagerly_and_succeeds(world):
    job = request_forecast(world["api"], "SPY")
    assert job["state"] == "succeeded", job
    assert PredictionJob.objects.get().state == "succeeded"
    assert set(Prediction.objects.filter(asset_id="SPY").values_list("timeframe", flat=True)) == {
        "1d",
        "1w",
        "1m",
        "3m",
    }


def test_black_litterman_through_the_api_and_the_page(world):
    for symbol in ("SPY", "BTC-USD"):
        assert request_forecast(world["api"], symbol)["state"] == "succeeded"
    portfolio = world["portfolio"]
    body = {"objective": "black_litterman", "frontier_points": 0, "start": "2016-01-01", "end": "2017-12-31"}
    response = world["api"].post(f"/api/v1/portfolios/{portfolio.id}/optimize/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "succeeded"
    assert set(response.json()["weights"]) == {"SPY", "BTC-USD"}
    assert any("SPY: 1m prediction" in note or "SPY: 3m prediction" in note for note in response.json()["notes"])

    form = {
        "objective": "black_litterman",
        "expected_returns": "mean_historical",
        "risk_model": "ledoit_wolf",
        "risk_free_rate": "2",
        "weight_min": "0",
        "weight_max": "100",
        "start": "2016-01-01",
        "end": "2017-12-31",
        "window": "252",
        "rebalance_every": "21",
        "cost_pct": "0.1",
    }
    page = world["site"].post(f"/portfolios/{portfolio.id}/optimize/", form)
    assert page.status_code == 302, page.context["form"].errors
    run = OptimizationRun.objects.get(pk=page["Location"].rstrip("/").rsplit("/", 1)[1])
    assert run.state == "succeeded", run.error
    assert world["site"].get(page["Location"]).status_code == 200
    assert not OptimizationRun.objects.exclude(state="succeeded").exists()


def test_a_backtest_runs_to_the_end(world):
    body = {
        "objective": "max_sharpe",
        "frontier_points": 0,
        "start": "2014-01-01",
        "end": "2017-12-31",
        "backtest": {"window": 252, "rebalance_every": 63, "cost_bps": 10},
    }
    response = world["api"].post(f"/api/v1/portfolios/{world['portfolio'].id}/backtest/", body, format="json")
    assert response.status_code in (200, 202), response.json()
    detail = world["api"].get(f"/api/v1/backtests/{response.json()['id']}/")
    assert detail.status_code == 200
    assert detail.json()["status"] == "succeeded", detail.json()
    assert BacktestRun.objects.get().state == "succeeded"


def test_a_price_import_through_the_api_and_the_analyst_page(world, tmp_path):
    rows = "Date,Open,High,Low,Close,Volume\n2018-01-02,10,11,9,10.5,100\n2018-01-03,10.5,12,10,11.25,200\n"
    upload = tmp_path / "ACME.csv"
    upload.write_text(rows)
    with upload.open("rb") as handle:
        response = world["api"].post(
            "/api/v1/assets/ACME/prices/import/",
            {"file": handle, "format": "ohlcv", "create_assets": "true"},
            format="multipart",
        )
    assert response.status_code == 200, response.json()
    assert PriceBar.objects.filter(asset_id="ACME").count() == 2
    assert PriceBar.objects.get(asset_id="ACME", date=date(2018, 1, 3)).close == Decimal("11.25")

    upload.write_text("Date,Close\n2018-01-02,20\n2018-01-03,21.5\n2018-01-04,22\n")
    with upload.open("rb") as handle:
        page = world["site"].post(
            "/assets/import/",
            {"file": handle, "format": "ohlcv", "symbol": "WIDGET", "create_assets": "on"},
        )
    assert page.status_code == 302, page.context["form"].errors
    job = ImportJob.objects.get()
    assert job.state == "succeeded", job.error
    assert PriceBar.objects.filter(asset_id="WIDGET").count() == 3
    assert world["site"].get(page["Location"]).status_code == 200


def test_load_demo_fills_an_empty_database():
    assert not Asset.objects.exists()
    call_command("load_demo", verbosity=0)
    assert {"SPY", "BTC-USD", "AAPL", "XOM"} <= set(Asset.objects.values_list("id", flat=True))
    assert PriceBar.objects.filter(asset_id="SPY").count() > 2000
    assert PriceBar.objects.filter(asset_id="BTC-USD").count() > 2000


def test_black_litterman_on_the_demo_data_of_make_run(world):
    """What a `make run` user does: demo data, forecasts for two holdings, then Black-Litterman over
    the whole history (stocks and crypto mixed)."""
    call_command("load_demo", verbosity=0)
    portfolio = world["portfolio"]
    portfolio_services.add_lot(
        portfolio=portfolio,
        symbol="AAPL",
        quantity=Decimal("5"),
        purchase_price=Decimal("101.50"),
        purchase_date=date(2016, 3, 1),
    )
    for symbol in ("AAPL", "BTC-USD"):
        assert request_forecast(world["api"], symbol)["state"] == "succeeded"
    response = world["api"].post(
        f"/api/v1/portfolios/{portfolio.id}/optimize/", {"objective": "black_litterman"}, format="json"
    )
    assert response.status_code in (200, 202), response.json()
    run = world["api"].get(f"/api/v1/optimizations/{response.json()['id']}/").json()
    assert run["status"] == "succeeded", run
    assert set(run["weights"]) == {"SPY", "BTC-USD", "AAPL"}
    assert sum(run["weights"].values()) == pytest.approx(1.0, abs=1e-6)


# --- Every route once ------------------------------------------------------------------------------


def _routes(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """(route with <converters>, full name) of every pattern under ``resolver``, admin excluded."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}"


def _fill(route: str, name: str, ids: dict) -> str:
    path = route
    for key, value in ids["by_name"].get(name, {}).items():
        for converter in ("", "uuid:", "int:", "str:"):
            path = path.replace(f"<{converter}{key}>", str(value))
    for key, value in ids["common"].items():
        path = (
            path.replace(f"<str:{key}>", str(value))
            .replace(f"<uuid:{key}>", str(value))
            .replace(f"<int:{key}>", str(value))
            .replace(f"<{key}>", str(value))
        )
    assert "<" not in path, f"no id for {route} ({name})"
    return "/" + path.lstrip("^").rstrip("$")


# Routes that must not run in the walk: they end the session the rest of the walk needs.
SESSION_ENDING = {"accounts:logout", "accounts-api:logout"}


def test_every_page_and_api_route_answers_without_a_server_error(world):
    user, portfolio = world["user"], world["portfolio"]
    forecast = request_forecast(world["api"], "SPY")
    body = {"objective": "max_sharpe", "frontier_points": 0, "start": "2016-01-01"}
    run = world["api"].post(f"/api/v1/portfolios/{portfolio.id}/optimize/", body, format="json").json()
    backtest = (
        world["api"]
        .post(
            f"/api/v1/portfolios/{portfolio.id}/backtest/",
            {**body, "backtest": {"window": 252, "rebalance_every": 63}},
            format="json",
        )
        .json()
    )
    import_job = ImportJob.objects.create(user=user, filename="x.csv", state="succeeded")
    tracked = track_a_transfer(world["api"])
    wallet = TrackedAddressFactory(owner=user)
    token = TokenFactory()
    TrackedAddressFactory(owner=user, kind="token", address=token.address, token=token)
    share = (
        world["api"]
        .post(f"/api/v1/portfolios/{portfolio.id}/shares/", {"include_quantities": False}, format="json")
        .json()
    )
    alert = world["api"].post("/api/v1/alerts/", {"kind": "job_finished"}, format="json").json()
    notification = NotificationFactory(user=user, title="Smoke notification")
    ids = {
        "common": {
            "symbol": "SPY",
            "portfolio_id": portfolio.id,
            "lot_id": world["lots"][0].id,
            "run_id": run["id"],
            "backtest_id": backtest["id"],
            "pk": Prediction.objects.filter(asset_id="SPY").first().pk,
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "alert_id": alert["id"],
            "notification_id": notification.pk,
            "kind": "price_above",
        },
        "by_name": {
            "assets:import-job": {"job_id": import_job.pk},
            "assets-api:import-job-detail": {"job_id": import_job.pk},
            "predictions:job": {"job_id": forecast["id"]},
            "predictions-api:job-detail": {"job_id": forecast["id"]},
            "onchain:transaction": {"transaction_id": tracked["id"]},
            "onchain:transaction-delete": {"transaction_id": tracked["id"]},
            "onchain-api:transaction-detail": {"transaction_id": tracked["id"]},
            "onchain:address-row": {"address_id": wallet.pk},
            "onchain:address-edit": {"address_id": wallet.pk},
            "onchain:address-delete": {"address_id": wallet.pk},
            "onchain-api:address-detail": {"address_id": wallet.pk},
            "onchain-api:token-daily": {"address": token.address},
            "portfolios:share-revoke": {"share_id": share["id"]},
            "portfolios-api:share-detail": {"share_id": share["id"]},
            "shared:portfolio": {"token": share["token"]},
            "shared-api:portfolio": {"token": share["token"]},
        },
    }
    answered = {}
    for route, name in _routes(get_resolver()):
        if name in SESSION_ENDING:
            continue
        path = _fill(route, name, ids)
        client = world["api"] if path.startswith("/api/v1/") else world["site"]
        response = client.get(path)
        answered[path] = response.status_code
        assert response.status_code < 500, f"GET {path} ({name}) answered {response.status_code}"
    assert len(answered) > 50
    ok = [p for p, code in answered.items() if code == 200]
    # And once more signed out: a login redirect, 401 or 405, never a server error.
    anonymous_site, anonymous_api = Client(), APIClient()
    for path in answered:
        response = (anonymous_api if path.startswith("/api/v1/") else anonymous_site).get(path)
        assert response.status_code < 500, f"anonymous GET {path} answered {response.status_code}"
    for must in (
        "/assets/SPY/",
        f"/portfolios/{portfolio.id}/",
        "/api/v1/assets/SPY/prices/",
        "/track-record/",
        "/onchain/",
        "/api/v1/onchain/status/",
        f"/shared/{share['token']}/",
        f"/api/v1/shared/{share['token']}/",
    ):
        assert must in ok, answered


def test_every_admin_page_answers_without_a_server_error(world):
    site = world["site"]
    user = world["user"]
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert site.get("/admin/").status_code == 200
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        paths = [base, f"{base}add/"]
        obj = model._default_manager.first()
        if obj is not None:
            paths += [f"{base}{obj.pk}/change/", f"{base}{obj.pk}/history/"]
        for path in paths:
            response = site.get(path)
            assert response.status_code < 500, f"GET {path} answered {response.status_code}"
