"""Mean-variance and hierarchical optimisation on a DataFrame of prices (no HTTP, no ORM).

Everything here takes a wide frame of daily prices (one column per symbol, NaN where an asset had
no price yet) and plain settings, and returns plain results. ``apps.portfolios.optimization_services``
feeds it from the database and stores what it returns.

Missing prices (assets listed later than others) are handled the way PyPortfolioOpt does, so its
published results reproduce exactly, and the choice is stated in every result (``data_notes``):

- daily returns are computed column by column without filling gaps; a return exists from the
  second price of an asset onwards;
- expected returns of an asset use its own returns inside the window (``mean_historical``,
  ``ema``); ``capm`` betas use the dates the asset shares with the market proxy;
- ``sample_cov`` and ``exp_cov`` estimate each covariance from the dates both assets have returns
  (pairwise), then repair the matrix to be positive semidefinite (spectral clipping);
- ``ledoit_wolf`` needs one complete return matrix, so it uses only the dates on which every asset
  has a return (this is our choice: PyPortfolioOpt would count missing returns as zero);
- an asset with fewer than ``min_observations`` returns in the window is left out, with a warning.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

import numpy as np
import pandas as pd
from celery.exceptions import SoftTimeLimitExceeded
from cvxpy.error import SolverError
from pypfopt import (
    BlackLittermanModel,
    DiscreteAllocation,
    EfficientFrontier,
    HRPOpt,
    expected_returns,
    risk_models,
)
from pypfopt.exceptions import OptimizationError

from quantumvest.errors import ValidationFailed

SOLVER = "CLARABEL"  # OSQP, PyPortfolioOpt's default, fails above ~300 assets (PyPortfolioOpt #221)

OBJECTIVES = (
    "max_sharpe",
    "min_volatility",
    "efficient_risk",
    "efficient_return",
    "max_quadratic_utility",
    "hrp",
    "black_litterman",
)
EXPECTED_RETURNS = ("mean_historical", "ema", "capm")
RISK_MODELS = ("sample_cov", "ledoit_wolf", "exp_cov")

OBJECTIVE_LABELS = {
    "max_sharpe": "the highest Sharpe ratio",
    "min_volatility": "the lowest volatility",
    "efficient_return": "the target return",
    "max_quadratic_utility": "the highest quadratic utility",
    "black_litterman": "Black-Litterman",
}

DEFAULT_RISK_FREE_RATE = 0.02
DEFAULT_MIN_OBSERVATIONS = 60
EMA_SPAN = 500  # trading days, PyPortfolioOpt's default for ema_historical_return
EXP_COV_SPAN = 180  # trading days, PyPortfolioOpt's default for exp_cov
FRONTIER_POINTS = 30

# What each risk preference means. Ledoit-Wolf shrinkage because a sample covariance of many
# assets is noisy out of sample; compounding mean returns because they are what an investor earns.
RISK_PREFERENCES: dict[str, dict] = {
    "conservative": {
        "objective": "min_volatility",
        "expected_returns": "mean_historical",
        "risk_model": "ledoit_wolf",
        "description": "Lowest volatility portfolio (expected returns are ignored), Ledoit-Wolf covariance.",
    },
    "moderate": {
        "objective": "max_sharpe",
        "expected_returns": "mean_historical",
        "risk_model": "ledoit_wolf",
        "description": "Highest Sharpe ratio (tangency) portfolio, mean historical returns, Ledoit-Wolf covariance.",
    },
    "aggressive": {
        "objective": "max_quadratic_utility",
        "risk_aversion": 1.0,
        "expected_returns": "mean_historical",
        "risk_model": "ledoit_wolf",
        "description": "Maximise return - ½·δ·variance with a low risk aversion δ = 1, Ledoit-Wolf covariance.",
    },
}


@dataclass(frozen=True)
class Settings:
    objective: str = "max_sharpe"
    expected_returns: str = "mean_historical"
    compounding: bool = True
    risk_model: str = "sample_cov"
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE
    weight_bounds: tuple[float, float] = (0.0, 1.0)
    target_volatility: float | None = None
    target_return: float | None = None
    risk_aversion: float = 1.0
    frequency: int = 252
    min_observations: int = DEFAULT_MIN_OBSERVATIONS


@dataclass(frozen=True)
class View:
    """An absolute Black-Litterman view: annualised expected return and the variance of that view."""

    symbol: str
    expected_return: float
    variance: float


@dataclass
class Estimate:
    returns: pd.DataFrame
    mu: pd.Series
    cov: pd.DataFrame
    dropped: list[str]
    notes: list[str]


@dataclass
class Result:
    weights: dict[str, float]
    expected_return: float
    volatility: float
    sharpe: float
    mu: pd.Series
    cov: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def validate(settings: Settings, n_assets: int | None = None) -> None:
    """Raise ``ValidationFailed`` naming the field when the settings cannot describe a run."""
    errors: dict[str, list[str]] = {}
    if settings.objective not in OBJECTIVES:
        errors["objective"] = [f"Choose one of: {', '.join(OBJECTIVES)}."]
    if settings.expected_returns not in EXPECTED_RETURNS:
        errors["expected_returns"] = [f"Choose one of: {', '.join(EXPECTED_RETURNS)}."]
    if settings.risk_model not in RISK_MODELS:
        errors["risk_model"] = [f"Choose one of: {', '.join(RISK_MODELS)}."]
    low, high = settings.weight_bounds
    if not (0 <= low <= high <= 1):
        # Long-only: the discrete allocation and the trades buy and sell holdings, they do not short.
        errors["weight_bounds"] = ["Give [low, high] with 0 ≤ low ≤ high ≤ 1 (long-only)."]
    elif settings.objective == "hrp" and (low, high) != (0.0, 1.0):
        # HRP has no bounds: its weights could lie outside them, and above the frontier drawn for them.
        errors["weight_bounds"] = ["Hierarchical risk parity takes no weight bounds: leave them at 0 and 1."]
    elif n_assets and not (n_assets * low <= 1 <= n_assets * high):
        errors["weight_bounds"] = [f"With {n_assets} assets, weights in [{low}, {high}] cannot sum to 1."]
    if not math.isfinite(settings.risk_free_rate) or not -0.5 < settings.risk_free_rate < 1:
        errors["risk_free_rate"] = ["Give an annual rate as a fraction, e.g. 0.02 for 2%."]
    if settings.objective == "efficient_risk" and not (settings.target_volatility and settings.target_volatility > 0):
        errors["target_volatility"] = ["efficient_risk needs a positive annual target volatility, e.g. 0.19."]
    if settings.objective == "efficient_return" and settings.target_return is None:
        errors["target_return"] = ["efficient_return needs an annual target return, e.g. 0.25."]
    if settings.objective == "max_quadratic_utility" and not settings.risk_aversion > 0:
        errors["risk_aversion"] = ["Risk aversion must be positive."]
    if errors:
        raise ValidationFailed("The optimisation settings are not valid.", fields=errors)


def returns_from_prices(prices: pd.DataFrame) -> pd.DataFrame:
    """Simple daily returns, no gap filling (a return needs two consecutive prices of the asset)."""
    return prices.pct_change(fill_method=None).dropna(how="all")


def usable_returns(returns: pd.DataFrame, min_observations: int) -> tuple[pd.DataFrame, list[str]]:
    """Drop assets with fewer than ``min_observations`` daily returns; rows with no return go too."""
    counts = returns.count()
    dropped = [str(s) for s in returns.columns if counts.get(s, 0) < min_observations]
    return returns.drop(columns=dropped).dropna(how="all"), dropped


def mean_historical_return(returns: pd.DataFrame, *, compounding: bool, frequency: int) -> pd.Series:
    """PyPortfolioOpt's ``mean_historical_return`` on returns: (∏(1 + r))^(f / n) − 1 over each
    asset's own n returns, or the arithmetic mean × f. Written out because the library's input
    check cost a third of each walk-forward rebalance; the reproduction tests hold it to the library.
    """
    values = returns.to_numpy(dtype=float)
    count = np.sum(~np.isnan(values), axis=0)
    if compounding:
        mu = np.nanprod(1.0 + values, axis=0) ** (frequency / count) - 1.0
    else:
        mu = np.nanmean(values, axis=0) * frequency
    return pd.Series(mu, index=returns.columns)


def estimate(prices: pd.DataFrame, settings: Settings, *, market_prices: pd.Series | None = None) -> Estimate:
    """Expected annual returns and annual covariance under ``settings`` (see the module docstring)."""
    market = None if market_prices is None else returns_from_prices(market_prices.to_frame())
    return estimate_from_returns(returns_from_prices(prices), settings, market_returns=market)


def estimate_from_returns(
    returns: pd.DataFrame, settings: Settings, *, market_returns: pd.DataFrame | None = None
) -> Estimate:
    """``estimate`` on daily returns already computed (the backtest computes them once)."""
    kept, dropped = usable_returns(returns, settings.min_observations)
    notes = [
        "Returns are daily and computed per asset without filling gaps; an asset listed later "
        "contributes from its first price (PyPortfolioOpt's handling).",
    ]
    if dropped:
        notes.append(
            f"Left out for fewer than {settings.min_observations} daily returns in the window: {', '.join(dropped)}."
        )
    if kept.shape[1] < 2:
        raise ValidationFailed(
            "At least two assets need enough price history in the window.",
            fields={"universe": [f"Assets with ≥ {settings.min_observations} daily returns: {kept.shape[1]}."]},
        )
    f = settings.frequency
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if settings.expected_returns == "mean_historical":
            mu = mean_historical_return(kept, compounding=settings.compounding, frequency=f)
        elif settings.expected_returns == "ema":
            mu = expected_returns.ema_historical_return(
                kept, returns_data=True, compounding=settings.compounding, span=EMA_SPAN, frequency=f
            )
        else:
            mu = expected_returns.capm_return(
                kept,
                market_prices=None if market_returns is None else market_returns.reindex(kept.index),
                returns_data=True,
                risk_free_rate=settings.risk_free_rate,
                compounding=settings.compounding,
                frequency=f,
            )
            name = None if market_returns is None else market_returns.columns[0]
            notes.append(f"CAPM market: {name or 'the equal-weighted universe'}.")
        if settings.risk_model == "sample_cov":
            cov = risk_models.sample_cov(kept, returns_data=True, frequency=f)
            notes.append("Sample covariance from the dates each pair of assets shares (pairwise).")
        elif settings.risk_model == "exp_cov":
            cov = risk_models.exp_cov(kept, returns_data=True, span=EXP_COV_SPAN, frequency=f)
            notes.append(f"Exponentially weighted covariance (span {EXP_COV_SPAN} days), pairwise.")
        else:
            complete = kept.dropna()
            if len(complete) < settings.min_observations:
                raise ValidationFailed(
                    "Ledoit-Wolf needs dates on which every asset has a price.",
                    fields={"risk_model": [f"Only {len(complete)} such dates in the window; choose sample_cov."]},
                )
            cov = risk_models.CovarianceShrinkage(complete, returns_data=True, frequency=f).ledoit_wolf()
            notes.append(f"Ledoit-Wolf covariance from the {len(complete)} dates on which every asset has a return.")
    if mu.isna().any():
        bad = ", ".join(mu.index[mu.isna()])
        raise ValidationFailed("Expected returns could not be estimated.", fields={"universe": [bad]})
    return Estimate(returns=kept, mu=mu.astype(float), cov=cov.astype(float), dropped=dropped, notes=notes)


def performance(
    weights: np.ndarray, mu: pd.Series, cov: pd.DataFrame, risk_free_rate: float
) -> tuple[float, float, float]:
    """(expected return, volatility, Sharpe) of weights under the estimates: in-sample figures."""
    ret = float(weights @ mu.to_numpy())
    vol = float(math.sqrt(max(weights @ cov.to_numpy() @ weights, 0.0)))
    return ret, vol, (ret - risk_free_rate) / vol if vol > 0 else float("nan")


def _frontier_object(mu: pd.Series, cov: pd.DataFrame, settings: Settings) -> EfficientFrontier:
    return EfficientFrontier(mu, cov, weight_bounds=settings.weight_bounds, solver=SOLVER)


def _solve(ef: EfficientFrontier, settings: Settings, mu: pd.Series) -> None:
    objective = settings.objective
    try:
        if objective in ("max_sharpe", "black_litterman"):
            if mu.max() <= settings.risk_free_rate:
                raise ValidationFailed(
                    "max_sharpe needs at least one asset whose expected return exceeds the risk-free rate.",
                    fields={"risk_free_rate": [f"Highest expected return is {mu.max():.4f}."]},
                )
            ef.max_sharpe(risk_free_rate=settings.risk_free_rate)
        elif objective == "min_volatility":
            ef.min_volatility()
        elif objective == "efficient_risk":
            ef.efficient_risk(settings.target_volatility)
        elif objective == "efficient_return":
            if settings.target_return > _max_attainable_return(mu, settings.weight_bounds) + 1e-12:
                reachable = _max_attainable_return(mu, settings.weight_bounds)
                raise ValidationFailed(
                    "The target return is above what the assets can reach.",
                    fields={"target_return": [f"At most {reachable:.4f} ({reachable:.1%} a year)."]},
                )
            ef.efficient_return(settings.target_return)
        elif objective == "max_quadratic_utility":
            ef.max_quadratic_utility(risk_aversion=settings.risk_aversion)
    except (ValidationFailed, SoftTimeLimitExceeded):
        raise  # a time limit is not a property of the settings: the job ends "took longer than N s"
    except Exception as exc:  # solver or infeasibility errors come back as generic exceptions
        if objective == "efficient_risk":
            detail = (
                f"No portfolio within the bounds is as little volatile as {settings.target_volatility:.1%} a year: "
                "raise the target volatility."
            )
            field_name = "target_volatility"
        else:
            detail = f"The optimiser found no portfolio for {OBJECTIVE_LABELS.get(objective, objective)} with these settings."
            field_name = "target_return" if objective == "efficient_return" else "objective"
        raise ValidationFailed(
            detail, fields={field_name: [detail, str(exc).splitlines()[0][:300] or "Infeasible."]}
        ) from exc


def _max_return_weights(mu: pd.Series, bounds: tuple[float, float]) -> np.ndarray:
    """The highest-return weights under box bounds summing to 1: the best assets filled to the top."""
    low, high = bounds
    weights = np.full(len(mu), low)
    budget = 1.0 - low * len(mu)
    for i in np.argsort(-mu.to_numpy(), kind="stable"):
        if budget <= 0:
            break
        add = min(high - low, budget)
        weights[i] += add
        budget -= add
    return weights


def _max_attainable_return(mu: pd.Series, bounds: tuple[float, float]) -> float:
    return float(_max_return_weights(mu, bounds) @ mu.to_numpy())


def black_litterman_posterior(
    mu_prior: pd.Series, cov: pd.DataFrame, views: list[View]
) -> tuple[pd.Series, pd.DataFrame, list[str]]:
    """Posterior returns and covariance from absolute views with Ω = diag(view variances).

    The prior is the estimated expected return (there are no market capitalisations to imply one).
    """
    usable = [v for v in views if v.symbol in mu_prior.index]
    if not usable:
        raise ValidationFailed(
            "Black-Litterman needs at least one prediction for an asset in the universe.",
            fields={"objective": ["No predictions for these assets; choose another objective."]},
        )
    q = pd.Series({v.symbol: v.expected_return for v in usable})
    omega = np.diag([max(v.variance, 1e-10) for v in usable])
    bl = BlackLittermanModel(cov, pi=mu_prior, absolute_views=q, omega=omega)
    notes = [
        f"Black-Litterman: prior = estimated returns, {len(usable)} absolute views from the latest "
        "predictions, Ω = diagonal of view variances (from interval widths and confidence scores), τ = 0.05."
    ]
    return bl.bl_returns().astype(float), bl.bl_cov().astype(float), notes


def optimize(
    prices: pd.DataFrame,
    settings: Settings,
    *,
    views: list[View] | None = None,
    market_prices: pd.Series | None = None,
) -> Result:
    """Optimal weights for ``settings`` on ``prices``; figures are in-sample. Raises ``ValidationFailed``."""
    market = None if market_prices is None else returns_from_prices(market_prices.to_frame())
    return optimize_returns(returns_from_prices(prices), settings, views=views, market_returns=market)


def optimize_returns(
    returns: pd.DataFrame,
    settings: Settings,
    *,
    views: list[View] | None = None,
    market_returns: pd.DataFrame | None = None,
) -> Result:
    """``optimize`` on daily returns already computed."""
    validate(settings)
    est = estimate_from_returns(returns, settings, market_returns=market_returns)
    validate(settings, n_assets=len(est.mu))
    mu, cov, notes = est.mu, est.cov, list(est.notes)
    warns = [f"{s} left out: not enough prices in the window." for s in est.dropped]
    if settings.objective == "hrp":
        hrp = HRPOpt(est.returns, cov_matrix=cov)
        raw = hrp.optimize()
        weights = np.array([raw[s] for s in mu.index])
        notes.append("Hierarchical risk parity (López de Prado): weights ignore expected returns and bounds.")
    else:
        if settings.objective == "black_litterman":
            mu, cov, bl_notes = black_litterman_posterior(mu, cov, views or [])
            notes += bl_notes
        ef = _frontier_object(mu, cov, settings)
        _solve(ef, settings, mu)
        weights = np.asarray(ef.weights, dtype=float)
    weights = np.where(np.abs(weights) < 1e-9, 0.0, weights)
    ret, vol, sharpe = performance(weights, mu, cov, settings.risk_free_rate)
    return Result(
        weights={str(s): float(w) for s, w in zip(mu.index, weights, strict=True)},
        expected_return=ret,
        volatility=vol,
        sharpe=sharpe,
        mu=mu,
        cov=cov,
        warnings=warns,
        notes=notes,
    )


def frontier(
    mu: pd.Series,
    cov: pd.DataFrame,
    settings: Settings,
    points: int = FRONTIER_POINTS,
    *,
    through: dict | None = None,
) -> list[dict]:
    """Points of the efficient frontier from the minimum-volatility portfolio to the highest return.

    The curve is concave, so a chart joining the points with straight lines runs under it between
    two points. The targets are spaced more densely near the minimum-volatility end, where it bends
    most, and ``through`` (the recommendation, optimised on the same ``mu``, ``cov`` and bounds) is
    added as a point: the line then passes through it instead of under it.

    One cvxpy problem is built and re-solved with a new target each time (PyPortfolioOpt updates
    the parameter in place), so a point costs one solver call.
    """
    ef = _frontier_object(mu, cov, settings)
    ef.min_volatility()
    low_ret, low_vol, _ = performance(np.asarray(ef.weights, dtype=float), mu, cov, settings.risk_free_rate)
    high_ret = _max_attainable_return(mu, settings.weight_bounds)
    out = [{"expected_return": low_ret, "volatility": low_vol}]
    if points < 2 or high_ret <= low_ret:
        return out
    ef = _frontier_object(mu, cov, settings)
    for t in np.linspace(0.0, 1.0, points)[1:-1]:
        try:
            ef.efficient_return(float(low_ret + (high_ret - low_ret) * t**2))
        except (OptimizationError, SolverError, ValueError):
            # A numerically infeasible point is left out of the chart.
            continue
        r, v, _ = performance(np.asarray(ef.weights, dtype=float), mu, cov, settings.risk_free_rate)
        out.append({"expected_return": r, "volatility": v})
    # The top end is the highest-return portfolio itself, exact without a solver.
    r, v, _ = performance(_max_return_weights(mu, settings.weight_bounds), mu, cov, settings.risk_free_rate)
    out.append({"expected_return": r, "volatility": v})
    if through and through.get("volatility") is not None:
        near = min(
            abs(p["volatility"] - through["volatility"]) + abs(p["expected_return"] - through["expected_return"])
            for p in out
        )
        if near > 1e-6:
            out.append({"expected_return": through["expected_return"], "volatility": through["volatility"]})
    return sorted(out, key=lambda p: (p["expected_return"], p["volatility"]))


def height_above_frontier(points: list[dict], volatility: float, expected_return: float) -> float | None:
    """How far ``expected_return`` lies above the frontier line at ``volatility`` (negative: below).

    The frontier is read as drawn: straight lines between consecutive points. ``None`` when the
    volatility is outside the frontier's span (below its minimum nothing can be fully invested
    within the bounds; beyond the top end nothing is efficient).
    """
    ordered = sorted(points, key=lambda p: p["volatility"])
    best = None
    for a, b in itertools.pairwise(ordered):
        if a["volatility"] - 1e-12 <= volatility <= b["volatility"] + 1e-12:
            span = b["volatility"] - a["volatility"]
            share = 0.0 if span <= 0 else (volatility - a["volatility"]) / span
            line = a["expected_return"] + share * (b["expected_return"] - a["expected_return"])
            best = line if best is None else max(best, line)
    if best is None and len(ordered) == 1 and abs(ordered[0]["volatility"] - volatility) <= 1e-9:
        best = ordered[0]["expected_return"]
    return None if best is None else expected_return - best


def within_bounds(weights: dict[str, float], bounds: tuple[float, float], tol: float = 1e-6) -> bool:
    """Whether normalised ``weights`` respect the weight bounds (the frontier holds only for those)."""
    total = sum(weights.values())
    if total <= 0:
        return False
    low, high = bounds
    return all(low - tol <= w / total <= high + tol for w in weights.values())


def point(weights: dict[str, float], mu: pd.Series, cov: pd.DataFrame, risk_free_rate: float) -> dict:
    """A marked point (current portfolio, 1/N) under the same estimates, for the frontier chart."""
    w = np.array([weights.get(s, 0.0) for s in mu.index], dtype=float)
    total = w.sum()
    if total <= 0:
        return {}
    ret, vol, sharpe = performance(w / total, mu, cov, risk_free_rate)
    return {"expected_return": ret, "volatility": vol, "sharpe": sharpe}


CRYPTO_QUANTUM = Decimal("0.00000001")


def discrete_allocation(
    weights: dict[str, float],
    latest_prices: dict[str, Decimal],
    total_value: Decimal,
    *,
    fractional: frozenset[str] = frozenset(),
) -> tuple[dict[str, Decimal], Decimal]:
    """Whole shares (crypto units to 8 places for ``fractional`` symbols) worth ``total_value``.

    Long weights only. Shares come from PyPortfolioOpt's greedy allocation of the share budget;
    fractional assets get exactly their weight's value, rounded down to 8 places. Returns the
    quantities and the leftover cash.
    """
    longs = {s: w for s, w in weights.items() if w > 1e-6 and latest_prices.get(s)}
    allocation: dict[str, Decimal] = {}
    if total_value <= 0 or not longs:
        return allocation, max(total_value, Decimal(0))
    scale = sum(longs.values())
    for symbol, w in longs.items():
        if symbol in fractional:
            units = (total_value * Decimal(str(w / scale)) / latest_prices[symbol]).quantize(
                CRYPTO_QUANTUM, rounding=ROUND_DOWN
            )
            if units > 0:
                allocation[symbol] = units
    whole = {s: w for s, w in longs.items() if s not in fractional}
    spent = sum((q * latest_prices[s] for s, q in allocation.items()), Decimal(0))
    budget = total_value - spent
    if whole and budget > 0:
        share_weight = sum(whole.values())
        da = DiscreteAllocation(
            {s: w / share_weight for s, w in whole.items()},
            pd.Series({s: float(latest_prices[s]) for s in whole}),
            total_portfolio_value=float(budget),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shares, _ = da.greedy_portfolio()
        for symbol, count in shares.items():
            if count > 0:
                allocation[symbol] = Decimal(int(count))
    spent = sum((q * latest_prices[s] for s, q in allocation.items()), Decimal(0))
    return dict(sorted(allocation.items())), total_value - spent
