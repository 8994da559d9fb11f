"""Adaptive conformal inference (Gibbs and Candès 2021, "Adaptive conformal inference under
distribution shift", NeurIPS): keep the long-run coverage of an interval when the errors' law
drifts, as it does between calm and stormy markets.

Plain numerical code: no Django. Split conformal states the interval at each origin from a
quantile of past nonconformity scores at the fixed level 1 − α; when the errors' law shifts, that
quantile is stale and coverage drifts for as long as the window remembers the old regime. ACI
instead tracks a working miscoverage αₜ and, each time an outcome is known, moves it:

    αₜ₊₁ = αₜ + γ (α − errₜ),   errₜ = 1 if the outcome fell outside the interval, else 0,

so a miss narrows the next intervals' α (wider intervals) and a hit widens it. The guarantee
(their Proposition 4.1) holds for *any* sequence of outcomes, without assumptions on the data:

    | (1/T) Σ errₜ − α |  ≤  (max(α₁, 1 − α₁) + γ) / (γ T),

which tends to 0 as T grows. Here outcomes are known ``delay`` = d steps after their origin (an
h-day forecast matures h days later), so each update uses the error that matured at that step.
αₜ then stays within [−γd, 1 + γd] (past 0 or 1 at most d pending errors still push it), and over
the T stated steps, of which the last d have not yet fed back,

    | (1/T) Σ errₜ − α |  ≤  (max(α₁, 1 − α₁) + γd) / (γ T) + d / T.

When αₜ ≤ 0 the interval is the whole line (no outcome falls outside); when αₜ ≥ 1 it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_GAMMA = 0.005


@dataclass(frozen=True)
class AdaptiveRun:
    alphas: np.ndarray  # the working miscoverage used at each step
    thresholds: np.ndarray  # the score threshold at each step (inf: whole line, -inf: empty)
    errors: np.ndarray  # 1.0 where the outcome fell outside, NaN where no interval could be stated

    @property
    def miscoverage(self) -> float:
        known = self.errors[np.isfinite(self.errors)]
        return float(known.mean()) if known.size else float("nan")


def bound(alpha: float, gamma: float, steps: int, delay: int = 1) -> float:
    """The guarantee's bound on |miscoverage − α| over ``steps`` stated intervals (α₁ = α)."""
    return (max(alpha, 1 - alpha) + gamma * delay) / (gamma * steps) + delay / steps


def run(
    scores: np.ndarray,
    alpha: float,
    *,
    gamma: float = DEFAULT_GAMMA,
    delay: int = 1,
    window: int = 750,
    min_scores: int = 20,
) -> AdaptiveRun:
    """ACI over a sequence of nonconformity scores (for instance |standardised error| of each
    origin's forecast, in origin order). At step t the threshold is the empirical (1 − αₜ) quantile
    of the scores that had matured by t (origins up to t − delay, the last ``window`` of them); the
    outcome at t is outside when its score exceeds the threshold. Steps with fewer than
    ``min_scores`` matured scores state no interval (error NaN) and do not move α."""
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or not np.isfinite(s).all():
        raise ValueError("Scores must be one series of finite numbers.")
    if not 0 < alpha < 1 or not gamma > 0 or delay < 1:
        raise ValueError("Need 0 < α < 1, γ > 0 and a delay of at least one step.")
    n = s.size
    alphas = np.full(n, np.nan)
    thresholds = np.full(n, np.nan)
    errors = np.full(n, np.nan)
    current = alpha
    for t in range(n):
        # The error of origin t − delay matures now: it moves α before this step's interval.
        matured = t - delay
        if matured >= 0 and np.isfinite(errors[matured]):
            current = current + gamma * (alpha - errors[matured])
        past = s[max(0, matured + 1 - window) : matured + 1] if matured >= 0 else s[:0]
        if past.size < min_scores:
            continue
        alphas[t] = current
        if current <= 0:
            threshold = np.inf
        elif current >= 1:
            threshold = -np.inf
        else:
            n_past = past.size
            level = min(1.0, (1 - current) * (n_past + 1) / n_past)  # the finite-sample correction
            threshold = float(np.quantile(past, level))
        thresholds[t] = threshold
        errors[t] = float(s[t] > threshold)
    return AdaptiveRun(alphas=alphas, thresholds=thresholds, errors=errors)
