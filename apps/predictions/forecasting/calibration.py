"""Calibration of intervals and of the direction probability from out-of-sample errors.

Intervals: split-conformal on standardised errors. A model's error at a past origin is
``s = (realised log return − forecast log return) / scale`` (scale = volatility × √h at that
origin). The interval at a new origin is ``mu + [q_lo, q_hi] × scale`` where q are empirical
quantiles of the model's past ``s`` (with the finite-sample conformal correction). Only errors
whose target date is on or before the origin are ever used.

Direction: ``prob_up`` is first read off the same error distribution (the share of past errors
that would have made the price end above the last price), then shrunk toward the recent up-move
base rate by a factor fitted (least squares = Brier) on the model's past probability outcomes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Dense models (naive, drift) use the errors of every date in the last three years.
SCORE_WINDOW = 750
# Fewest errors an interval is built from; fewer falls back to the random walk's errors.
MIN_SCORES = 20
# Fewest past probability outcomes the shrink factor is fitted on; fewer uses DEFAULT_SHRINK.
MIN_RECALIBRATION = 30
DEFAULT_SHRINK = 0.5
PROB_CLIP = (0.02, 0.98)


def dense_scores(logp: np.ndarray, mu: np.ndarray, scale: np.ndarray, horizon: int) -> np.ndarray:
    """Standardised error of a dense model's forecast made at every index (NaN where unknown)."""
    out = np.full(len(logp), np.nan)
    if len(logp) > horizon:
        realised = logp[horizon:] - logp[:-horizon]
        out[:-horizon] = (realised - mu[:-horizon]) / scale[:-horizon]
    return out


def matured_window(values: np.ndarray, origin: int, horizon: int, window: int = SCORE_WINDOW) -> np.ndarray:
    """Entries of a dense per-index array whose target (index + h) is at or before ``origin``."""
    end = origin - horizon + 1
    if end <= 0:
        return np.empty(0)
    chunk = values[max(0, end - window) : end]
    return chunk[np.isfinite(chunk)]


CALIBRATIONS = ("pooled", "volatility")
VOLATILITY_BINS = 3


def same_volatility(scores: np.ndarray, vols: np.ndarray, current: float) -> np.ndarray:
    """The scores of the past origins whose volatility fell in the same tercile as ``current``,
    terciles drawn from those past origins' own volatilities (the asset's recent calm and storm).

    Mondrian split conformal (Vovk, Lindsay and others, "Mondrian confidence machine", 2003):
    calibrating within each category gives each category the stated coverage, not only the pool;
    here the category is the volatility regime, where pooled intervals were too narrow in calm
    markets and too wide in stormy ones. Fewer than ``MIN_SCORES`` in the tercile: all the scores."""
    s = np.asarray(scores, dtype=float)
    v = np.asarray(vols, dtype=float)
    keep = np.isfinite(s) & np.isfinite(v)
    s, v = s[keep], v[keep]
    if s.size < MIN_SCORES * VOLATILITY_BINS or not math.isfinite(current):
        return s
    edges = np.quantile(v, np.arange(1, VOLATILITY_BINS) / VOLATILITY_BINS)
    same = s[np.searchsorted(edges, v, side="left") == np.searchsorted(edges, current, side="left")]
    return same if same.size >= MIN_SCORES else s


def matured_pairs(values: np.ndarray, vols: np.ndarray, origin: int, horizon: int, window: int = SCORE_WINDOW):
    """``matured_window`` of two aligned dense arrays (NaN pairs dropped together)."""
    end = origin - horizon + 1
    if end <= 0:
        return np.empty(0), np.empty(0)
    a = values[max(0, end - window) : end]
    b = vols[max(0, end - window) : end]
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def interval_offsets(scores: np.ndarray, level: float) -> tuple[float, float]:
    """(q_lo, q_hi) of standardised errors for a central interval of ``level``; q_lo ≤ 0 ≤ q_hi."""
    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    n = len(s)
    if n == 0:
        raise ValueError("No errors to calibrate an interval from.")
    p_hi = min(1.0, (0.5 + level / 2) * (n + 1) / n)
    p_lo = max(0.0, 1.0 - p_hi)
    lo, hi = np.quantile(s, [p_lo, p_hi])
    return min(float(lo), 0.0), max(float(hi), 0.0)


def raw_prob_up(scores: np.ndarray, mu: float, scale: float) -> float:
    """P(realised log return > 0) if the next error is drawn from the past errors (smoothed)."""
    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    threshold = -mu / scale
    return float((np.sum(s > threshold) + 0.5) / (len(s) + 1))


def fit_shrink(p_raw: np.ndarray, base: np.ndarray, up: np.ndarray) -> float:
    """Factor k in [0, 1] minimising the Brier score of ``base + k (p_raw − base)``."""
    p_raw, base, up = (np.asarray(a, dtype=float) for a in (p_raw, base, up))
    d = p_raw - base
    if len(d) < MIN_RECALIBRATION or float(np.sum(d * d)) < 1e-8:
        return DEFAULT_SHRINK
    return float(np.clip(np.sum(d * (up - base)) / np.sum(d * d), 0.0, 1.0))


def recalibrate(p_raw: float, base: float, shrink: float) -> float:
    return float(np.clip(base + shrink * (p_raw - base), *PROB_CLIP))


def direction_and_confidence(point: float, last: float, prob_up: float) -> tuple[str, float]:
    """Direction from the point vs the last price (ties follow prob_up); confidence = P(right)."""
    if point > last or (point == last and prob_up >= 0.5):
        return "up", prob_up
    return "down", 1.0 - prob_up


def reliability_table(prob, outcome, bins: int = 10) -> pd.DataFrame:
    """Calibration check: per probability bin, how often the event actually happened.

    Columns: bin_lower, bin_upper, n, mean_prob, observed (frequency), gap (observed − mean_prob).
    Empty bins are omitted.
    """
    p = np.asarray(prob, dtype=float)
    y = np.asarray(outcome, dtype=float)
    if p.shape != y.shape:
        raise ValueError("prob and outcome must have the same length.")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if not mask.any():
            continue
        mean_prob, observed = float(p[mask].mean()), float(y[mask].mean())
        rows.append(
            {
                "bin_lower": float(edges[b]),
                "bin_upper": float(edges[b + 1]),
                "n": int(mask.sum()),
                "mean_prob": mean_prob,
                "observed": observed,
                "gap": observed - mean_prob,
            }
        )
    return pd.DataFrame(rows, columns=["bin_lower", "bin_upper", "n", "mean_prob", "observed", "gap"])


def brier(prob, outcome) -> float:
    p = np.asarray(prob, dtype=float)
    y = np.asarray(outcome, dtype=float)
    return float(np.mean((p - y) ** 2)) if len(p) else math.nan
