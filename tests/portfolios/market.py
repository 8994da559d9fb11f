"""Real price files loaded into the ORM for optimisation tests and benchmarks.

Bars are built directly from the wide CSV (date + one adjusted-close column per symbol, empty before
a listing), with open = high = low = close = the file's value, which PostgreSQL stores to 8 places.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from apps.assets.models import Asset, AssetType, PriceBar, quantize_price

DATA = Path(__file__).resolve().parents[2] / "data" / "sample"
PYPFOPT_PRICES = DATA / "pypfopt_stock_prices.csv"


def read_wide(path: Path = PYPFOPT_PRICES) -> pd.DataFrame:
    return pd.read_csv(path, parse_dates=True, index_col="date")


def load_wide(frame: pd.DataFrame, *, asset_type: str = AssetType.STOCK, prefix: str = "") -> list[str]:
    """Create one asset per column (symbol = prefix + column) and a bar per non-empty cell."""
    symbols = [f"{prefix}{c}" for c in frame.columns]
    Asset.objects.bulk_create(
        [Asset(id=s, name=f"{s} (sample data)", type=asset_type) for s in symbols], ignore_conflicts=True
    )
    bars = []
    for column, symbol in zip(frame.columns, symbols, strict=True):
        series = frame[column].dropna()
        for when, value in zip(series.index, series.to_numpy(), strict=True):
            price = quantize_price(Decimal(repr(float(value))))
            bars.append(PriceBar(asset_id=symbol, date=when.date(), open=price, high=price, low=price, close=price))
    PriceBar.objects.bulk_create(bars, batch_size=10_000)
    return symbols


def remove(symbols: list[str]) -> None:
    PriceBar.objects.filter(asset_id__in=symbols).delete()
    Asset.objects.filter(id__in=symbols).delete()
