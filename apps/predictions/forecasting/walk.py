"""The walk-forward engine shared by evaluation and selection.

Origins form a grid ending at the last date whose h-step outcome is known, spaced ``step``
periods apart with step ≥ h, so forecasts do not overlap: every earlier forecast has matured
(its target date is on or before the next origin) and coverage counts are independent draws
rather than one move counted h times. The grid reaches ``warmup`` origins further back than the
origins that are scored, so that calibration and selection at the first scored origin already
have out-of-sample errors to learn from.

At every origin a model is fitted on prices up to and including that origin (and exogenous data
up to that date), and its interval and direction probability are calibrated on errors whose
targets are on or before that origin. Nothing after an origin can reach that origin's forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .base import MIN_TRAIN, ForecastingError, InsufficientHistory
from .calibration import (
    MIN_SCORES,
    dense_scores,
    fit_shrink,
    interval_offsets,
    matured_pairs,
    matured_window,
    raw_prob_up,
    recalibrate,
    same_volatility,
)
from .models import DENSE_MODELS, MODELS, make_model
from .volatility import dense_scale

WARMUP = 24
MIN_ORIGINS = 10
# Selection: at most this many of the latest matured forecasts decide; fewer than
# MIN_SELECTION_RECORDS always serves the random walk. A challenger must have an MAE at least
# MARGIN below the random walk's AND a paired t-statistic of at least T_MIN on the
# volatility-scaled absolute errors: a clear, not a lucky, edge.
SELECTION_WINDOW = 48
MIN_SELECTION_RECORDS = 24
MARGIN = 0.01
T_MIN = 2.0


def default_step(horizon: int, periods_per_year: int = 252) -> int:
    """Non-overlapping origins, at least two weeks apart so 100 origins span several years."""
    return max(int(horizon), periods_per_year // 26)


def origin_grid(n: int, horizon: int, origins: int, step: int, warmup: int = WARMUP) -> tuple[np.ndarray, int]:
    """Ascending origin indices and how many of the last ones are scored.

    Raises InsufficientHistory when fewer than MIN_ORIGINS scored origins fit after MIN_TRAIN prices.
    """
    if step < horizon:
        raise ForecastingError(f"The step between origins ({step}) must be at least the horizon ({horizon}).")
    if origins < MIN_ORIGINS:
        # Not a shortage of prices: the message below would contradict itself ("needs 586; got 1258").
        raise ForecastingError(f"A backtest scores at least {MIN_ORIGINS} origins; {origins} were asked for.")
    last = n - 1 - horizon
    idx = last - step * np.arange(origins + warmup)
    idx = idx[idx >= MIN_TRAIN - 1]
    scored = min(origins, len(idx))
    if scored < MIN_ORIGINS:
        raise InsufficientHistory(
            f"A backtest at horizon {horizon} needs at least {MIN_TRAIN + horizon + step * (MIN_ORIGINS - 1)} "
            f"prices ({MIN_TRAIN} to fit, then {MIN_ORIGINS} origins {step} apart); got {n}."
        )
    return idx[::-1].copy(), scored


@dataclass
class Context:
    """Arrays computed once per series and horizon. Each entry at index j uses data up to j only."""

    prices: pd.Series
    horizon: int
    exog: pd.DataFrame | None
    logp: np.ndarray
    scale: np.ndarray
    naive_scores: np.ndarray
    up: np.ndarray  # 1.0 if the price h steps after j is above the price at j, NaN if unknown
    mase_scale: np.ndarray  # mean absolute one-step price change over the last 252 periods
    vol_model: str = "blend"  # the volatility model of ``scale`` (forecasting.volatility)
    # Daily σ at each index by the blend, whatever ``vol_model`` is: the common yardstick that
    # sorts origins into calm and stormy ones when coverage is reported by volatility tercile.
    origin_vol: np.ndarray | None = None
    # "pooled": intervals from all recent errors; "volatility": from those of origins in the same
    # volatility tercile (calibration.same_volatility).
    calibration: str = "pooled"

    @classmethod
    def build(
        cls,
        prices: pd.Series,
        horizon: int,
        exog: pd.DataFrame | None = None,
        vol_model: str = "blend",
        calibration: str = "pooled",
    ) -> Context:
        logp = np.log(prices.to_numpy())
        scale = dense_scale(logp, horizon, vol_model)
        up = np.full(len(logp), np.nan)
        up[:-horizon] = (logp[horizon:] > logp[:-horizon]).astype(float)
        mase = prices.diff().abs().rolling(252, min_periods=20).mean().to_numpy()
        naive = dense_scores(logp, np.zeros_like(logp), scale, horizon)
        origin_vol = dense_scale(logp, 1, "blend")
        return cls(prices, horizon, exog, logp, scale, naive, up, mase, vol_model, origin_vol, calibration)

    def exog_upto(self, origin: int) -> pd.DataFrame | None:
        if self.exog is None:
            return None
        return self.exog.loc[: self.prices.index[origin]]

    def base_rate(self, origin: int) -> float:
        window = matured_window(self.up, origin, self.horizon)
        return float(window.mean()) if len(window) else 0.5


def _fit_and_forecast(name: str, prices: pd.Series, exog: pd.DataFrame | None, horizon: int) -> float:
    return make_model(name).fit(prices, exog).log_return(horizon)


def forecast_log_returns(ctx: Context, name: str, grid: np.ndarray, n_jobs: int = 1) -> np.ndarray:
    """The model's h-step log-return forecast at each origin, fitted on data up to that origin.

    ``n_jobs`` > 1 fits origins in parallel processes (each fit still sees only its own slice).
    """
    if name not in MODELS:
        raise ForecastingError(f"Unknown model {name!r}; choose from {', '.join(MODELS)}.")
    if name in DENSE_MODELS:
        return DENSE_MODELS[name](ctx.logp, ctx.horizon)[grid]
    jobs = [(name, ctx.prices.iloc[: origin + 1], ctx.exog_upto(origin), ctx.horizon) for origin in grid]
    if n_jobs > 1:
        from joblib import Parallel, delayed

        return np.array(Parallel(n_jobs=n_jobs)(delayed(_fit_and_forecast)(*job) for job in jobs), dtype=float)
    return np.array([_fit_and_forecast(*job) for job in jobs], dtype=float)


def walk(ctx: Context, name: str, grid: np.ndarray, level: float, n_jobs: int = 1) -> pd.DataFrame:
    """One row per origin: the model's calibrated forecast there and what happened."""
    h = ctx.horizon
    mu = forecast_log_returns(ctx, name, grid, n_jobs)
    scale = ctx.scale[grid]
    realised = ctx.logp[grid + h] - ctx.logp[grid]
    errors = (realised - mu) / scale
    all_scores = dense_scores(ctx.logp, DENSE_MODELS[name](ctx.logp, h), ctx.scale, h) if name in DENSE_MODELS else None
    up = (realised > 0).astype(float)
    lo = np.empty(len(grid))
    hi = np.empty(len(grid))
    p_raw = np.empty(len(grid))
    base = np.empty(len(grid))
    prob = np.empty(len(grid))
    for i, origin in enumerate(grid):
        matured = grid[:i] + h <= origin
        if all_scores is not None:
            scores = matured_window(all_scores, origin, h)
        else:
            scores = errors[:i][matured]
            if len(scores) < MIN_SCORES:
                scores = matured_window(ctx.naive_scores, origin, h)
        if ctx.calibration == "volatility":
            if all_scores is not None:
                past, vols = matured_pairs(all_scores, ctx.origin_vol, origin, h)
            elif len(errors[:i][matured]) >= MIN_SCORES:
                past, vols = errors[:i][matured], ctx.origin_vol[grid[:i][matured]]
            else:
                past, vols = matured_pairs(ctx.naive_scores, ctx.origin_vol, origin, h)
            lo[i], hi[i] = interval_offsets(same_volatility(past, vols, ctx.origin_vol[origin]), level)
        else:
            lo[i], hi[i] = interval_offsets(scores, level)
        base[i] = ctx.base_rate(origin)
        p_raw[i] = raw_prob_up(scores, mu[i], scale[i])
        shrink = fit_shrink(p_raw[:i][matured], base[:i][matured], up[:i][matured])
        prob[i] = recalibrate(p_raw[i], base[i], shrink)
    last = ctx.prices.to_numpy()[grid]
    return pd.DataFrame(
        {
            "origin": ctx.prices.index[grid],
            "target": ctx.prices.index[grid + h],
            "origin_idx": grid,
            "last": last,
            "actual": ctx.prices.to_numpy()[grid + h],
            "point": last * np.exp(mu),
            "lower": last * np.exp(mu + lo * scale),
            "upper": last * np.exp(mu + hi * scale),
            "prob_up": prob,
            "prob_up_raw": p_raw,
            "base_rate": base,
            "mu": mu,
            "scale": scale,
            "error": errors,
            "mase_scale": ctx.mase_scale[grid],
            "model": name,
            "vol_model": ctx.vol_model,
            "calibration": ctx.calibration,
            "origin_vol": ctx.origin_vol[grid],
        }
    )


