"""Reads of market data shared by every face and by other apps (forecasts, portfolios).

Series and frames here are floats: they feed numerical code. Decimal stays in the database and in
what users see as money.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import groupby

import pandas as pd
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, models
from django.db.models import Count, F, FloatField, Func, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.shortcuts import get_object_or_404

from apps.assets import analytics
from apps.assets import cache as asset_cache
from apps.assets.models import Asset, PriceBar


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
    # The value as a float straight from the database: converting every close to a Decimal first
    # took most of the time of a forecast (a market replay issues thousands).
    value = Coalesce("adj_close", "close") if adjusted else F("close")
    rows = list(
        bars.order_by("date").annotate(value=Cast(value, FloatField())).values_list("asset_id", "date", "value")
    )
    if not rows:
        return pd.DataFrame(columns=symbols, index=pd.DatetimeIndex([], name="date"), dtype=float)
    long = pd.DataFrame(rows, columns=["symbol", "date", "value"])
    long["value"] = long["value"].astype(float)
    long["date"] = pd.to_datetime(long["date"])
    wide = long.pivot(index="date", columns="symbol", values="value").sort_index()
    wide.columns.name = None
    return wide.reindex(columns=symbols)


# --- Assets -----------------------------------------------------------------------------------------


def asset_queryset(*, search: str = "", asset_type: str = "", active_only: bool = True) -> QuerySet[Asset]:
    """Assets matching a search (symbol or name, case-insensitive) and a type, in symbol order."""
    assets = Asset.objects.all()
    if active_only:
        assets = assets.active()
    if search:
        assets = assets.filter(Q(id__icontains=search) | Q(name__icontains=search))
    if asset_type:
        assets = assets.filter(type=asset_type)
    return assets


def get_asset(symbol: str) -> Asset:
    """The asset of this symbol (case-insensitive input), else ``Http404``. One query."""
    return get_object_or_404(Asset, id=symbol.upper())


def asset_with_coverage(symbol: str) -> Asset:
    """``get_asset`` annotated with ``first_date``, ``last_date`` and ``bar_count`` (one query)."""
    return get_object_or_404(
        Asset.objects.annotate(first_date=Min("bars__date"), last_date=Max("bars__date"), bar_count=Count("bars")),
        id=symbol.upper(),
    )


# --- Bars -------------------------------------------------------------------------------------------

BAR_COLUMNS = ("date", "open", "high", "low", "close", "adj_close", "volume")
Bar = tuple[date, Decimal, Decimal, Decimal, Decimal, Decimal | None, Decimal]


class Interval(models.TextChoices):
    """Bar sizes of the prices API. 1w = ISO week (Monday to Sunday) dated by its Monday;
    1mo = calendar month dated by its first day. A period is present when it holds at least one bar."""

    DAY = "1d", "Daily"
    WEEK = "1w", "Weekly"
    MONTH = "1mo", "Monthly"


def _period_start(day: date, interval: str) -> date:
    if interval == Interval.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _resample_in_python(rows: list[Bar], interval: str) -> list[Bar]:
    """Portable resampling (SQLite development databases): same rules as the PostgreSQL query."""
    result: list[Bar] = []
    for period, group in groupby(rows, key=lambda row: _period_start(row[0], interval)):
        bars = list(group)
        result.append(
            (
                period,
                bars[0][1],
                max(bar[2] for bar in bars),
                min(bar[3] for bar in bars),
                bars[-1][4],
                bars[-1][5],
                sum((bar[6] for bar in bars), Decimal(0)),
            )
        )
    return result


def price_bars(symbol: str, *, start: date | None = None, end: date | None = None, interval: str = "1d") -> list[Bar]:
    """Bars of one asset in date order as tuples of ``BAR_COLUMNS``, daily or resampled.

    Resampled bars (``Interval``) take the first open, highest high, lowest low, last close, last
    adjusted close and summed volume of the daily bars of the period that fall within start..end.
    On PostgreSQL the database aggregates (one query, a range scan of the (asset, date) index).
    """
    bars = PriceBar.objects.filter(asset_id=symbol)
    if start:
        bars = bars.filter(date__gte=start)
    if end:
        bars = bars.filter(date__lte=end)
    if interval == Interval.DAY:
        return list(bars.order_by("date").values_list(*BAR_COLUMNS))
    if connection.vendor != "postgresql":
        return _resample_in_python(list(bars.order_by("date").values_list(*BAR_COLUMNS)), interval)
    # The ORM's Trunc casts through a time zone; on a date column date_trunc is exact as it is.
    kind = "week" if interval == Interval.WEEK else "month"
    period = Func(Value(kind), F("date"), function="date_trunc", output_field=models.DateField())
    rows = (
        bars.annotate(period=period)
        .values("period")
        .annotate(
            opens=ArrayAgg("open", order_by="date"),
            high_max=Max("high"),
            low_min=Min("low"),
            closes=ArrayAgg("close", order_by="-date"),
            adj_closes=ArrayAgg("adj_close", order_by="-date"),
            volume_sum=Sum("volume"),
        )
        .order_by("period")
        .values_list("period", "opens", "high_max", "low_min", "closes", "adj_closes", "volume_sum")
    )
    return [
        (_as_date(period), opens[0], high, low, closes[0], adj_closes[0], volume)
        for period, opens, high, low, closes, adj_closes, volume in rows
    ]


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _number(value: Decimal | None) -> str:
    """A stored decimal as an exact JSON number without trailing zeros (``None`` → null)."""
    if value is None:
        return "null"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# PostgreSQL separates JSON array items with ", "; the rows hold only dates and numbers, so
# dropping the space is safe and keeps the payload compact.
_DAILY_JSON_SQL = """
SELECT replace(coalesce(json_agg(json_build_array(date, trim_scale(open), trim_scale(high), trim_scale(low),
                trim_scale(close), trim_scale(adj_close), trim_scale(volume)) ORDER BY date), '[]')::text, ', ', ','),
       min(date), max(date)
