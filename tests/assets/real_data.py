"""Load the real sample price files of data/sample/ (copies of ../shared/data) straight into the database.

The import service has its own tests; these helpers only need the bars in the table, through the
ORM, so that read-side tests can compare against pandas computed on the very same file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from apps.assets.models import Asset, AssetType, PriceBar, quantize_price

ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = [ROOT / "data" / "sample"]


def data_file(name: str) -> Path:
    for folder in _CANDIDATES:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


def _price(value: float) -> Decimal:
    return quantize_price(Decimal(repr(float(value))))


def load_wide(name: str, symbols: list[str] | None = None, *, date_format: str | None = None) -> pd.DataFrame:
    """Close-only bars (open = high = low = close) for each column of a wide file; returns the frame read."""
    frame = pd.read_csv(data_file(name), index_col=0)
    frame.index = pd.to_datetime(frame.index, format=date_format)
    frame = frame[symbols] if symbols else frame
    bars = []
    for symbol in frame.columns:
        asset, _ = Asset.objects.get_or_create(
            id=symbol, defaults={"name": f"{symbol} sample", "type": AssetType.STOCK}
        )
        for when, value in frame[symbol].dropna().items():
            price = _price(value)
            bars.append(PriceBar(asset=asset, date=when.date(), open=price, high=price, low=price, close=price))
    PriceBar.objects.bulk_create(bars, batch_size=5000)
    return frame


def load_ohlcv(name: str, symbol: str, *, asset_type: str = AssetType.ETF) -> pd.DataFrame:
    """Bars of a Yahoo-style OHLCV file for one symbol; returns the frame read (lower-case columns)."""
    frame = pd.read_csv(data_file(name))
    frame.columns = [column.strip().lower() for column in frame.columns]
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame.set_index("date").sort_index()
    asset, _ = Asset.objects.get_or_create(id=symbol, defaults={"name": f"{symbol} sample", "type": asset_type})
    bars = []
    for when, row in frame.iterrows():
        adj = row.get("adj close")
        bars.append(
            PriceBar(
                asset=asset,
                date=when.date(),
                open=_price(row["open"]),
                high=_price(row["high"]),
                low=_price(row["low"]),
                close=_price(row["close"]),
                adj_close=None if adj is None or pd.isna(adj) else _price(adj),
                volume=Decimal(repr(float(row["volume"]))).quantize(Decimal("0.00000001")),
            )
        )
    PriceBar.objects.bulk_create(bars, batch_size=5000)
    return frame
