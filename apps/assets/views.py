"""HTML face of market data: the asset list and the asset detail page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.assets import selectors
from apps.assets.models import AssetType
from apps.home.services.watchlist import watched_symbols  # the watch buttons

ECHARTS_JS = "vendor/echarts-5.6.0.min.js"
PAGE_SIZE = 25
ROW_FIELDS = ("id", "name", "type", "currency")  # what a row shows; description and metadata stay behind
SPARKLINE_WIDTH, SPARKLINE_HEIGHT = 120, 32


class AssetListQuery(forms.Form):
    """Query string of the asset list; any invalid value falls back to its default."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    type = forms.ChoiceField(required=False, choices=[("", "All types"), *AssetType.choices])
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("symbol", "Symbol"),
            ("name", "Name"),
            ("-return", "1y return, best first"),
            ("return", "1y return, worst first"),
            ("-volatility", "Volatility, highest first"),
            ("volatility", "Volatility, lowest first"),
        ],
    )
    page = forms.IntegerField(required=False, min_value=1)

    def values(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "q": (cleaned.get("q") or "").strip(),
            "type": cleaned.get("type") or "",
            "sort": cleaned.get("sort") or "symbol",
            "page": cleaned.get("page") or 1,
        }


def sparkline_points(values: tuple[float, ...]) -> str:
    """SVG polyline points scaling the values into the sparkline box (server-side, no JavaScript)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = SPARKLINE_WIDTH / (len(values) - 1)
    return " ".join(
        f"{index * step:.1f},{SPARKLINE_HEIGHT - 2 - (value - low) / span * (SPARKLINE_HEIGHT - 4):.1f}"
        for index, value in enumerate(values)
    )


def _sorted_by_metric(assets: list, summaries: dict, sort: str) -> list:
    metric = "return_1y" if sort.lstrip("-") == "return" else "volatility_1y"
    descending = sort.startswith("-")

    def key(asset):
        value = getattr(summaries[asset.id], metric)
        # Assets without the figure come last in either direction.
        return (value is None, -(value or 0) if descending else (value or 0), asset.id)

    return sorted(assets, key=key)


@require_GET
@login_required
@vary_on_headers("HX-Request")
def asset_list(request: HttpRequest) -> HttpResponse:
    """Search, filter, sort and page through assets; a constant number of queries per page."""
    query = AssetListQuery(request.GET)
    params = query.values()
    assets = selectors.asset_queryset(search=params["q"], asset_type=params["type"]).only(*ROW_FIELDS)
    if params["sort"] in ("symbol", "name"):
        order = "id" if params["sort"] == "symbol" else params["sort"]
        page = Paginator(assets.order_by(order, "id"), PAGE_SIZE).get_page(params["page"])
        summaries = selectors.asset_summaries(asset.id for asset in page)
    else:
        matching = list(assets)
        summaries = selectors.asset_summaries(asset.id for asset in matching)
        page = Paginator(_sorted_by_metric(matching, summaries, params["sort"]), PAGE_SIZE).get_page(params["page"])
    rows = [(asset, summaries[asset.id], sparkline_points(summaries[asset.id].sparkline)) for asset in page]
    context = {
        "query": query,
        "params": params,
        "page": page,
        "rows": rows,
        "sparkline_size": (SPARKLINE_WIDTH, SPARKLINE_HEIGHT),
        "watched": watched_symbols(request.user),
    }
    template = "assets/list.html#results" if request.htmx else "assets/list.html"
    return render(request, template, context)


@require_GET
@login_required
def asset_detail(request: HttpRequest, symbol: str) -> HttpResponse:
    """Chart, stats and the panels of other apps; the chart loads its bars from the prices API."""
    asset = selectors.asset_with_coverage(symbol)
    stats = selectors.asset_stats(asset)
    chart = {
        "symbol": asset.id,
        "currency": asset.currency,
        "pricesUrl": reverse("assets-api:prices", args=[asset.id]),
    }
    context = {
        "asset": asset,
        "stats": stats,
        "chart": chart,
        "echarts_js": ECHARTS_JS,
        "watching": asset.id in watched_symbols(request.user),
    }
    return render(request, "assets/detail.html", context)
