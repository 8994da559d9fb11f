"""Backtests of a value-at-risk series against what happened (issue 13): numerical, no Django.

Conventions, as the risk API states them: P/L and VaR are in the portfolio's currency and a loss is
negative, so a VaR is a negative number (the loss not exceeded with probability ``level``) and a day
is an *exception* when its P/L is below that day's VaR. The VaR of a day must have been computed
from data up to the day before (the caller's walk-forward); nothing here looks ahead.

Tests, each returning a likelihood-ratio statistic and its p-value (small: reject the VaR model):

- Kupiec (1995), proportion of failures: is the exception rate the promised ``1 - level``?
  LR = -2 ln[(1-p)^(n-x) p^x] + 2 ln[(1-x/n)^(n-x) (x/n)^x] ~ χ²(1).
- Christoffersen (1998), independence: does an exception make the next one more likely (first-order
  Markov chain of the hit sequence against independent hits)? ~ χ²(1). Conditional coverage: the two
  together, LR_pof + LR_ind ~ χ²(2).
- The Basel Committee's traffic light (1996): zones by the cumulative binomial probability of the
  exception count: green below 95%, yellow below 99.99%, red from there; for 250 days at 99% that is
  0–4 green, 5–9 yellow, 10 or more red.

``0 · ln 0`` is taken as 0 throughout (``scipy.special.xlogy``), so that a sequence with no exception,
or with no day after an exception, still has a defined statistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import xlogy

BASEL_DAYS = 250
BASEL_LEVEL = 0.99
GREEN_BELOW = 0.95
YELLOW_BELOW = 0.9999


@dataclass(frozen=True)
class Coverage:
    """How a VaR series held: counts, the three tests and, at 99%, the Basel zone of the last 250 days."""

    days: int
    exceptions: int
    expected: float
    rate: float
    kupiec_p: float
    christoffersen_ind_p: float | None
    christoffersen_cc_p: float | None
    zone: str | None


def exceptions(pnl: Sequence[float], var: Sequence[float]) -> np.ndarray:
    """True on each day whose P/L is below its VaR (both in money, a loss negative)."""
    pnl_array = np.asarray(pnl, dtype=float)
    var_array = np.asarray(var, dtype=float)
    if pnl_array.shape != var_array.shape or pnl_array.ndim != 1:
        raise ValueError(f"P/L and VaR must be series of the same length ({pnl_array.shape} and {var_array.shape}).")
    if not (np.isfinite(pnl_array).all() and np.isfinite(var_array).all()):
        raise ValueError("P/L and VaR must be finite numbers on every day.")
    return pnl_array < var_array


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"The VaR level must lie strictly between 0 and 1, not {level}.")
    return 1.0 - level


def kupiec_pof(days: int, count: int, level: float) -> tuple[float, float]:
    """(LR statistic, p-value) of Kupiec's proportion-of-failures test."""
    p = _check_level(level)
    if days <= 0 or not 0 <= count <= days:
        raise ValueError(f"Need 0 ≤ exceptions ≤ days and days > 0 (got {count} of {days}).")
    observed = count / days
    log_null = xlogy(days - count, 1 - p) + xlogy(count, p)
    log_alt = xlogy(days - count, 1 - observed) + xlogy(count, observed)
    statistic = max(0.0, float(-2.0 * (log_null - log_alt)))
    return statistic, float(stats.chi2.sf(statistic, 1))


def christoffersen_independence(hits: Sequence[bool]) -> tuple[float, float] | None:
    """(LR statistic, p-value) of Christoffersen's independence test, or None when it is undefined:
    fewer than two days, or a sequence that never changes state (all exceptions or none), where the
    chain's transition probabilities cannot be told apart from the unconditional rate."""
    sequence = np.asarray(hits, dtype=bool)
    if sequence.size < 2:
        return None
    before, after = sequence[:-1], sequence[1:]
    n00 = int(np.sum(~before & ~after))
    n01 = int(np.sum(~before & after))
    n10 = int(np.sum(before & ~after))
    n11 = int(np.sum(before & after))
    if n01 + n11 == 0 or n00 + n10 == 0:
        return None
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    pi0 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi1 = n11 / (n10 + n11) if n10 + n11 else 0.0
    log_null = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi)
    log_alt = xlogy(n00, 1 - pi0) + xlogy(n01, pi0) + xlogy(n10, 1 - pi1) + xlogy(n11, pi1)
    statistic = max(0.0, float(-2.0 * (log_null - log_alt)))
    return statistic, float(stats.chi2.sf(statistic, 1))


def basel_zone(count: int, days: int = BASEL_DAYS, level: float = BASEL_LEVEL) -> str:
    """ "green", "yellow" or "red": where ``count`` exceptions in ``days`` fall under the binomial law of
    a correct VaR at ``level`` (the Basel traffic light; its table is the case of 250 days at 99%)."""
    p = _check_level(level)
    cumulative = float(stats.binom.cdf(count, days, p))
    if cumulative < GREEN_BELOW:
        return "green"
    if cumulative < YELLOW_BELOW:
        return "yellow"
    return "red"


def evaluate(pnl: Sequence[float], var: Sequence[float], level: float) -> Coverage:
    """Every figure of the backtest of one VaR series at ``level`` (0.95 or 0.99, say)."""
    p = _check_level(level)
    hits = exceptions(pnl, var)
    days = int(hits.size)
    if days == 0:
        raise ValueError("A VaR backtest needs at least one day.")
    count = int(hits.sum())
    _, kupiec_p = kupiec_pof(days, count, level)
    independence = christoffersen_independence(hits)
    if independence is None:
        ind_p = cc_p = None
    else:
        ind_statistic, ind_p = independence
        pof_statistic, _ = kupiec_pof(days - 1, int(hits[1:].sum()), level)
        cc_p = float(stats.chi2.sf(pof_statistic + ind_statistic, 2))
    zone = None
    if abs(level - BASEL_LEVEL) < 1e-12 and days >= BASEL_DAYS:
        zone = basel_zone(int(hits[-BASEL_DAYS:].sum()))
    return Coverage(
        days=days,
        exceptions=count,
        expected=days * p,
        rate=count / days,
        kupiec_p=kupiec_p,
        christoffersen_ind_p=ind_p,
        christoffersen_cc_p=cc_p,
        zone=zone,
    )
