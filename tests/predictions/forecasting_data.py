"""Short slices of real price series (see data/sample/PROVENANCE.md) for forecasting tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "data" / "sample"


@cache
def _stocks() -> pd.DataFrame:
    return pd.read_csv(DATA / "pypfopt_stock_prices.csv", parse_dates=["date"], index_col="date")


def stock(symbol: str, rows: int) -> pd.Series:
    """The last ``rows`` adjusted closes of one ticker of pypfopt_stock_prices.csv (to 2018-04-11)."""
    series = _stocks()[symbol].dropna().iloc[-rows:].copy()
    series.name = symbol
    return series


def btc(rows: int) -> pd.Series:
    frame = pd.read_csv(DATA / "btc_usd_2013_2019.csv", parse_dates=["date"], index_col="date")
    series = frame["close"].iloc[-rows:].copy()
    series.name = "BTC"
    return series
