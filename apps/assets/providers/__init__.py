"""Price providers: where new daily bars come from.

A provider has one method, ``fetch_bars(symbol, start, end) -> list[Bar]``: validated bars of one
symbol between two dates (inclusive), oldest first, ready for ``importing.upsert.upsert_bars``.
It raises ``ProviderError`` when the source cannot answer. ``get_provider()`` builds the one
configured by ``QV_PRICE_PROVIDER`` (none by default).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from django.conf import settings

from apps.assets.importing.validation import Bar


class ProviderError(Exception):
    """The source could not deliver bars (unreachable, refused, unreadable answer)."""


class PriceProvider(Protocol):
    name: str

    def fetch_bars(self, symbol: str, start: date, end: date) -> list[Bar]: ...


def get_provider() -> PriceProvider | None:
    from apps.assets.providers.directory import DirectoryProvider
    from apps.assets.providers.stooq import StooqProvider

    if settings.QV_PRICE_PROVIDER == "directory":
        return DirectoryProvider(settings.QV_PRICE_PROVIDER_DIR)
    if settings.QV_PRICE_PROVIDER == "stooq":
        return StooqProvider(settings.QV_PRICE_PROVIDER_URL, timeout=settings.QV_PRICE_PROVIDER_TIMEOUT)
    return None
