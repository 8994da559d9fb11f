"""HTML face of the public track record (no login): the record, per asset, and one forecast's check."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from apps.assets.market import market_date
from apps.onchain.chain import ChainUnavailable
from apps.onchain.services.verification import notarisations, verify
from apps.predictions import selectors, track_record
from apps.predictions.models import Timeframe
from apps.predictions.track_record import Filters
from quantumvest.errors import ValidationFailed

PAGE_SIZE = 25
SECTIONS = ((False, "live"), (True, "replayed"))


def _page_url(request: HttpRequest, name: str, number: int) -> str:
    query = request.GET.copy()
    query[name] = str(number)
    return "?" + query.urlencode()


def _section(request: HttpRequest, record: dict, filters: Filters, replayed: bool, kind: str) -> dict:
    """One of the two records (live or replayed): its figures, reliability and a page of forecasts."""
    scope = Filters(symbol=filters.symbol, horizon=filters.horizon, replayed=replayed)
    page = Paginator(track_record.scored_forecasts(scope), PAGE_SIZE).get_page(request.GET.get(f"{kind}_page"))
    param = f"{kind}_page"
    reliability = record["reliability"].get(replayed, [])
    return {
        "kind": kind,
        "replayed": replayed,
        "overall": [row for row in record["overall"] if row["replayed"] is replayed],
        "assets": [row for row in record["assets"] if row["replayed"] is replayed],
        "reliability": reliability,
        "chart_json": json.dumps({"kind": kind, "bins": reliability}),
        "page": page,
        "prev_url": _page_url(request, param, page.previous_page_number()) if page.has_previous() else "",
        "next_url": _page_url(request, param, page.next_page_number()) if page.has_next() else "",
    }


@require_GET
def track_record_page(request: HttpRequest, symbol: str | None = None) -> HttpResponse:
    """The track record, live and replayed apart; ``symbol`` (a path) is the per-asset page."""
    asset = selectors.get_asset(symbol) if symbol else None
    status, errors = 200, {}
    try:
        filters = track_record.parse_filters(request.GET, symbol=asset.pk if asset else None)
    except ValidationFailed as exc:
        status, errors = 400, exc.fields
        filters = Filters(symbol=asset.pk if asset else None)
    record = track_record.figures(filters)
    kinds = [(replayed, kind) for replayed, kind in SECTIONS if filters.replayed in (None, replayed)]
    sections = [_section(request, record, filters, replayed, kind) for replayed, kind in kinds]
    notary = notarisations([p for section in sections for p in section["page"]])
    for section in sections:
        section["forecasts"] = [(p, notary[p.pk]) for p in section["page"]]
    query = f"?{urlencode(filters.as_query())}" if filters.as_query() else ""
    context = {
        "asset": asset,
        "filters": filters,
        "errors": errors,
        "symbols": sorted({*track_record.symbols_with_record(), *([filters.symbol] if filters.symbol else [])}),
        "horizons": Timeframe.choices,
        "sections": sections,
        "pending": record["pending"],
        "notary": notary,
        "api_record": reverse("track-record-api:summary") + query,
        "api_forecasts": reverse("track-record-api:forecasts") + query,
        "market_date": market_date(),
    }
    return render(request, "predictions/public/track_record.html", context, status=status)


@require_GET
def forecast_verification(request: HttpRequest, pk) -> HttpResponse:
    """One matured forecast: what was stated, what happened, and its check against the chain."""
    prediction = track_record.get_scored_forecast(pk)
    try:
        result, unavailable = verify(prediction=prediction), ""
    except ChainUnavailable as exc:  # the page still shows the stored forecast and its hash
        result, unavailable = None, exc.detail
    context = {
        "prediction": prediction,
        "result": result,
        "unavailable": unavailable,
        "notarisation": notarisations([prediction])[prediction.pk],
        "market_date": market_date(),
    }
    return render(request, "predictions/public/forecast.html", context)
