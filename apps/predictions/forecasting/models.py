"""The forecasters: naive random walk, random walk with drift, Prophet and gradient boosting.

Each one forecasts the h-step log return ``mu``; its raw quantiles are a Gaussian band of recent
volatility × √h. Those raw bands are NOT what users see: ``calibration`` replaces them with bands
built from the model's own out-of-sample errors.

Naive and drift are "dense" models: their forecast at every past date is a closed formula
(``dense_mu``), so their out-of-sample errors are available at every date for free.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm
from threadpoolctl import threadpool_limits

from .base import (
    MIN_TRAIN,
    Forecast,
    ForecastingError,
    InsufficientHistory,
    clean_prices,
    future_dates,
    infer_frequency,
    vol_scale,
)


class LogReturnForecaster:
    """Common fit/predict: subclasses implement ``_fit`` and ``log_return(h)``."""

    name = "base"
    min_train = MIN_TRAIN

    def fit(self, prices: pd.Series, exog: pd.DataFrame | None = None) -> LogReturnForecaster:
        prices = clean_prices(prices)
        if len(prices) < self.min_train:
            raise InsufficientHistory(f"{self.name} needs at least {self.min_train} prices; got {len(prices)}.")
        self.prices = prices
        self.logp = np.log(prices.to_numpy())
        self.last = float(prices.iloc[-1])
        self.as_of = prices.index[-1]
        self._fit(exog)
        return self

    def _fit(self, exog: pd.DataFrame | None) -> None:
        """Model-specific training; the default (random walks) needs none."""

    def log_return(self, horizon: int) -> float:
        raise NotImplementedError

    def scale(self, horizon: int) -> float:
        return float(vol_scale(self.logp, horizon)[-1])

    def predict(self, horizons: Sequence[int], levels: Sequence[float]) -> list[Forecast]:
        out = []
        for h in horizons:
            if int(h) < 1:
                raise ForecastingError(f"Horizons are whole periods ≥ 1; got {h}.")
            mu, scale = self.log_return(int(h)), self.scale(int(h))
            quantiles: dict[float, float] = {}
            for level in levels:
                z = float(norm.ppf(0.5 + level / 2))
                quantiles[round(0.5 - level / 2, 6)] = self.last * float(np.exp(mu - z * scale))
                quantiles[round(0.5 + level / 2, 6)] = self.last * float(np.exp(mu + z * scale))
            out.append(Forecast(horizon=int(h), point=self.last * float(np.exp(mu)), quantiles=quantiles))
        return out


class NaiveForecaster(LogReturnForecaster):
    """Tomorrow's price is today's price: the random walk every other model must beat."""

    name = "naive"

    def log_return(self, horizon: int) -> float:
        return 0.0

    @staticmethod
    def dense_mu(logp: np.ndarray, horizon: int) -> np.ndarray:
        return np.zeros_like(logp)


class DriftForecaster(LogReturnForecaster):
    """Random walk plus the mean log return of the last ``window`` periods (default 5 years)."""

    name = "drift"

    def __init__(self, window: int = 1260):
        self.window = window

    def log_return(self, horizon: int) -> float:
        return float(self.dense_mu(self.logp, horizon, self.window)[-1])

    @staticmethod
    def dense_mu(logp: np.ndarray, horizon: int, window: int = 1260) -> np.ndarray:
        idx = np.arange(len(logp))
        w = np.minimum(idx, window)
        back = logp[idx - w]
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = (logp - back) / w * horizon
        mu[w == 0] = np.nan
        return mu


def _quiet_prophet_logging() -> None:
    # cmdstanpy logs an ERROR when L-BFGS stops early, although Prophet then refits with Newton.
    logging.getLogger("cmdstanpy").setLevel(logging.CRITICAL)
    for name in ("prophet", "prophet.forecaster", "prophet.models"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # Prophet logs an error at import when plotly (only used for its charts) is missing.
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)


class ProphetForecaster(LogReturnForecaster):
    """Prophet on log prices of the last ``window`` periods: MAP fit only, no sampling.

    A piecewise-linear trend with 15 possible changepoints, weekly seasonality for series that
    trade at weekends, no yearly seasonality (three years cannot estimate it and it tripled fit
    time). Prophet's own uncertainty intervals are not used (they under-cover badly on prices);
    the interval comes from calibration like every other model's.
    """

    name = "prophet"

    def __init__(self, window: int = 756):
        self.window = window

    def _fit(self, exog: pd.DataFrame | None) -> None:
        _quiet_prophet_logging()
        from prophet import Prophet

        # cmdstanpy resets its logger's level when first used: quiet it again after the import.
        _quiet_prophet_logging()

        tail = self.prices.iloc[-self.window :]
        self.freq = infer_frequency(tail.index)
        frame = pd.DataFrame({"ds": tail.index, "y": np.log(tail.to_numpy())})
        self.model = Prophet(
            mcmc_samples=0,
            uncertainty_samples=0,
            daily_seasonality=False,
            weekly_seasonality=self.freq == "D",
            yearly_seasonality=False,
            n_changepoints=15,
        )
        self.model.fit(frame)
        self._cache: dict[int, float] = {}

    def log_return(self, horizon: int) -> float:
        if horizon not in self._cache:
            dates = future_dates(self.as_of, horizon, self.freq)
            yhat = self.model.predict(pd.DataFrame({"ds": dates}))["yhat"].to_numpy()
            self._cache[horizon] = float(yhat[-1] - self.logp[-1])
        return self._cache[horizon]


def _features(logp: np.ndarray, index: pd.DatetimeIndex, exog: pd.DataFrame | None) -> pd.DataFrame:
    """Causal features at each index: momentum and volatility in volatility units, calendar, exog."""
    sigma1 = vol_scale(logp, 1)
    series = pd.Series(logp)
    cols: dict[str, np.ndarray] = {}
    for k in (1, 5, 21, 63, 252):
        cols[f"mom_{k}"] = (logp - series.shift(k).to_numpy()) / (sigma1 * np.sqrt(k))
    r = np.diff(logp, prepend=np.nan)
    vol21 = pd.Series(r).rolling(21, min_periods=15).std().to_numpy()
    vol252 = pd.Series(r).rolling(252, min_periods=60).std().to_numpy()
    cols["log_vol"] = np.log(sigma1)
    cols["vol_ratio"] = np.log(vol21 / vol252)
    cols["from_high"] = (logp - series.rolling(252, min_periods=60).max().to_numpy()) / sigma1
    cols["dow"] = index.day_of_week.to_numpy().astype(float)
    cols["month"] = index.month.to_numpy().astype(float)
    frame = pd.DataFrame(cols, index=index)
    if exog is not None and len(exog.columns):
        # Each price date takes the exogenous row of that date, or else of the latest date before it
        # (stock dates in a calendar-day series). A NaN in that row stays NaN: a missing value, not
        # the previous day's, so a gap in the data is never filled with stale figures.
        aligned = exog.sort_index().reindex(index, method="ffill")
        for col in aligned.columns:
            frame[f"exog_{col}"] = aligned[col].astype(float).to_numpy()
    return frame


CLIP_Z = 3.0


class SklearnForecaster(LogReturnForecaster):
    """Gradient boosting on lagged returns, volatility, calendar and exogenous features.

    Squared loss on the return in volatility units clipped at ±3: close to the median that MAE
    rewards, robust to crashes, and twice as fast to fit as the absolute loss.

    One direct model per horizon, trained on the last ``window`` periods to predict the h-step log
    return in volatility units; rows whose target lies beyond the last price are not used.
    """

    name = "sklearn"

    def __init__(self, window: int = 1260, max_iter: int = 50):
        self.window = window
        self.max_iter = max_iter

    def _fit(self, exog: pd.DataFrame | None) -> None:
        self.features = _features(self.logp, self.prices.index, exog)
        self._cache: dict[int, float] = {}

    def log_return(self, horizon: int) -> float:
        if horizon not in self._cache:
            from sklearn.ensemble import HistGradientBoostingRegressor

            scale = vol_scale(self.logp, horizon)
            target = (np.roll(self.logp, -horizon) - self.logp) / scale
            target[len(target) - horizon :] = np.nan
            x = self.features.to_numpy()
            start = max(0, len(x) - horizon - self.window)
            rows = np.arange(start, len(x) - horizon)
            rows = rows[np.isfinite(target[rows])]
            if len(rows) < 200:
                raise InsufficientHistory(f"sklearn needs at least 200 training rows; got {len(rows)}.")
            model = HistGradientBoostingRegressor(
                loss="squared_error",
                max_iter=self.max_iter,
                learning_rate=0.05,
                max_leaf_nodes=8,
                min_samples_leaf=80,
                l2_regularization=1.0,
                early_stopping=False,
                random_state=0,
            )
            # A column without a single value in the training rows (an input whose data begins
            # later) carries nothing, and scikit-learn refuses it: leave it out of this fit.
            usable = ~np.isnan(x[rows]).all(axis=0)
            # One thread: OpenMP threads fighting over two busy cores made a fit 30× slower.
            with threadpool_limits(1):
                model.fit(x[rows][:, usable], np.clip(target[rows], -CLIP_Z, CLIP_Z))
                z = float(model.predict(x[-1:, usable])[0])
            self._cache[horizon] = z * float(scale[-1])
        return self._cache[horizon]


MODELS: dict[str, Callable[..., LogReturnForecaster]] = {
    "naive": NaiveForecaster,
    "drift": DriftForecaster,
    "prophet": ProphetForecaster,
    "sklearn": SklearnForecaster,
}
DENSE_MODELS = {"naive": NaiveForecaster.dense_mu, "drift": DriftForecaster.dense_mu}


def make_model(name: str) -> LogReturnForecaster:
    try:
        return MODELS[name]()
    except KeyError:
        raise ForecastingError(f"Unknown model {name!r}; choose from {', '.join(MODELS)}.") from None
