"""Optimisation services: Black-Litterman views from predictions, and a queued run on a real worker."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from rest_framework.test import APIClient

from apps.assets.models import Asset
from apps.portfolios import optimization_data, optimization_services
from apps.portfolios.models import OptimizationRun
from apps.predictions.models import ModelVersion, Prediction
from quantumvest.errors import ValidationFailed
from tests.portfolios import market
from tests.portfolios.factories import LotFactory, PortfolioFactory

SYMBOLS = ["GE", "WMT", "XOM", "JPM"]


def predict(symbol: str, *, as_of_price: str, predicted: str, lower: str, upper: str, score: str, timeframe="1m"):
    version = ModelVersion.objects.create(
        asset_id=symbol,
        algorithm="drift",
        code_version="test",
        training_start=date(2012, 1, 3),
        training_end=date(2016, 12, 30),
        artifact="x.joblib",
        checksum="0" * 64,
    )
    return Prediction.objects.create(
        asset_id=symbol,
        model_version=version,
        model_name="drift",
        timeframe=timeframe,
        horizon_periods=21 if timeframe == "1m" else 63,
        as_of=date(2016, 12, 30),
        as_of_price=Decimal(as_of_price),
        target_date=date(2017, 1, 31),
        predicted_price=Decimal(predicted),
        confidence_lower=Decimal(lower),
        confidence_upper=Decimal(upper),
        level=Decimal("0.800"),
        direction="up" if Decimal(predicted) >= Decimal(as_of_price) else "down",
        confidence_score=Decimal(score),
    )


@pytest.fixture
def stocks(db):
    return market.load_wide(market.read_wide()[SYMBOLS].loc["2012-01-01":"2016-12-31"])


def test_a_prediction_becomes_an_annualised_view_with_variance_from_its_interval(stocks):
    predict("GE", as_of_price="100", predicted="105", lower="95", upper="115", score="0.75")
    views, notes = optimization_data.prediction_views(SYMBOLS, {a.id: a for a in Asset.objects.all()})
    (view,) = views
    # (105/100)^(252/21) − 1; σ = (115 − 95)/100 / (2·z₀.₉) with z₀.₉ = 1.2815516; × 252/21; ÷ (2·0.75 − 1).
    assert view.expected_return == pytest.approx(1.05**12 - 1)
    assert view.variance == pytest.approx((0.2 / (2 * 1.2815516)) ** 2 * 12 / 0.5, rel=1e-6)
    assert "GE: 1m prediction" in notes[0]


def test_only_the_latest_prediction_of_each_asset_becomes_a_view(stocks):
    older = predict("GE", as_of_price="100", predicted="80", lower="70", upper="90", score="0.75", timeframe="3m")
    Prediction.objects.filter(pk=older.pk).update(timestamp=older.timestamp - pd.Timedelta(days=1))
    predict("GE", as_of_price="100", predicted="105", lower="95", upper="115", score="0.75")
    predict("WMT", as_of_price="50", predicted="55", lower="45", upper="65", score="0.8", timeframe="3m")
    assets = {a.id: a for a in Asset.objects.filter(id__in=SYMBOLS)}
    views, notes = optimization_data.prediction_views(SYMBOLS, assets)
    assert [(v.symbol, round(v.expected_return, 6)) for v in views] == [
        ("GE", round(1.05**12 - 1, 6)),
        ("WMT", round(1.1 ** (252 / 63) - 1, 6)),
    ]
    assert len(notes) == 2


def test_black_litterman_tilts_towards_a_confident_bullish_prediction(stocks):
    portfolio = PortfolioFactory()
    for symbol in SYMBOLS:
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("10"), purchase_price=Decimal("30"))
    predict("XOM", as_of_price="90", predicted="99", lower="97", upper="101", score="0.95")
    api = APIClient()
    api.force_authenticate(portfolio.user)
    body = {"risk_free_rate": 0.0, "frontier_points": 0, "start": "2012-01-01", "end": "2016-12-31"}
    plain = api.post(f"/api/v1/portfolios/{portfolio.id}/optimize/", {**body, "objective": "max_sharpe"}, format="json")
    tilted = api.post(
        f"/api/v1/portfolios/{portfolio.id}/optimize/", {**body, "objective": "black_litterman"}, format="json"
    )
    assert tilted.status_code == 200, tilted.json()
    assert tilted.json()["weights"]["XOM"] > plain.json()["weights"]["XOM"] + 0.2
    assert any("XOM: 1m prediction" in note for note in tilted.json()["notes"])


def test_backtest_of_black_litterman_is_refused_as_look_ahead(stocks):
    request = optimization_services.build_request(objective="black_litterman", backtest={})
    portfolio = PortfolioFactory()
    LotFactory(portfolio=portfolio, asset_id="GE")
    LotFactory(portfolio=portfolio, asset_id="WMT")
    with pytest.raises(ValidationFailed) as error:
        optimization_services.request_backtest(portfolio=portfolio, user=portfolio.user, request=request)
    assert "objective" in error.value.fields


@pytest.mark.django_db(transaction=True)
def test_a_queued_run_is_computed_by_a_real_worker(celery_worker_process, settings):
    market.load_wide(market.read_wide()[SYMBOLS].loc["2014-01-01":"2016-12-31"])
    settings.QV_OPTIMIZE_SYNC_BUDGET = 1
    portfolio = PortfolioFactory()
    for symbol in SYMBOLS:
        LotFactory(portfolio=portfolio, asset_id=symbol, quantity=Decimal("10"), purchase_price=Decimal("30"))
    api = APIClient()
    api.force_authenticate(portfolio.user)
    response = api.post(
        f"/api/v1/portfolios/{portfolio.id}/optimize/",
        {"objective": "min_volatility", "frontier_points": 5},
        format="json",
    )
    assert response.status_code == 202
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run = api.get(response.json()["job_url"]).json()
        if run["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    assert run["status"] == "succeeded", run
    assert run["progress"] == 100 and len(run["frontier"]) == 5
    assert OptimizationRun.objects.get(pk=run["id"]).finished_at is not None


def test_crypto_beside_stocks_uses_exchange_days_and_fractional_units(stocks):
    btc = pd.read_csv(market.DATA / "btc_usd_2013_2019.csv", parse_dates=["date"], index_col="date")
    market.load_wide(
        btc[["close"]].loc["2015-01-01":"2016-12-31"].rename(columns={"close": "BTC-USD"}), asset_type="crypto"
    )
    portfolio = PortfolioFactory()
    LotFactory(portfolio=portfolio, asset_id="GE", quantity=Decimal("100"), purchase_price=Decimal("30"))
    LotFactory(portfolio=portfolio, asset_id="BTC-USD", quantity=Decimal("2"), purchase_price=Decimal("400"))
    api = APIClient()
    api.force_authenticate(portfolio.user)
    body = {"objective": "min_volatility", "candidates": ["WMT"], "start": "2015-01-01", "end": "2016-12-31"}
    run = api.post(f"/api/v1/portfolios/{portfolio.id}/optimize/", {**body, "frontier_points": 0}, format="json").json()
    assert run["status"] == "succeeded", run
    assert any("exchange days only" in note for note in run["notes"])
    # Exchange days only: 2015-01-02 .. 2016-12-30 has 504 of them (not 730 calendar days).
    assert any(note.startswith("Estimation window: 2015-01-02 to 2016-12-30 (504 days)") for note in run["notes"])
    units = Decimal(run["allocation"]["BTC-USD"])
    assert units != units.to_integral_value() and -units.as_tuple().exponent <= 8
    assert Decimal(run["allocation"]["GE"]) == Decimal(run["allocation"]["GE"]).to_integral_value()
