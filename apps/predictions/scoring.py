"""The public track record's statistics, from scored forecasts, in one pass per group.

Plain numbers in, plain numbers out (no ORM): ``ScoredForecast`` carries exactly the fields the
public forecasts list publishes, so that anyone can recompute every figure from that list:

- ``n``: matured (scored) forecasts.
- ``coverage``: share whose actual price fell inside ``[confidence_lower, confidence_upper]``
  (bounds included); ``coverage_low``/``coverage_high``: its Wilson score interval at 95%
  (z = 1.959964), a binomial confidence range for the true coverage; ``nominal_level``: the mean
  stated level of those intervals (0.8 for an 80% interval).
- ``rel_mae``: Σ|predicted − actual| / as_of_price ÷ Σ|as_of_price − actual| / as_of_price: the
  error relative to the random walk ("the price stays at the as-of price"), on errors scaled by
  the as-of price so that assets can be pooled; below 1 beats the random walk.
- ``brier``: mean (p_up − up)², where p_up = confidence_score when the stated direction is "up"
  and 1 − confidence_score when it is "down", and up = 1 when actual_price > as_of_price, else 0
  (an unchanged price is not "up").
- ``base_rate_up``: the observed share of "up" in the group; ``brier_base_rate``: the Brier score
  of always forecasting that share, base_rate_up × (1 − base_rate_up). A Brier score below it
  means the stated probabilities carried information beyond the base rate.
- ``hit_rate``: share whose stated direction was right (up: actual > as_of; down: actual < as_of).
- Reliability: p_up in ten bins of width 0.1 (bin = floor(10 p_up), p_up = 1 in the last one), with
  the mean p_up and the observed share of "up" in each bin.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

Z_95 = 1.959963984540054  # two-sided 95% normal quantile
RELIABILITY_BINS = 10


@dataclass(frozen=True)
class ScoredForecast:
    """The published fields of one matured forecast that the figures depend on."""

    as_of_price: Decimal
    predicted_price: Decimal
    confidence_lower: Decimal
    confidence_upper: Decimal
    actual_price: Decimal
    direction: str  # "up" or "down"
    confidence_score: Decimal
    target_date: date
    level: Decimal

    @property
    def went_up(self) -> bool:
        return self.actual_price > self.as_of_price

    @property
    def p_up(self) -> Decimal:
        return self.confidence_score if self.direction == "up" else 1 - self.confidence_score


def figures_of(forecasts: Iterable[ScoredForecast]) -> Figures:
    """The figures of one group of forecasts."""
    accumulator = _Accumulator()
    for forecast in forecasts:
        accumulator.add(forecast)
    return accumulator.figures()


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | tuple[None, None]:
    """The Wilson score interval of a binomial proportion (``(None, None)`` when n is 0)."""
    if n <= 0:
        return None, None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Figures:
    """The track record of one group of matured forecasts (see the module docstring)."""

    n: int
    inside: int
    coverage: float | None
    coverage_low: float | None
    coverage_high: float | None
    nominal_level: float | None
    hit_rate: float | None
    mean_scaled_error: float | None
    mean_scaled_naive_error: float | None
    rel_mae: float | None
    brier: float | None
    base_rate_up: float | None
    brier_base_rate: float | None
    first_target: date | None
    last_target: date | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _Accumulator:
    n: int = 0
    inside: int = 0
    hits: int = 0
    ups: int = 0
    error: float = 0.0
    naive: float = 0.0
    squared: float = 0.0
    levels: Decimal = Decimal(0)
    first: date | None = None
    last: date | None = None

    def add(self, forecast: ScoredForecast) -> None:
        actual, origin = forecast.actual_price, forecast.as_of_price
        up = forecast.went_up
        self.n += 1
        self.inside += forecast.confidence_lower <= actual <= forecast.confidence_upper
        self.hits += up if forecast.direction == "up" else actual < origin
        self.ups += up
        self.error += float(abs(forecast.predicted_price - actual) / origin)
        self.naive += float(abs(origin - actual) / origin)
        self.squared += (float(forecast.p_up) - up) ** 2
        self.levels += forecast.level
        if self.first is None or forecast.target_date < self.first:
            self.first = forecast.target_date
        if self.last is None or forecast.target_date > self.last:
            self.last = forecast.target_date

    def figures(self) -> Figures:
        if not self.n:
            return Figures(0, 0, *([None] * 13))
        low, high = wilson_interval(self.inside, self.n)
        base = self.ups / self.n
        return Figures(
            n=self.n,
            inside=self.inside,
            coverage=self.inside / self.n,
            coverage_low=low,
            coverage_high=high,
            nominal_level=float(self.levels / self.n),
            hit_rate=self.hits / self.n,
            mean_scaled_error=self.error / self.n,
            mean_scaled_naive_error=self.naive / self.n,
            rel_mae=self.error / self.naive if self.naive > 0 else None,
            brier=self.squared / self.n,
            base_rate_up=base,
            brier_base_rate=base * (1 - base),
            first_target=self.first,
            last_target=self.last,
        )


@dataclass
class _Bins:
    counts: list[int] = field(default_factory=lambda: [0] * RELIABILITY_BINS)
    p_sums: list[float] = field(default_factory=lambda: [0.0] * RELIABILITY_BINS)
    ups: list[int] = field(default_factory=lambda: [0] * RELIABILITY_BINS)

    def add(self, forecast: ScoredForecast) -> None:
        p_up = forecast.p_up
        index = min(int(p_up * RELIABILITY_BINS), RELIABILITY_BINS - 1)
        self.counts[index] += 1
        self.p_sums[index] += float(p_up)
        self.ups[index] += forecast.went_up

    def rows(self) -> list[dict]:
        return [
            {
                "bin_lower": index / RELIABILITY_BINS,
                "bin_upper": (index + 1) / RELIABILITY_BINS,
                "n": count,
                "mean_p_up": self.p_sums[index] / count,
                "observed_up": self.ups[index] / count,
            }
            for index, count in enumerate(self.counts)
            if count
        ]


def group_figures(
    rows: Iterable[tuple[Iterable[Hashable], Hashable, ScoredForecast]],
) -> tuple[dict[Hashable, Figures], dict[Hashable, list[dict]]]:
    """Figures per group and reliability rows per table, in one pass over ``rows``.

    Each row is ``(group keys, table key, forecast)``: the forecast counts in every group it names
    (e.g. its asset and horizon, and its horizon over all assets) and in one reliability table.
    Groups and tables come out in the order they were first seen.
    """
    groups: dict[Hashable, _Accumulator] = {}
    tables: dict[Hashable, _Bins] = {}
    for keys, table, forecast in rows:
        for key in keys:
            groups.setdefault(key, _Accumulator()).add(forecast)
        tables.setdefault(table, _Bins()).add(forecast)
    return (
        {key: accumulator.figures() for key, accumulator in groups.items()},
        {key: bins.rows() for key, bins in tables.items()},
    )
