"""A pure-Python reference of TrendAnalysis's arithmetic, integer for integer.

No Django, no web3: ``scripts/trend_reference.py`` imports this module by path, so that anyone can
compute, from a price series, the moving averages and trend flips the contract must give. The rules
(contracts/src/TrendAnalysis.sol):

- prices are positive integers (the price scaled by 1e8), days strictly increasing integers;
- the short window is the last 7 observations, the long one the last 30;
- with at least 30 observations the trend is Up when ``shortSum * 30 > longSum * 7``, Down when
  ``<``, Flat when equal; before 30 observations it is Flat;
- a flip (the contract's ``TrendChanged``) is recorded whenever the trend after an observation
  differs from the trend after the previous one (the first one counts from Flat), carrying the day,
  the new trend and ``floor(shortSum / 7)``, ``floor(longSum / 30)``;
- the averages read back (``seriesOf``) are ``floor(sum / min(count, window))`` (0 with none).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

SHORT_WINDOW = 7
LONG_WINDOW = 30
MAX_PRICE = 10**24
SCALE = 10**8
FLAT, UP, DOWN = 0, 1, 2
TREND_NAMES = {FLAT: "flat", UP: "up", DOWN: "down"}


@dataclass(frozen=True)
class Flip:
    """One TrendChanged event: the day it happened, the new trend and both floored averages."""

    day: int
    trend: int
    short_ma: int
    long_ma: int


@dataclass
class TrendSeries:
    """One asset's state, fed observation by observation exactly as the contract is."""

    last_day: int = 0
    count: int = 0
    trend: int = FLAT
    window: deque = field(default_factory=lambda: deque(maxlen=LONG_WINDOW))
    flips: list[Flip] = field(default_factory=list)

    @property
    def short_sum(self) -> int:
        return sum(list(self.window)[-SHORT_WINDOW:])

    @property
    def long_sum(self) -> int:
        return sum(self.window)

    def push(self, day: int, price: int) -> Flip | None:
        """Apply one observation; the flip it causes, if any.

        Raises ValueError where the contract reverts: a price of 0 or above MAX_PRICE
        (PriceOutOfRange), a day not after the last one (DayNotIncreasing).
        """
        if not 0 < price <= MAX_PRICE:
            raise ValueError(f"PriceOutOfRange({price})")
        if self.count > 0 and day <= self.last_day:
            raise ValueError(f"DayNotIncreasing({self.last_day}, {day})")
        self.window.append(price)
        self.count += 1
        self.last_day = day
        trend = FLAT
        if self.count >= LONG_WINDOW:
            short_scaled, long_scaled = self.short_sum * LONG_WINDOW, self.long_sum * SHORT_WINDOW
            trend = UP if short_scaled > long_scaled else DOWN if short_scaled < long_scaled else FLAT
        flip = None
        if trend != self.trend:
            flip = Flip(day, trend, self.short_sum // SHORT_WINDOW, self.long_sum // LONG_WINDOW)
            self.flips.append(flip)
        self.trend = trend
        return flip

    def extend(self, observations: Iterable[tuple[int, int]]) -> TrendSeries:
        for day, price in observations:
            self.push(day, price)
        return self

    def averages(self) -> tuple[int, int]:
        """(shortMA, longMA) as ``seriesOf`` reports them: floors over the observations so far."""
        if self.count == 0:
            return 0, 0
        return (
            self.short_sum // min(self.count, SHORT_WINDOW),
            self.long_sum // min(self.count, LONG_WINDOW),
        )


def scale_price(price: str | Decimal) -> int:
    """A decimal price as the contract takes it: times 1e8, rounded half to even (the feed's rule)."""
    return int((Decimal(price) * SCALE).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def flips(observations: Iterable[tuple[int, int]]) -> list[Flip]:
    """Every TrendChanged a fresh asset fed ``observations`` (day, scaled price) emits, in order."""
    return TrendSeries().extend(observations).flips
