"""Reads of the public track record: its filters, its figures and the scored forecasts behind them.

Shared by the public pages (``apps.predictions.public_views``) and the public API
(``apps.predictions.api.track_record``). Only matured (scored) forecasts are public: a forecast
whose target date has not come yet stays behind the login with the rest of the forecasts.
Replayed forecasts (issued by the market replay as of a past market date) are never pooled with
live ones: every figure is per ``replayed`` value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404

from apps.assets.market import market_date
from apps.assets.models import Asset
from apps.predictions.models import Prediction, Timeframe
from apps.predictions.scoring import ScoredForecast, group_figures
from quantumvest.errors import ValidationFailed

CACHE_SECONDS = 60
HORIZONS = [choice.value for choice in Timeframe]
FIGURE_FIELDS = (
    "asset_id",
    "timeframe",
    "replayed",
    "as_of_price",
    "predicted_price",
    "confidence_lower",
    "confidence_upper",
    "realised_price",
    "direction",
    "confidence_score",
    "target_date",
    "level",
)
LIST_ORDER = ("-target_date", "asset_id", "horizon_periods", "replayed", "as_of", "id")


@dataclass(frozen=True)
class Filters:
    """What the record is restricted to; ``None`` means "any"."""

    symbol: str | None = None
    horizon: str | None = None
    replayed: bool | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        query = {"symbol": self.symbol, "horizon": self.horizon}
        if self.replayed is not None:
            query["replayed"] = "true" if self.replayed else "false"
        return {name: value for name, value in query.items() if value}


def parse_filters(params: Mapping[str, str], *, symbol: str | None = None) -> Filters:
    """Filters from query parameters ``symbol``, ``horizon`` (1d, 1w, 1m, 3m) and ``replayed``
    (true or false, as the schema says); empty values mean "any".

    ``symbol`` given as an argument (a page's path) wins over the parameter. Raises
    ``ValidationFailed`` naming every invalid parameter (an unknown symbol is one).
    """
    errors: dict[str, list[str]] = {}
    symbol = (symbol or params.get("symbol") or "").strip().upper() or None
    if symbol is not None and not Asset.objects.filter(pk=symbol).exists():
        errors["symbol"] = [f"No asset with symbol {symbol!r}."]
    horizon = (params.get("horizon") or "").strip() or None
    if horizon is not None and horizon not in HORIZONS:
        errors["horizon"] = [f"One of {', '.join(HORIZONS)}."]
    raw = (params.get("replayed") or "").strip()
    replayed = {"true": True, "false": False}.get(raw)
    if raw and replayed is None:
        errors["replayed"] = ["true or false."]
    if errors:
        raise ValidationFailed("Invalid filter: " + ", ".join(errors) + ".", fields=errors, code="invalid_filter")
    return Filters(symbol=symbol, horizon=horizon, replayed=replayed)


def _filtered(queryset: QuerySet[Prediction], filters: Filters) -> QuerySet[Prediction]:
    if filters.symbol:
        queryset = queryset.filter(asset_id=filters.symbol)
    if filters.horizon:
        queryset = queryset.filter(timeframe=filters.horizon)
    if filters.replayed is not None:
        queryset = queryset.filter(replayed=filters.replayed)
    return queryset


def scored_forecasts(filters: Filters) -> QuerySet[Prediction]:
    """The matured forecasts behind the figures, newest target first (a stable order for paging)."""
    return _filtered(Prediction.objects.scored(), filters).order_by(*LIST_ORDER)


def get_scored_forecast(pk) -> Prediction:
    """One matured forecast, or ``Http404`` (also for one that has not matured: it is not public)."""
    prediction = Prediction.objects.scored().select_related("asset").filter(pk=pk).first()
    if prediction is None:
        raise Http404("No matured forecast with this id.")
    return prediction


def _order(row: dict) -> tuple:
    return (row["replayed"], row.get("symbol", ""), HORIZONS.index(row["horizon"]))


def figures(filters: Filters) -> dict:
    """``compute_figures``, kept in the cache for a minute per filter and market date (a new bar
    starts afresh; a forecast scored since shows within the minute). The cache only accelerates:
    without it every call computes."""
    key = f"track-record:figures:{filters.symbol}:{filters.horizon}:{filters.replayed}:{market_date()}"
    found = cache.get(key)
    if found is None:
        found = compute_figures(filters)
        cache.set(key, found, CACHE_SECONDS)
    return found


def compute_figures(filters: Filters) -> dict:
    """The record: ``overall`` (one row per horizon and replayed value, over all assets in the
    filter), ``assets`` (one row per asset, horizon and replayed value), ``reliability``
    (``{replayed: rows}``) and ``pending`` (forecasts in the filter not matured yet).

    Two queries whatever the number of assets and forecasts: one pass over the matured ones
    (streamed), and the count of pending ones.
    """
    rows = _filtered(Prediction.objects.scored(), filters).values_list(*FIGURE_FIELDS).order_by()

    def keyed():
        for symbol, horizon, replayed, *prices, direction, score, target, level in rows.iterator(chunk_size=5000):
            origin, point, lower, upper, actual = prices
            forecast = ScoredForecast(origin, point, lower, upper, actual, direction, score, target, level)
            yield (("asset", symbol, horizon, replayed), ("overall", horizon, replayed)), replayed, forecast

    groups, reliability = group_figures(keyed())
    overall, assets = [], []
    for key, result in groups.items():
        if key[0] == "overall":
            overall.append({"horizon": key[1], "replayed": key[2], **result.as_dict()})
        else:
            assets.append({"symbol": key[1], "horizon": key[2], "replayed": key[3], **result.as_dict()})
    return {
        "overall": sorted(overall, key=_order),
        "assets": sorted(assets, key=_order),
        "reliability": reliability,
        "pending": _filtered(Prediction.objects.unscored(), filters).count(),
    }


def symbols_with_record() -> list[str]:
    """Symbols of the assets that have at least one matured forecast (for the filter's choices)."""
    return list(Prediction.objects.scored().values_list("asset_id", flat=True).distinct().order_by("asset_id"))
