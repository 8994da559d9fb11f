"""Model selection per asset and horizon, and the forecast users get.

``select_model`` backtests every candidate on the same origins and serves the random walk unless a
challenger is clearly better out of sample (see ``walk.choose_model``); it records every
candidate's metrics and the parameters that calibrate the chosen model's interval and direction
probability. ``forecast`` then only fits the chosen model once on the full history: fast.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .base import MIN_TRAIN, ForecastingError, HorizonForecast, InsufficientHistory, clean_prices
from .calibration import (
    DEFAULT_SHRINK,
    MIN_SCORES,
    dense_scores,
    direction_and_confidence,
    fit_shrink,
    interval_offsets,
    matured_window,
    raw_prob_up,
    recalibrate,
)
from .evaluation import DEFAULT_CANDIDATES, add_directions, check_arguments, compute_metrics
from .models import DENSE_MODELS, make_model
from .walk import SELECTION_WINDOW, WARMUP, Context, choose_model, default_step, origin_grid, walk


@dataclass
class Selection:
    """The model served for one horizon, why, and how its outputs are calibrated (JSON-ready)."""

    horizon: int
    model: str
    beats_random_walk: bool
    metrics: dict[str, dict]
    calibration: dict
    evidence: dict[str, dict] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Selection:
        return cls(**data)


def select_model(
    prices: pd.Series,
    *,
    horizon: int,
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES,
    origins: int = SELECTION_WINDOW,
    level: float = 0.8,
    exog: pd.DataFrame | None = None,
    periods_per_year: int = 252,
    step: int | None = None,
    warmup: int = WARMUP,
    n_jobs: int = 1,
) -> Selection:
    """Backtest the candidates on the last ``origins`` origins and choose one (naive by default).

    Raises ForecastingError or InsufficientHistory.
    """
    check_arguments(horizon, level, origins)
    prices = clean_prices(prices)
    step = step or default_step(horizon, periods_per_year)
    ctx = Context.build(prices, horizon, exog)
    grid, scored = origin_grid(len(prices), horizon, origins, step, warmup)
    first = len(grid) - scored
    names = ("naive", *[c for c in candidates if c != "naive"])
    walks = {name: walk(ctx, name, grid, level, n_jobs) for name in names}
    chosen, evidence = choose_model(walks, slice(first, len(grid)))
    metrics = {name: compute_metrics(add_directions(frame.iloc[first:]), level) for name, frame in walks.items()}
    frame = walks[chosen]
    up = (frame["actual"] > frame["last"]).astype(float).to_numpy()
    calibration = {
        "model": chosen,
        "horizon": int(horizon),
        "level": float(level),
        "step": int(step),
        "trained_until": prices.index[-1].date().isoformat(),
        # Dense models recompute their errors from the prices at forecast time (always current);
        # the others carry the walk-forward errors of their own backtest.
        "score_source": "dense" if chosen in DENSE_MODELS else "walk-forward",
        "scores": [] if chosen in DENSE_MODELS else [round(float(s), 6) for s in frame["error"]],
        "shrink": fit_shrink(frame["prob_up_raw"].to_numpy(), frame["base_rate"].to_numpy(), up),
        "n_records": len(frame),
    }
    return Selection(
        horizon=int(horizon),
        model=chosen,
        beats_random_walk=chosen != "naive",
        metrics=metrics,
        calibration=calibration,
        evidence=evidence,
    )


def forecast(
    prices: pd.Series,
    *,
    horizons: dict[str, int],
    selections: dict[str, Selection] | None = None,
    level: float = 0.8,
    exog: pd.DataFrame | None = None,
) -> dict[str, HorizonForecast]:
    """Calibrated forecasts from the last price, one per named horizon.

    A horizon without a selection gets the random walk, calibrated on its recent errors.
    Raises ForecastingError (bad level, selection for another horizon) or InsufficientHistory.
    """
    check_arguments(1, level, 1)
    prices = clean_prices(prices)
    if len(prices) < MIN_TRAIN:
        raise InsufficientHistory(f"Forecasting needs at least {MIN_TRAIN} prices; got {len(prices)}.")
    selections = selections or {}
    fitted = {}
    out: dict[str, HorizonForecast] = {}
    for key, h in horizons.items():
        check_arguments(h, level, 1)
        selection = selections.get(key)
        if selection is not None and selection.horizon != h:
            raise ForecastingError(f"The selection for {key} was made for horizon {selection.horizon}, not {h}.")
        name = selection.model if selection else "naive"
        calibration = selection.calibration if selection else {}
        if name not in fitted:
            fitted[name] = make_model(name).fit(prices, exog)
        mu = fitted[name].log_return(h)
        ctx = Context.build(prices, h)
        origin = len(prices) - 1
        scale = float(ctx.scale[origin])
        if name in DENSE_MODELS:
            scores = matured_window(dense_scores(ctx.logp, DENSE_MODELS[name](ctx.logp, h), ctx.scale, h), origin, h)
        else:
            scores = np.asarray(calibration.get("scores", []), dtype=float)
            if len(scores) < MIN_SCORES:
                scores = matured_window(ctx.naive_scores, origin, h)
        lo, hi = interval_offsets(scores, level)
        prob = recalibrate(
            raw_prob_up(scores, mu, scale), ctx.base_rate(origin), calibration.get("shrink", DEFAULT_SHRINK)
        )
        last = float(prices.iloc[-1])
        point = last * float(np.exp(mu))
        direction, confidence = direction_and_confidence(point, last, prob)
        out[key] = HorizonForecast(
            horizon=int(h),
            point=point,
            lower=last * float(np.exp(mu + lo * scale)),
            upper=last * float(np.exp(mu + hi * scale)),
            level=float(level),
            direction=direction,
            confidence=confidence,
            model=name,
            prob_up=prob,
            last_price=last,
            as_of=prices.index[-1],
            beats_random_walk=bool(selection and selection.beats_random_walk),
        )
    return out
