"""Reads of market data shared by every face and by other apps (forecasts, portfolios).

Series and frames here are floats: they feed numerical code. Decimal stays in the database and in
what users see as money.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd

from apps.assets.models import PriceBar


def close_series(
    symbol: str, *, start: date | None = None, end: date | None = None, adjusted: bool = True
) -> pd.Series:
    """Daily closes of one asset in date order, indexed by ``pd.Timestamp``, name = symbol.

    ``adjusted`` uses the adjusted close where the vendor gave one (right for returns), else the close.
    """
    frame = close_frame([symbol], start=start, end=end, adjusted=adjusted)
    if symbol in frame:
        return frame[symbol].dropna()
    return pd.Series(dtype=float, name=symbol, index=pd.DatetimeIndex([], name="date"))


def close_frame(
    symbols: Iterable[str], *, start: date | None = None, end: date | None = None, adjusted: bool = True
) -> pd.DataFrame:
    """Wide frame of daily closes: one column per symbol, one row per date any of them traded.

    A symbol with no bar on a date has NaN there (an asset listed later than the others, a
    holiday on one exchange): callers decide explicitly how to treat the gaps.
    """
    symbols = list(dict.fromkeys(symbols))
    bars = PriceBar.objects.filter(asset_id__in=symbols)
    if start:
        bars = bars.filter(date__gte=start)
    if end:
        bars = bars.filter(date__lte=end)
    rows = list(bars.order_by("date").values_list("asset_id", "date", "close", "adj_close"))
    if not rows:
        return pd.DataFrame(columns=symbols, index=pd.DatetimeIndex([], name="date"), dtype=float)
    long = pd.DataFrame(rows, columns=["symbol", "date", "close", "adj_close"])
    value = long["adj_close"].where(long["adj_close"].notna(), long["close"]) if adjusted else long["close"]
    long["value"] = value.astype(float)
    long["date"] = pd.to_datetime(long["date"])
    wide = long.pivot(index="date", columns="symbol", values="value").sort_index()
    wide.columns.name = None
    return wide.reindex(columns=symbols)