FROM assets_pricebar WHERE asset_id = %s AND date >= %s AND date <= %s
"""
_RESAMPLED_JSON_SQL = """
SELECT replace(coalesce(json_agg(json_build_array(period, trim_scale(o), trim_scale(h), trim_scale(l),
                trim_scale(c), trim_scale(a), trim_scale(v)) ORDER BY period), '[]')::text, ', ', ','),
       min(period), max(period)
FROM (
    SELECT date_trunc(%s, date)::date AS period,
           (array_agg(open ORDER BY date))[1] AS o, max(high) AS h, min(low) AS l,
           (array_agg(close ORDER BY date DESC))[1] AS c, (array_agg(adj_close ORDER BY date DESC))[1] AS a,
           sum(volume) AS v
    FROM assets_pricebar WHERE asset_id = %s AND date >= %s AND date <= %s
    GROUP BY 1
) AS periods
"""


def price_bars_json(
    symbol: str, *, start: date | None = None, end: date | None = None, interval: str = "1d"
) -> tuple[str, date | None, date | None]:
    """``price_bars`` as a JSON array of rows (``BAR_COLUMNS``), with the first and last row dates.

    Numbers are the stored decimals written exactly, trailing zeros dropped. On PostgreSQL the
    database writes the JSON (one query, one text value: no per-value conversion in Python);
    elsewhere the rows of ``price_bars`` are formatted in Python, to the same values.
    """
    if connection.vendor != "postgresql":
        bars = price_bars(symbol, start=start, end=end, interval=interval)
        rows = ",".join(
            f'["{day.isoformat()}",{",".join(_number(value) for value in values)}]' for day, *values in bars
        )
        return f"[{rows}]", (bars[0][0] if bars else None), (bars[-1][0] if bars else None)
    bounds = (start or date.min, end or date.max)
    with connection.cursor() as cursor:
        if interval == Interval.DAY:
            cursor.execute(_DAILY_JSON_SQL, (symbol, *bounds))
        else:
            kind = "week" if interval == Interval.WEEK else "month"
            cursor.execute(_RESAMPLED_JSON_SQL, (kind, symbol, *bounds))
        text, first, last = cursor.fetchone()
    return text, first, last


# --- Summaries for lists ----------------------------------------------------------------------------

SPARKLINE_POINTS = 60


@dataclass(frozen=True)
class AssetSummary:
    """What one row of the asset list shows, computed from the last year of bars."""

    last_date: date | None
    last_close: float | None
    return_1y: float | None
    volatility_1y: float | None
    sparkline: tuple[float, ...]


EMPTY_SUMMARY = AssetSummary(None, None, None, None, ())


def _summary(closes: pd.Series, periods_per_year: int) -> AssetSummary:
    if closes.empty:
        return EMPTY_SUMMARY
    year = closes[closes.index >= closes.index[-1] - pd.DateOffset(years=1)]
    step = max(1, -(-len(year) // SPARKLINE_POINTS))
    points = year.iloc[::-1].iloc[::step].iloc[::-1]  # keep the last close
    return AssetSummary(
        last_date=closes.index[-1].date(),
        last_close=float(closes.iloc[-1]),
        return_1y=analytics.period_returns(closes)["1y"],
        volatility_1y=analytics.annualised_volatility(year, periods_per_year),
        sparkline=tuple(round(float(value), 6) for value in points),
    )


def _build_summaries(symbols: list[str]) -> dict[str, AssetSummary]:
    """Two queries whatever the number of symbols: last dates, then the last ~year of bars of each."""
    latest = Subquery(PriceBar.objects.filter(asset=OuterRef("pk")).order_by("-date").values("date")[:1])
    assets = list(
        Asset.objects.filter(id__in=symbols).annotate(last_date=latest).values_list("id", "type", "last_date")
    )
    # A year and a few days back, so that the close a year before the last one is included.
    by_cutoff: dict[date, list[str]] = {}
    for symbol, _type, last in assets:
        if last is not None:
            by_cutoff.setdefault(last - timedelta(days=375), []).append(symbol)
    result = {symbol: EMPTY_SUMMARY for symbol in symbols}
    if not by_cutoff:
        return result
    condition = Q()
    for cutoff, group in by_cutoff.items():
        condition |= Q(asset_id__in=group, date__gte=cutoff)
    rows = (
        PriceBar.objects.filter(condition)
        .order_by("asset_id", "date")
        .values_list("asset_id", "date", "close", "adj_close")
    )
    basis = {symbol: Asset(type=kind).trading_days_per_year for symbol, kind, _last in assets}
    for symbol, group in groupby(rows, key=lambda row: row[0]):
        items = list(group)
        closes = pd.Series(
            [float(adj if adj is not None else close) for _s, _d, close, adj in items],
            index=pd.DatetimeIndex([row[1] for row in items]),
        )
        result[symbol] = _summary(closes, basis[symbol])
    return result


def asset_summaries(symbols: Iterable[str]) -> dict[str, AssetSummary]:
    """Summary per symbol, from the cache or built for all the missing ones at once (two queries)."""
    return asset_cache.cached_many("summary", symbols, _build_summaries)


def asset_stats(asset: Asset, *, start: date | None = None, end: date | None = None) -> analytics.Stats:
    """Stats of the asset's adjusted closes within start..end, cached per symbol and range."""
    return asset_cache.cached(
        "stats",
        asset.id,
        (start, end),
        lambda: analytics.compute_stats(
            close_series(asset.id, start=start, end=end), periods_per_year=asset.trading_days_per_year
        ),
    )
