"""Stooq's public CSV download of daily bars (``Date,Open,High,Low,Close,Volume``).

Symbols map to Stooq's: US stocks and ETFs take ``.us`` (``AAPL`` → ``aapl.us``), ``BTC-USD`` →
``btcusd``, indices keep their caret (``^SPX``). Disabled unless ``QV_PRICE_PROVIDER=stooq``.
"""

from __future__ import annotations

import logging
from datetime import date

import requests

from apps.assets.importing.validation import Bar
from apps.assets.providers import ProviderError
from apps.assets.providers.csv_bars import FileRejected, bars_from_csv

logger = logging.getLogger(__name__)
MAX_RESPONSE_BYTES = 20 * 1024 * 1024


def stooq_symbol(symbol: str) -> str:
    if symbol.startswith("^"):
        return symbol.lower()
    if symbol.endswith("-USD"):
        return symbol.replace("-", "").lower()
    return f"{symbol.lower()}.us"


class StooqProvider:
    name = "stooq"

    def __init__(self, url: str, *, timeout: float = 10, session: requests.Session | None = None):
        self.url, self.timeout = url, timeout
        self.session = session or requests.Session()

    def fetch_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        params = {"s": stooq_symbol(symbol), "d1": start.strftime("%Y%m%d"), "d2": end.strftime("%Y%m%d"), "i": "d"}
        try:
            response = self.session.get(self.url, params=params, timeout=self.timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise ProviderError(f"Stooq did not answer for {symbol}: {exc}") from exc
        content = response.content[: MAX_RESPONSE_BYTES + 1]
        if len(content) > MAX_RESPONSE_BYTES:
            raise ProviderError(f"Stooq's answer for {symbol} is larger than {MAX_RESPONSE_BYTES} bytes")
        if content.strip().lower() in (b"no data", b""):
            return []
        try:
            bars, rejected = bars_from_csv(content, symbol, start, end)
        except FileRejected as exc:
            raise ProviderError(f"Stooq's answer for {symbol} is not a price CSV: {exc.detail}") from exc
        if rejected:
            logger.warning("stooq %s: %d rows rejected", symbol, rejected)
        return bars
