"""Volatility models: the variance of each of the next h daily log returns (issue 13).

Plain numerical code: no Django. Every model is fitted on the log returns up to an origin and answers
a *path*: the variance of the return 1, 2, … h days ahead. The variance of the h-day return is the
path's sum (daily returns are taken as uncorrelated), so its standard deviation replaces σ×√h.

- ``ewma``: RiskMetrics (J.P. Morgan 1996), σ²ₜ₊₁ = λσ²ₜ + (1−λ)rₜ², λ = 0.94. Its path is flat:
  EWMA is an integrated model with no long-run level to return to.
- ``garch``: GARCH(1,1) with Student-t innovations, by maximum likelihood (the ``arch`` package).
  Its path reverts geometrically, at rate α+β, from today's variance to ω/(1−α−β).
- ``gjr``: GJR-GARCH(1,1,1) with Student-t innovations: a loss raises tomorrow's variance more than
  a gain of the same size (γ), as it does in equity markets.
- ``blend``: the model served before issue 13 (``base.vol_scale``): a short EWMA blended with a
  one-year mean, the longer the horizon the more weight on the year; kept as a candidate.

Which model serves an asset and horizon is chosen walk-forward like the point models; this module
only fits and forecasts. A GARCH fit that does not converge, or that is not stationary, raises
``VolatilityFitError`` so that the caller can fall back to another candidate and say so.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from .base import ForecastingError, InsufficientHistory, vol_scale

VOL_MODELS = ("ewma", "garch", "gjr", "blend")
RISKMETRICS_LAMBDA = 0.94
# GARCH needs a few hundred returns for stable estimates; two trading years, as the point models.
MIN_RETURNS_GARCH = 500
MIN_RETURNS = 30
# arch's optimiser works best on returns of order 1: fit on percentage returns, answer in fractions.
PERCENT = 100.0


def _unknown(model: str) -> ForecastingError:
    return ForecastingError(f"Unknown volatility model {model!r}; choose one of {', '.join(VOL_MODELS)}.")


class VolatilityFitError(ForecastingError):
    """A volatility model could not be fitted on these returns (no convergence, not stationary)."""


@dataclass(frozen=True)
class VolatilityForecast:
    model: str
    path: np.ndarray  # variance of each of the next h daily log returns, in fractions squared
    params: dict[str, float] = field(default_factory=dict)

    @property
    def horizon(self) -> int:
        return int(self.path.size)

    @property
    def variance(self) -> float:
        """Variance of the h-day log return."""
        return float(self.path.sum())

    @property
    def scale(self) -> float:
        """Standard deviation of the h-day log return: what σ×√h was."""
        return math.sqrt(self.variance)


def _returns(returns, minimum: int) -> np.ndarray:
    r = np.asarray(returns, dtype=float)
    if r.ndim != 1:
        raise ForecastingError("Returns must be one series.")
    if not np.isfinite(r).all():
        raise ForecastingError("Returns must be finite numbers (clean the prices first).")
    if r.size < minimum:
        raise InsufficientHistory(f"At least {minimum} returns are needed; got {r.size}.")
    return r


def _check_horizon(horizon: int) -> int:
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ForecastingError(f"The horizon must be a whole number of days ≥ 1, not {horizon!r}.")
    return int(horizon)


def ewma(returns, horizon: int, lam: float = RISKMETRICS_LAMBDA) -> VolatilityForecast:
    """RiskMetrics EWMA, seeded with the mean square of the first 30 returns."""
    horizon = _check_horizon(horizon)
    if not 0 < lam < 1:
        raise ForecastingError(f"λ must lie strictly between 0 and 1, not {lam}.")
    r = _returns(returns, MIN_RETURNS)
    variance = float(np.mean(r[:MIN_RETURNS] ** 2))
    for value in r:
        variance = lam * variance + (1.0 - lam) * value * value
    variance = max(variance, 1e-12)
    return VolatilityForecast("ewma", np.full(horizon, variance), {"lambda": lam})


def blend(returns, horizon: int) -> VolatilityForecast:
    """The earlier served estimate (``base.vol_scale``) as a flat path of the same h-day variance."""
    horizon = _check_horizon(horizon)
    r = _returns(returns, MIN_RETURNS)
    logp = np.concatenate([[0.0], np.cumsum(r)])  # the scale depends on the returns only
    variance = float(vol_scale(logp, horizon)[-1]) ** 2 / horizon
    return VolatilityForecast("blend", np.full(horizon, variance), {"weight_short": 21.0 / (21.0 + horizon)})


def _garch(returns, horizon: int, *, asymmetric: bool) -> VolatilityForecast:
    from arch import arch_model

    horizon = _check_horizon(horizon)
    r = _returns(returns, MIN_RETURNS_GARCH)
    name = "gjr" if asymmetric else "garch"
    model = arch_model(
        r * PERCENT, mean="Zero", vol="GARCH", p=1, o=1 if asymmetric else 0, q=1, dist="t", rescale=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is checked below, not warned about
        fitted = model.fit(disp="off", show_warning=False, options={"maxiter": 500})
    if fitted.convergence_flag != 0:
        raise VolatilityFitError(f"{name}: the likelihood did not converge ({fitted.optimization_result.message}).")
    params = {k: float(v) for k, v in fitted.params.items()}
    persistence = params["alpha[1]"] + params["beta[1]"] + 0.5 * params.get("gamma[1]", 0.0)
    if not persistence < 1:
        raise VolatilityFitError(f"{name}: the fit is not stationary (persistence {persistence:.4f} ≥ 1).")
    path = fitted.forecast(horizon=horizon, reindex=False).variance.to_numpy()[-1] / PERCENT**2
    if not np.isfinite(path).all() or (path <= 0).any():
        raise VolatilityFitError(f"{name}: the forecast variance is not a positive number.")
    params["persistence"] = persistence
    return VolatilityForecast(name, path, params)


def garch(returns, horizon: int) -> VolatilityForecast:
    return _garch(returns, horizon, asymmetric=False)


def gjr(returns, horizon: int) -> VolatilityForecast:
    return _garch(returns, horizon, asymmetric=True)


MODELS = {"ewma": ewma, "garch": garch, "gjr": gjr, "blend": blend}


def forecast(model: str, returns, horizon: int) -> VolatilityForecast:
    """The ``model``'s variance path for the next ``horizon`` days after the last of ``returns``."""
    try:
        fit = MODELS[model]
    except KeyError:
        raise _unknown(model) from None
    return fit(returns, horizon)


