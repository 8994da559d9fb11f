"""Performance analytics of one price series: period returns, CAGR, volatility, max drawdown.

Numerical code only: it takes a ``pd.Series`` of closes indexed by date (ascending, no NaN; what
``selectors.close_series`` returns) and knows nothing of the ORM or HTTP. Results are floats and
dates; ``None`` where the history is too short for the figure.

Conventions (stated on screen and in the API schema):
- Period returns are simple returns of the last close over the last close on or before the same
  calendar date one period earlier (1w = 7 days, 1m/3m = calendar months, 1y = a calendar year);
  1d is over the previous bar; YTD is over the last close of the previous calendar year.
- CAGR follows ffn: ``(last / first) ** (1 / years) - 1`` with years = calendar time between the
  first and last dates in years of 365.25 days.
- Volatility is the sample standard deviation (ddof=1) of daily simple returns, annualised by the
  square root of the asset's trading days per year (252 for stocks, ETFs and indices, 365 for crypto).
- Max drawdown is the largest fall from a running peak, ``trough / peak - 1`` (a negative number),
  with the peak's and the trough's dates.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np
import pandas as pd

SECONDS_PER_YEAR = 365.25 * 24 * 60 * 60
RETURN_PERIODS = ("1d", "1w", "1m", "3m", "1y", "ytd")


@dataclass(frozen=True)
class Drawdown:
    value: float  # trough / peak - 1, <= 0
    peak_date: date | None
    trough_date: date | None


@dataclass(frozen=True)
class Stats:
    first_date: date | None
    last_date: date | None
    last_close: float | None
    observations: int
    returns: dict[str, float | None]
    cagr: float | None
    volatility: float | None
    periods_per_year: int
    max_drawdown: Drawdown

    def as_dict(self) -> dict:
        return asdict(self)


def _check(closes: pd.Series) -> pd.Series:
    if closes.isna().any():
        raise ValueError("closes must not contain NaN")
    if not closes.index.is_monotonic_increasing:
        raise ValueError("closes must be in ascending date order")
    return closes.astype(float)


def _close_on_or_before(closes: pd.Series, when: pd.Timestamp) -> float | None:
    position = closes.index.searchsorted(when, side="right") - 1
    return float(closes.iloc[position]) if position >= 0 else None


def period_returns(closes: pd.Series) -> dict[str, float | None]:
    """Simple returns over 1d, 1w, 1m, 3m, 1y and YTD, ending at the last close."""
    closes = _check(closes)
    result: dict[str, float | None] = dict.fromkeys(RETURN_PERIODS)
    if len(closes) < 2:
        return result
    last_date, last = closes.index[-1], float(closes.iloc[-1])
    result["1d"] = last / float(closes.iloc[-2]) - 1
    anchors = {
        "1w": last_date - pd.Timedelta(days=7),
        "1m": last_date - pd.DateOffset(months=1),
        "3m": last_date - pd.DateOffset(months=3),
        "1y": last_date - pd.DateOffset(years=1),
        "ytd": pd.Timestamp(year=last_date.year - 1, month=12, day=31),
    }
    for period, anchor in anchors.items():
        base = _close_on_or_before(closes, anchor)
        result[period] = None if base is None else last / base - 1
    return result


def cagr(closes: pd.Series) -> float | None:
    """Compound annual growth rate between the first and last close (ffn's convention)."""
    closes = _check(closes)
    if len(closes) < 2:
        return None
    years = (closes.index[-1] - closes.index[0]).total_seconds() / SECONDS_PER_YEAR
    if years <= 0:
        return None
    return float((closes.iloc[-1] / closes.iloc[0]) ** (1 / years) - 1)


def annualised_volatility(closes: pd.Series, periods_per_year: int) -> float | None:
    """Sample standard deviation of daily simple returns times sqrt(periods_per_year)."""
    closes = _check(closes)
    returns = closes.pct_change().dropna()
    if len(returns) < 2:
        return None
    return float(returns.std(ddof=1) * math.sqrt(periods_per_year))


def max_drawdown(closes: pd.Series) -> Drawdown:
    """Largest peak-to-trough fall, with the dates of that peak and trough (0 and no dates if none)."""
    closes = _check(closes)
    if closes.empty:
        return Drawdown(0.0, None, None)
    values = closes.to_numpy()
    running_peak = np.maximum.accumulate(values)
    drawdowns = values / running_peak - 1
    trough = int(np.argmin(drawdowns))
    if drawdowns[trough] >= 0:
        return Drawdown(0.0, None, None)
    peak = int(np.argmax(values[: trough + 1]))
    return Drawdown(float(drawdowns[trough]), closes.index[peak].date(), closes.index[trough].date())


def compute_stats(closes: pd.Series, *, periods_per_year: int) -> Stats:
    """Every figure of the stats panel and the stats endpoint for one series."""
    closes = _check(closes)
    empty = closes.empty
    return Stats(
        first_date=None if empty else closes.index[0].date(),
        last_date=None if empty else closes.index[-1].date(),
        last_close=None if empty else float(closes.iloc[-1]),
        observations=len(closes),
        returns=period_returns(closes),
        cagr=cagr(closes),
        volatility=annualised_volatility(closes, periods_per_year),
        periods_per_year=periods_per_year,
        max_drawdown=max_drawdown(closes),
    )