def choose_model(walks: dict[str, pd.DataFrame], rows: slice) -> tuple[str, dict[str, dict]]:
    """The model to serve given the forecasts in ``rows`` (all matured): naive unless one clearly wins.

    Returns the name and, per challenger, the evidence (n, rel_mae on log errors, t statistic).
    """
    naive = walks["naive"].iloc[rows]
    evidence: dict[str, dict] = {}
    n = len(naive)
    best, best_rel = "naive", 1.0
    naive_abs = np.abs(np.log(naive["actual"].to_numpy() / naive["point"].to_numpy()))
    for name, frame in walks.items():
        if name == "naive":
            continue
        part = frame.iloc[rows]
        model_abs = np.abs(np.log(part["actual"].to_numpy() / part["point"].to_numpy()))
        rel = float(model_abs.sum() / naive_abs.sum()) if naive_abs.sum() > 0 else 1.0
        d = (naive_abs - model_abs) / part["scale"].to_numpy()
        sd = float(d.std(ddof=1)) if n > 1 else 0.0
        t = float(d.mean() / (sd / np.sqrt(n))) if sd > 0 else 0.0
        evidence[name] = {"n": n, "rel_mae_log": rel, "t": t}
        if n >= MIN_SELECTION_RECORDS and rel <= 1 - MARGIN and t >= T_MIN and rel < best_rel:
            best, best_rel = name, rel
    return best, evidence
