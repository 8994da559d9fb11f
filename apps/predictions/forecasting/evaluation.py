"""Walk-forward evaluation: how a model (or the selection users get) would have done.

Metrics, all on the scored origins (see ``walk`` for the origin grid):
- ``mae``: mean |actual − point| in price units; ``naive_mae``: the same for the last price;
  ``rel_mae`` = mae / naive_mae (below 1 beats the random walk).
- ``mase``: mean of |actual − point| / (mean absolute one-step price change over the 252
  periods before the origin): in-sample one-step naive MAE, measured locally because price
  levels move a lot over decades.
- ``coverage``: share of actuals inside [lower, upper]; ``mean_width``: mean of upper − lower.
- ``winkler``: interval score, width + (2/α)·(distance outside the interval), α = 1 − level.
- ``pinball``: mean quantile loss over the quantiles α/2 (lower), 0.5 (point), 1 − α/2 (upper).
- ``directional_accuracy``: share of origins whose stated direction was right;
  ``base_rate_up``: share of origins after which the price went up.
- ``brier``: mean squared error of the calibrated probability of an up move (equivalently of
  confidence_score against "the direction was right").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .base import ForecastingError, clean_prices
from .calibration import CALIBRATIONS, brier, direction_and_confidence, reliability_table
from .walk import MARGIN, SELECTION_WINDOW, T_MIN, WARMUP, Context, choose_model, default_step, origin_grid, walk

DEFAULT_CANDIDATES = ("naive", "drift", "prophet", "sklearn")
METRIC_KEYS = (
    "n_forecasts",
    "mae",
    "naive_mae",
    "rel_mae",
    "mase",
    "level",
    "coverage",
    "mean_width",
    "winkler",
    "pinball",
    "directional_accuracy",
    "base_rate_up",
    "brier",
)
SELECTED = "selected"


@dataclass
class Evaluation:
    symbol: str | None
    horizon: int
    model: str
    metrics: dict
    records: pd.DataFrame
    brier_base_rate: float = math.nan
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    models_served: dict[str, int] = field(default_factory=dict)
    step: int = 0


def _pinball(y: np.ndarray, pred: np.ndarray, q: float) -> float:
    diff = y - pred
    return float(np.mean(np.maximum(q * diff, (q - 1) * diff)))


def compute_metrics(records: pd.DataFrame, level: float) -> dict:
    """The metric dict (keys METRIC_KEYS) of calibrated forecast records."""
    y = records["actual"].to_numpy()
    point = records["point"].to_numpy()
    lower = records["lower"].to_numpy()
    upper = records["upper"].to_numpy()
    last = records["last"].to_numpy()
    alpha = 1 - level
    err = np.abs(y - point)
    naive_mae = float(np.mean(np.abs(y - last)))
    width = upper - lower
    winkler = width + (2 / alpha) * (np.maximum(lower - y, 0) + np.maximum(y - upper, 0))
    up = y > last
    said_up = records["direction"].to_numpy() == "up"
    mae = float(err.mean())
    return {
        "n_forecasts": len(records),
        "mae": mae,
        "naive_mae": naive_mae,
        "rel_mae": mae / naive_mae if naive_mae > 0 else math.nan,
        "mase": float(np.nanmean(err / records["mase_scale"].to_numpy())),
        "level": float(level),
        "coverage": float(np.mean((y >= lower) & (y <= upper))),
        "mean_width": float(width.mean()),
        "winkler": float(winkler.mean()),
        "pinball": float(
            np.mean([_pinball(y, lower, alpha / 2), _pinball(y, point, 0.5), _pinball(y, upper, 1 - alpha / 2)])
        ),
        "directional_accuracy": float(np.mean(said_up == up)),
        "base_rate_up": float(np.mean(up)),
        "brier": brier(records["prob_up"], up),
    }


RECORD_COLUMNS = ("origin", "target", "last", "actual", "point", "lower", "upper", "model", "vol_model")
TERCILES = ("low", "mid", "high")


def _inside(records: pd.DataFrame) -> np.ndarray:
    y = records["actual"].to_numpy()
    return (y >= records["lower"].to_numpy()) & (y <= records["upper"].to_numpy())


def coverage_by_volatility(records: pd.DataFrame) -> dict[str, dict[str, float | int | None]]:
    """Coverage of the interval by tercile of the volatility at the origin, within these records
    (one series): ``{"low": {"coverage", "n", "volatility"}, "mid": …, "high": …}``, volatility as
    the upper edge of the tercile's daily σ, measured by the blend for every volatility model so
    that models are compared on the same calm and stormy origins. Calm markets are the low tercile, storms the high one;
    a volatility estimate that does not mean-revert covers too little in the first and too much in
    the last. A tercile without records has coverage None."""
    daily = records["origin_vol"].to_numpy()  # the blend's daily σ at the origin, for every vol_model
    inside = _inside(records)
    # Terciles by rank, so that ties and tiny samples still split as evenly as they can.
    order = np.argsort(daily, kind="stable")
    groups = np.array_split(order, 3)
    out = {}
    for name, members in zip(TERCILES, groups, strict=True):
        out[name] = {
            "coverage": float(inside[members].mean()) if members.size else None,
            "n": int(members.size),
            "volatility": float(daily[members].max()) if members.size else None,
        }
    return out


def coverage_by_year(records: pd.DataFrame) -> dict[str, dict[str, float | int]]:
    """Coverage of the interval by the calendar year of the origin: ``{"2019": {"coverage", "n"}}``."""
    inside = pd.Series(_inside(records), index=records.index)
    years = records["origin"].dt.year
    return {
        str(year): {"coverage": float(group.mean()), "n": int(group.size)}
        for year, group in inside.groupby(years.to_numpy())
    }


def record_rows(records: pd.DataFrame) -> pd.DataFrame:
    """Every scored forecast with the columns ``RECORD_COLUMNS``, from which every metric can be
    recomputed: dates as YYYY-MM-DD, prices as computed."""
    out = records.loc[:, list(RECORD_COLUMNS)].copy()
    out["origin"] = out["origin"].dt.strftime("%Y-%m-%d")
    out["target"] = out["target"].dt.strftime("%Y-%m-%d")
    return out.loc[:, list(RECORD_COLUMNS)]


def add_directions(records: pd.DataFrame) -> pd.DataFrame:
    pairs = [
        direction_and_confidence(p, last, prob)
        for p, last, prob in zip(records["point"], records["last"], records["prob_up"], strict=True)
    ]
    records = records.copy()
    records["direction"] = [d for d, _ in pairs]
    records["confidence"] = [c for _, c in pairs]
    records["right"] = (records["direction"] == "up") == (records["actual"] > records["last"])
    return records


def check_arguments(horizon: int, level: float, origins: int) -> None:
    if int(horizon) != horizon or horizon < 1:
        raise ForecastingError(f"The horizon is a whole number of periods ≥ 1; got {horizon}.")
    if not 0 < level < 1:
        raise ForecastingError(f"The interval level must be between 0 and 1; got {level}.")
    if origins < 1:
        raise ForecastingError(f"The number of origins must be at least 1; got {origins}.")


def evaluate(
    prices: pd.Series,
    *,
    horizon: int,
    model: str | None = None,
    origins: int = 48,
    level: float = 0.8,
    exog: pd.DataFrame | None = None,
    periods_per_year: int = 252,
    step: int | None = None,
    candidates: tuple[str, ...] = DEFAULT_CANDIDATES,
    warmup: int = WARMUP,
    n_jobs: int = 1,
    vol_model: str = "blend",
    calibration: str = "pooled",
) -> Evaluation:
    """Walk-forward backtest over the last ``origins`` non-overlapping origins.

    ``vol_model`` scales the errors and intervals (``volatility.dense_scale``): "blend" (served),
    "ewma", "garch" or "gjr". ``calibration``: "pooled" (served) or "volatility" (intervals from the
    errors of origins in the same volatility tercile, ``calibration.same_volatility``).

    ``model=None`` evaluates what users get: at each origin the selection rule is applied to the
    candidates' earlier matured forecasts, and the chosen model's forecast is scored.
    Raises ForecastingError (bad arguments, unknown model) or InsufficientHistory.
    """
    check_arguments(horizon, level, origins)
    prices = clean_prices(prices)
    step = step or default_step(horizon, periods_per_year)
    if calibration not in CALIBRATIONS:
        raise ForecastingError(f"Unknown calibration {calibration!r}; choose one of {', '.join(CALIBRATIONS)}.")
    ctx = Context.build(prices, horizon, exog, vol_model, calibration)
    grid, scored = origin_grid(len(prices), horizon, origins, step, warmup)
    first = len(grid) - scored
    if model is not None:
        records = walk(ctx, model, grid, level, n_jobs).iloc[first:]
    else:
        names = ("naive", *[c for c in candidates if c != "naive"])
        walks = {name: walk(ctx, name, grid, level, n_jobs) for name in names}
        rows = []
        for i in range(first, len(grid)):
            chosen, _ = choose_model(walks, slice(max(0, i - SELECTION_WINDOW), i))
            rows.append(walks[chosen].iloc[i])
        records = pd.DataFrame(rows)
    records = add_directions(records.reset_index(drop=True))
    metrics = compute_metrics(records, level)
    up = records["actual"] > records["last"]
    return Evaluation(
        symbol=None if prices.name is None else str(prices.name),
        horizon=int(horizon),
        model=model or SELECTED,
        metrics=metrics,
        records=records,
        brier_base_rate=brier(records["base_rate"], up),
        reliability=reliability_table(records["confidence"], records["right"]),
        models_served=records["model"].value_counts().to_dict(),
        step=step,
    )


def input_effect(without: Evaluation, with_input: Evaluation) -> dict:
    """Whether an exogenous input clearly improves a model's walk-forward forecasts, and by how much.

    Both evaluations must come from the same prices, horizon and origins. The input helps when the
    relMAE with it is at least ``MARGIN`` below the relMAE without it AND the paired t-statistic of
    the volatility-scaled absolute log errors (without − with) is at least ``T_MIN``: the same bar
    a model must clear to replace the random walk (``walk.choose_model``), so that noise that lowers
    the error by luck on a few origins is not kept. Returns ``kept``, both relMAEs, ``t`` and ``n``.
    Raises ForecastingError when the two evaluations were not made on the same origins.
    """
    a, b = without.records, with_input.records
    if len(a) != len(b) or not (a["origin"].to_numpy() == b["origin"].to_numpy()).all():
        raise ForecastingError("The two evaluations were not made on the same origins.")
    n = len(a)
    d = (
        np.abs(np.log(a["actual"].to_numpy() / a["point"].to_numpy()))
        - np.abs(np.log(b["actual"].to_numpy() / b["point"].to_numpy()))
    ) / a["scale"].to_numpy()
    sd = float(d.std(ddof=1)) if n > 1 else 0.0
    t = float(d.mean() / (sd / np.sqrt(n))) if sd > 0 else 0.0
    rel_with, rel_without = with_input.metrics["rel_mae"], without.metrics["rel_mae"]
    kept = bool(
        math.isfinite(rel_with) and math.isfinite(rel_without) and rel_with <= rel_without * (1 - MARGIN) and t >= T_MIN
    )
    return {"kept": kept, "rel_mae_with": rel_with, "rel_mae_without": rel_without, "t": t, "n": n}
