"""The product's "today" for market purposes: the latest market date the data has reached.

Demo data ends years ago and a replay advances through history, so the wall clock is the wrong
"today" for anything that depends on prices: windows ("last 30 days"), day changes, ages of
forecasts and purchase-date checks count from ``market_date()`` instead. With a price provider
refreshing nightly it is the last trading day whose bars arrived; it never runs ahead of the
wall-clock date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from apps.assets.cache import MARKET_DATE_KEY as _KEY
from apps.assets.models import PriceBar

_TIMEOUT = 60 * 60  # invalidated by every bar write (``invalidate_price_cache``); the timeout bounds staleness


def _latest_bar_date() -> date | None:
    return PriceBar.objects.filter(asset__is_active=True).aggregate(last=Max("date"))["last"]


def market_data_date() -> date | None:
    """The latest bar date of any active asset, never after today; None when there are no prices.

    What pages show as "Market data as of ...": unlike ``market_date`` it does not stand in the
    wall-clock date for missing data. Cached like ``market_date`` (a miss costs one query).
    """
    found = cache.get(_KEY)
    if found is None:
        found = _latest_bar_date()
        if found is not None:
            cache.set(_KEY, found, _TIMEOUT)
    return min(found, timezone.localdate()) if found is not None else None


def market_date() -> date:
    """The latest bar date of any active asset (today's date when there are no prices)."""
    return market_data_date() or timezone.localdate()


def latest_bar_date(asset_id: str) -> date | None:
    """The asset's own last bar date (its market date), or None when it has no prices."""
    return PriceBar.objects.filter(asset_id=asset_id).aggregate(last=Max("date"))["last"]


def latest_bar_dates(asset_ids: Iterable[str]) -> dict[str, date]:
    """``latest_bar_date`` of several assets in one query; assets without prices are left out."""
    rows = (
        PriceBar.objects.filter(asset_id__in=list(asset_ids))
        .values("asset_id")
        .annotate(last=Max("date"))
        .values_list("asset_id", "last")
    )
    return dict(rows)