# Walk-forward: GARCH-type parameters are refitted every quarter on the returns up to the refit
# date, and between refits the conditional variance is filtered forward day by day with them.
REFIT_EVERY = 63


def _garch_scale(r: np.ndarray, horizon: int, asymmetric: bool, fallback: np.ndarray) -> np.ndarray:
    """σ of the h-day return at every price index j from returns up to j (j = 0 is the first price)."""
    from arch import arch_model

    out = fallback.copy()
    percent = r * PERCENT
    for start in range(MIN_RETURNS_GARCH, r.size, REFIT_EVERY):
        stop = min(start + REFIT_EVERY, r.size)
        try:
            fitted = _garch(r[:start], 1, asymmetric=asymmetric)
        except VolatilityFitError:
            continue  # this quarter keeps the fallback's scale
        p = fitted.params
        omega, alpha, beta = p["omega"], p["alpha[1]"], p["beta[1]"]
        gamma = p.get("gamma[1]", 0.0)
        persistence = p["persistence"]
        model = arch_model(
            percent[:stop], mean="Zero", vol="GARCH", p=1, o=1 if asymmetric else 0, q=1, dist="t", rescale=False
        )
        names = ["omega", "alpha[1]", *(["gamma[1]"] if asymmetric else []), "beta[1]", "nu"]
        sigma2 = model.fix([p[name] for name in names]).conditional_volatility ** 2  # σ²ₜ from returns before t
        last = percent[start - 1 : stop]
        following = omega + (alpha + gamma * (last < 0)) * last**2 + beta * sigma2[start - 1 : stop]
        long_run = omega / (1 - persistence)
        total = horizon * long_run + (following - long_run) * (1 - persistence**horizon) / (1 - persistence)
        # Return index i ends at price index i + 1: these are the scales at prices start … stop.
        out[start : stop + 1] = np.sqrt(np.maximum(total, 1e-12)) / PERCENT
    return out


def dense_scale(logp: np.ndarray, horizon: int, model: str = "blend") -> np.ndarray:
    """σ of the h-day log return at every index of ``logp``, from prices up to that index only
    (causal), by volatility ``model``: the interval scale of the walk-forward (``walk.Context``).
    Before a GARCH-type model has enough returns, and in a quarter whose fit fails, the blend's."""
    horizon = _check_horizon(horizon)
    blend_scale = vol_scale(logp, horizon)
    if model == "blend":
        return blend_scale
    r = np.diff(np.asarray(logp, dtype=float))
    if model == "ewma":
        out = blend_scale.copy()
        if r.size < MIN_RETURNS:
            return out
        variance = float(np.mean(r[:MIN_RETURNS] ** 2))
        for i, value in enumerate(r):
            variance = RISKMETRICS_LAMBDA * variance + (1 - RISKMETRICS_LAMBDA) * value * value
            if i + 1 >= MIN_RETURNS:
                out[i + 1] = math.sqrt(max(variance, 1e-12) * horizon)
        return out
    if model in ("garch", "gjr"):
        return _garch_scale(r, horizon, model == "gjr", blend_scale)
    raise _unknown(model)
