"""Data for the optimisation use cases: the universe of a portfolio, its prices in a window, and
Black-Litterman views from QuantumVest predictions. Reads only; ``optimization_services`` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from django.db import connection
from django.db.models import OuterRef, Subquery
from scipy.stats import norm

from apps.assets.models import Asset, AssetType, PriceBar
from apps.assets.selectors import close_frame
from apps.portfolios import optimization, selectors
from apps.portfolios.models import Portfolio
from quantumvest.errors import ValidationFailed

VIEW_TIMEFRAMES = ("1m", "3m")
MIN_SKILL = 0.05


@dataclass(frozen=True)
class Window:
    start: date | None = None
    end: date | None = None
    lookback_days: int | None = None


# --- Data ----------------------------------------------------------------------------------------


@dataclass
class Universe:
    symbols: list[str]
    assets: dict[str, Asset]
    book: selectors.Holdings
    latest: dict[str, tuple[Decimal, date]]


def universe_of(portfolio: Portfolio, candidates: tuple[str, ...]) -> Universe:
    """The priced holdings plus the candidate symbols; unknown candidates are a field error."""
    book = selectors.holdings(portfolio)
    held = [p.asset.id for p in book.positions if p.price is not None]
    known = {a.id: a for a in Asset.objects.filter(id__in=candidates)}
    unknown = [c for c in candidates if c not in known]
    if unknown:
        raise ValidationFailed(
            f"Unknown symbol(s): {', '.join(unknown)}.", fields={"candidates": [f"Unknown: {', '.join(unknown)}."]}
        )
    assets = {p.asset.id: p.asset for p in book.positions} | known
    symbols = list(dict.fromkeys(held + list(candidates)))
    if len(symbols) < 2:
        raise ValidationFailed(
            "Optimisation needs at least two priced assets: add holdings or candidate symbols.",
            fields={"candidates": ["Add at least two assets with prices."]},
        )
    latest = {p.asset.id: (p.price, p.price_date) for p in book.positions if p.price is not None}
    latest |= selectors.latest_closes({c for c in candidates if c not in latest}) if candidates else {}
    return Universe(symbols=symbols, assets=assets, book=book, latest=latest)


def window_bounds(window: Window, universe: Universe) -> tuple[date | None, date | None]:
    """The window's dates; ``lookback_days`` counts back from ``end`` or the universe's last close."""
    end = window.end
    if window.lookback_days is not None:
        if end is None:
            end = max((day for _, day in universe.latest.values()), default=None)
        start = end - timedelta(days=window.lookback_days) if end else None
        return start, end
    return window.start, end


def closes(symbols: list[str], *, start: date | None, end: date | None) -> pd.DataFrame:
    """``assets.selectors.close_frame`` (adjusted closes, NaN where an asset has no bar) read with a
    plain cursor and converted to float by PostgreSQL: building a Decimal and a Django row per bar
    was most of the time of a 100-asset request. Other databases (SQLite in development) take the
    portable selector."""
    if connection.vendor != "postgresql":
        return close_frame(symbols, start=start, end=end)
    where, params = ["asset_id = ANY(%s)"], [list(symbols)]
    if start:
        where.append("date >= %s")
        params.append(start)
    if end:
        where.append("date <= %s")
        params.append(end)
    sql = (
        f"SELECT asset_id, date, COALESCE(adj_close, close)::float8 FROM {PriceBar._meta.db_table} "  # noqa: S608
        f"WHERE {' AND '.join(where)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return pd.DataFrame(columns=symbols, index=pd.DatetimeIndex([], name="date"), dtype=float)
    long = pd.DataFrame(rows, columns=["symbol", "date", "value"])
    long["date"] = pd.to_datetime(long["date"])
    wide = long.pivot(index="date", columns="symbol", values="value").sort_index()
    wide.columns.name = None
    return wide.reindex(columns=symbols)


def load_prices(universe: Universe, window: Window) -> tuple[pd.DataFrame, int, list[str]]:
    """Adjusted closes in the window, the annualisation basis and what was done to the calendar.

    All-crypto universes use 365 periods a year. A universe mixing crypto with exchange-traded
    assets uses the exchange days only (a crypto return then spans the weekend) and 252.
    """
    start, end = window_bounds(window, universe)
    prices = closes(universe.symbols, start=start, end=end)
    crypto = [s for s in universe.symbols if universe.assets[s].type == AssetType.CRYPTO]
    notes = []
    if len(crypto) == len(universe.symbols):
        frequency = 365
        notes.append("All assets are crypto: 365 daily periods a year.")
    else:
        frequency = 252
        if crypto:
            others = [s for s in universe.symbols if s not in crypto]
            prices = prices[prices[others].notna().any(axis=1)]
            notes.append(
                "Crypto and exchange-traded assets mixed: exchange days only (a crypto return spans the "
                "weekend), 252 periods a year."
            )
        else:
            notes.append("252 trading days a year.")
    if prices.empty:
        raise ValidationFailed("No prices in the window.", fields={"start": ["No bars for these assets here."]})
    notes.insert(0, f"Estimation window: {prices.index[0].date()} to {prices.index[-1].date()} ({len(prices)} days).")
    return prices, frequency, notes


def prediction_views(symbols: list[str], assets: dict[str, Asset]) -> tuple[list[optimization.View], list[str]]:
    """Black-Litterman views from the latest 1-month or 3-month prediction of each asset.

    View = the predicted return annualised, (predicted / as-of price)^(f/h) − 1. Its variance:
    the prediction interval's half-width as a return, divided by the normal quantile of its level,
    squared and scaled to a year (f/h), then divided by the skill 2·confidence_score − 1 (floored at
    0.05), so a coin-flip track record makes the view count for little.
    """
    from apps.predictions.models import Prediction

    # The latest prediction per asset as a correlated subquery (not DISTINCT ON): it runs on
    # PostgreSQL and on the SQLite of `make run` alike. The id breaks ties, so the pick is stable.
    newest_of_asset = (
        Prediction.objects.filter(asset_id=OuterRef("asset_id"), timeframe__in=VIEW_TIMEFRAMES)
        .order_by("-timestamp", "-horizon_periods", "-id")
        .values("id")[:1]
    )
    latest = Prediction.objects.filter(
        asset_id__in=symbols, timeframe__in=VIEW_TIMEFRAMES, id=Subquery(newest_of_asset)
    ).order_by("asset_id")
    views, notes = [], []
    for p in latest:
        f = assets[p.asset_id].trading_days_per_year
        h = max(int(p.horizon_periods), 1)
        base = float(p.as_of_price)
        horizon_return = float(p.predicted_price) / base - 1
        z = float(norm.ppf((1 + float(p.level)) / 2))
        sigma = (float(p.confidence_upper) - float(p.confidence_lower)) / base / (2 * z)
        skill = max(2 * float(p.confidence_score) - 1, MIN_SKILL)
        views.append(
            optimization.View(
                symbol=p.asset_id,
                expected_return=(1 + horizon_return) ** (f / h) - 1,
                variance=sigma**2 * (f / h) / skill,
            )
        )
        notes.append(f"{p.asset_id}: {p.timeframe} prediction as of {p.as_of}, score {p.confidence_score}.")
    if not views:
        raise ValidationFailed(
            "Black-Litterman needs QuantumVest predictions, and there are none for these assets.",
            fields={"objective": ["No 1-month or 3-month predictions for the universe; choose another objective."]},
            code="no_predictions",
        )
    return views, notes
