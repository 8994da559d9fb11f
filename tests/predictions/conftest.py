"""Fixtures for forecast tests: real price slices from data/sample, and a private model store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from apps.assets.models import Asset, AssetType, PriceBar, quantize_price

DATA = Path(__file__).resolve().parents[2] / "data" / "sample"


def real_closes(column: str, *, start: str, end: str) -> pd.Series:
    """Real daily closes: a stock column of PyPortfolioOpt's prices, or "BTC" from the bitcoin file."""
    if column == "BTC":
        frame = pd.read_csv(DATA / "btc_usd_2013_2019.csv", parse_dates=["date"], usecols=["date", "close"])
        series = frame.set_index("date")["close"]
    else:
        frame = pd.read_csv(DATA / "pypfopt_stock_prices.csv", parse_dates=["date"], usecols=["date", column])
        series = frame.set_index("date")[column]
    return series.dropna().loc[start:end]


def store_bars(asset: Asset, closes: pd.Series) -> None:
    """One close-only bar per row of ``closes`` (open = high = low = close)."""
    bars = []
    for day, value in closes.items():
        price = quantize_price(Decimal(repr(float(value))))
        bars.append(PriceBar(asset=asset, date=day.date(), open=price, high=price, low=price, close=price))
    PriceBar.objects.bulk_create(bars)


def make_asset(symbol: str, *, column: str | None = None, start: str = "2010-01-01", end: str = "2014-12-31") -> Asset:
    crypto = (column or symbol) == "BTC"
    asset = Asset.objects.create(
        id=symbol, name=f"{symbol} (real prices)", type=AssetType.CRYPTO if crypto else AssetType.STOCK
    )
    store_bars(asset, real_closes(column or symbol, start=start, end=end))
    return asset


@pytest.fixture(autouse=True)
def model_store(settings, tmp_path, monkeypatch) -> Path:
    """Artifacts go to a per-test directory (also for a worker process started by the test)."""
    store = tmp_path / "models"
    settings.QV_MODEL_STORE = store
    settings.QV_AUTOTRAIN_MODELS = ["naive", "drift"]
    settings.QV_REQUIRE_APPROVED_MODEL = False
    monkeypatch.setenv("QV_MODEL_STORE", str(store))
    monkeypatch.setenv("QV_AUTOTRAIN_MODELS", "naive,drift")
    return store


@pytest.fixture
def aapl(db) -> Asset:
    """AAPL, 2010–2014 (1,258 trading days of real adjusted closes)."""
    return make_asset("AAPL")


@pytest.fixture
def btc(db) -> Asset:
    """Bitcoin, 2014-06 to 2018-06 (daily, weekends included)."""
    return make_asset("BTC", start="2014-06-01", end="2018-06-30")


LAST_DAY = date(2014, 12, 31)


def version_row(asset: Asset, **extra):
    """A registry row without training (for tests of storage rules, not of forecasting)."""
    from apps.predictions.models import ModelVersion

    fields = {
        "algorithm": "selection",
        "code_version": "test",
        "training_start": date(2010, 1, 4),
        "training_end": LAST_DAY,
        "artifact": f"{asset.id}/none.joblib",
        "checksum": "0" * 64,
        "metrics": {},
    }
    fields.update(extra)
    return ModelVersion.objects.create(asset=asset, **fields)


def prediction_row(asset: Asset, version, **extra):
    """An issued prediction with plausible defaults; pass fields to override."""
    from apps.predictions.models import Prediction

    fields = {
        "model_name": "naive",
        "timeframe": "1d",
        "horizon_periods": 1,
        "as_of": date(2014, 12, 30),
        "as_of_price": Decimal("100"),
        "target_date": date(2014, 12, 31),
        "predicted_price": Decimal("100"),
        "confidence_lower": Decimal("98"),
        "confidence_upper": Decimal("102"),
        "direction": "up",
        "confidence_score": Decimal("0.55"),
    }
    fields.update(extra)
    return Prediction.objects.create(asset=asset, model_version=version, **fields)


@pytest.fixture
def plain_asset(db) -> Asset:
    return Asset.objects.create(id="TSTA", name="Test asset")
