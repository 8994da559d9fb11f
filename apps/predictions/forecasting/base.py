"""Types shared by every forecaster, price cleaning and the volatility scale.

Plain numerical code: no Django. Prices are a float ``pd.Series`` indexed by date, oldest first.
Every model works on log prices; an h-step forecast is a log return ``mu`` added to the last log
price, and errors are measured in units of ``scale`` = recent volatility × √h (see ``vol_scale``),
which makes them comparable across calm and turbulent periods and across assets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

HORIZONS_STOCK = {"1d": 1, "1w": 5, "1m": 21, "3m": 63}
HORIZONS_CRYPTO = {"1d": 1, "1w": 7, "1m": 30, "3m": 90}

# Fewest prices a model is fitted on: two years of trading days.
MIN_TRAIN = 504
# Volatility: an exponentially weighted short-run estimate (half-life in periods) blended with
# a one-year estimate; the longer the horizon, the more weight the one-year figure gets, because
# volatility reverts to its mean.
SHORT_HALFLIFE = 20
LONG_WINDOW = 252


class ForecastingError(ValueError):
    """The input cannot be forecast (bad prices, unknown model, bad horizon)."""


class InsufficientHistory(ForecastingError):
    """Too few prices for the requested fit or backtest."""


@dataclass(frozen=True)
class Forecast:
    """A model's raw forecast: point (median) and quantiles, e.g. ``{0.1: lo, 0.9: hi}``."""

    horizon: int
    point: float
    quantiles: dict[float, float]


@dataclass(frozen=True)
class HorizonForecast:
    """What users get for one horizon: a calibrated interval and a calibrated direction probability.

    ``direction`` is "up" when ``point`` is above the last price, "down" when below; when the
    point equals the last price (the random walk) it follows ``prob_up``. ``confidence`` is the
    calibrated probability that ``direction`` is right.
    """

    horizon: int
    point: float
    lower: float
    upper: float
    level: float
    direction: str
    confidence: float
    model: str
    prob_up: float = math.nan
    last_price: float = math.nan
    as_of: pd.Timestamp | None = None
    beats_random_walk: bool = False


@runtime_checkable
class Forecaster(Protocol):
    name: str

    def fit(self, prices: pd.Series, exog: pd.DataFrame | None = None) -> Forecaster: ...

    def predict(self, horizons: Sequence[int], levels: Sequence[float]) -> list[Forecast]: ...


def clean_prices(prices: pd.Series) -> pd.Series:
    """Float series on a sorted, unique DatetimeIndex with positive values; NaNs dropped.

    Raises ForecastingError for non-positive prices or an index that is not made of dates.
    """
    if not isinstance(prices, pd.Series):
        raise ForecastingError("Prices must be a pandas Series indexed by date.")
    series = prices.dropna().astype(float)
    try:
        index = pd.DatetimeIndex(series.index)
    except (TypeError, ValueError) as exc:
        raise ForecastingError("Prices must be indexed by date.") from exc
    series = pd.Series(series.to_numpy(), index=index, name=prices.name)
    if not series.index.is_monotonic_increasing:
        series = series.sort_index()
    if series.index.has_duplicates:
        raise ForecastingError("Prices have more than one value for the same date.")
    if (series <= 0).any() or not np.isfinite(series.to_numpy()).all():
        raise ForecastingError("Prices must be positive finite numbers.")
    return series


def vol_scale(logp: np.ndarray, horizon: int) -> np.ndarray:
    """σ×√h at every index, from log returns up to and including that index (causal).

    σ² = a·EWMA(r², half-life 20) + (1−a)·mean(r², last 252), a = 21/(21+h).
    """
    r = np.diff(logp, prepend=np.nan)
    r2 = pd.Series(r * r)
    short = r2.ewm(halflife=SHORT_HALFLIFE, min_periods=SHORT_HALFLIFE).mean().to_numpy()
    long = r2.rolling(LONG_WINDOW, min_periods=60).mean().to_numpy()
    long = np.where(np.isnan(long), short, long)
    a = 21.0 / (21.0 + horizon)
    var = a * short + (1 - a) * long
    # A floor keeps a flat stretch of quotes (a halted stock) from dividing by zero.
    return np.sqrt(np.maximum(var, 1e-10) * horizon)


def infer_frequency(index: pd.DatetimeIndex) -> str:
    """ "D" when the series trades at weekends (crypto), else "B" (exchange days)."""
    if len(index) and (index.day_of_week >= 5).mean() > 0.05:
        return "D"
    return "B"


def future_dates(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The next ``horizon`` period dates after ``last`` (weekdays for "B"; holidays are not known)."""
    return pd.date_range(last, periods=horizon + 1, freq=freq)[1:]
