"""Template context of every page: the market date, evaluated only by a template that uses it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.assets.market import market_data_date


def market(request: HttpRequest) -> dict:
    """``market_date``: the date market data has reached (``market_data_date``), None without prices.

    Lazy, so a page that does not show it costs nothing; one that does costs a cache read (and one
    query when the cached date was dropped by a bar write).
    """
    return {"market_date": SimpleLazyObject(market_data_date)}
