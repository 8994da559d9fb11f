"""Volatility models (apps/predictions/forecasting/volatility.py): fitted on simulated series whose
true parameters are known, and on real SPY closes (data/sample/yahoo_SPY_2008_2017.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from apps.predictions.forecasting import volatility as vol
from apps.predictions.forecasting.base import ForecastingError, InsufficientHistory

SPY = Path(__file__).resolve().parents[2] / "data" / "sample" / "yahoo_SPY_2008_2017.csv"


def _simulate(n, omega, alpha, beta, gamma=0.0, nu=8.0, seed=3):
    """Daily log returns (fractions) from a GJR-GARCH(1,1) with Student-t innovations, in % units."""
    rng = np.random.default_rng(seed)
    shocks = rng.standard_t(nu, n) / np.sqrt(nu / (nu - 2))
    variance = omega / (1 - alpha - beta - gamma / 2)
    out = np.empty(n)
    for t in range(n):
        out[t] = np.sqrt(variance) * shocks[t]
        variance = omega + (alpha + gamma * (out[t] < 0)) * out[t] ** 2 + beta * variance
    return out / 100.0


def test_garch_recovers_the_parameters_of_a_known_process():
    returns = _simulate(4000, omega=0.02, alpha=0.08, beta=0.90)
    fit = vol.garch(returns, 10)
    assert fit.params["alpha[1]"] == pytest.approx(0.08, abs=0.03)
    assert fit.params["beta[1]"] == pytest.approx(0.90, abs=0.04)
    assert fit.params["persistence"] < 1


def test_gjr_finds_the_leverage_effect_that_is_there():
    returns = _simulate(4000, omega=0.02, alpha=0.03, beta=0.88, gamma=0.12)
    fit = vol.gjr(returns, 5)
    assert fit.params["gamma[1]"] == pytest.approx(0.12, abs=0.05)
    symmetric = vol.gjr(_simulate(4000, omega=0.02, alpha=0.08, beta=0.90), 5)
    assert symmetric.params["gamma[1]"] < fit.params["gamma[1]"] - 0.05


def _spy_returns():
    prices = pd.read_csv(SPY, parse_dates=["Date"], index_col="Date")["Adj Close"].astype(float)
    return np.diff(np.log(prices.to_numpy())), prices.index[1:]


def _origin(dates, day):
    return int(np.searchsorted(dates, pd.Timestamp(day))) + 1


def test_garch_reverts_to_its_long_run_level_and_ewma_does_not():
    returns, dates = _spy_returns()
    storm = _origin(dates, "2015-08-25")  # the day after SPY's August 2015 flash crash
    calm = _origin(dates, "2017-06-30")
    for model in ("garch", "gjr"):
        stormy = vol.forecast(model, returns[:storm], 63)
        quiet = vol.forecast(model, returns[:calm], 63)
        assert np.all(np.diff(stormy.path) < 0)  # a storm is expected to calm down
        assert np.all(np.diff(quiet.path) > 0)  # and a calm to end
        assert quiet.path[-1] < stormy.path[-1]
    flat = vol.ewma(returns[:storm], 63)
    assert np.all(flat.path == flat.path[0])


def test_an_integrated_fit_is_refused_and_the_asymmetric_model_still_reverts():
    """Fitted up to August 2011 on SPY (2008 inside the window), GARCH(1,1) reaches α + β = 1: its
    variance would grow without bound with the horizon, so it is refused; GJR-GARCH, which lets the
    losses of 2008 and 2011 carry more weight, stays stationary and reverts from the sell-off."""
    returns, dates = _spy_returns()
    origin = _origin(dates, "2011-08-09")
    with pytest.raises(vol.VolatilityFitError, match="not stationary"):
        vol.garch(returns[:origin], 63)
    asymmetric = vol.gjr(returns[:origin], 63)
    assert asymmetric.params["persistence"] < 1 and np.all(np.diff(asymmetric.path) < 0)


def test_ewma_is_the_riskmetrics_recursion():
    returns = np.random.default_rng(1).standard_normal(200) / 100
    variance = np.mean(returns[:30] ** 2)
    for r in returns:
        variance = 0.94 * variance + 0.06 * r * r
    fit = vol.ewma(returns, 3)
    assert fit.path.tolist() == pytest.approx([variance] * 3)
    assert fit.variance == pytest.approx(3 * variance) and fit.scale == pytest.approx(np.sqrt(3 * variance))


def test_the_blend_is_the_scale_served_before():
    from apps.predictions.forecasting.base import vol_scale

    prices = pd.read_csv(SPY)["Adj Close"].astype(float).to_numpy()[:700]
    logp = np.log(prices)
    for horizon in (1, 5, 21):
        assert vol.blend(np.diff(logp), horizon).scale == pytest.approx(vol_scale(logp, horizon)[-1], rel=1e-9)


@pytest.mark.parametrize(
    ("model", "returns", "horizon", "error"),
    [
        ("garch", np.zeros(100), 5, InsufficientHistory),
        ("ewma", [0.01, float("nan")] * 40, 5, ForecastingError),
        ("ewma", np.ones(100) / 100, 0, ForecastingError),
        ("nope", np.ones(100) / 100, 5, ForecastingError),
    ],
)
def test_bad_input_is_refused_with_a_reason(model, returns, horizon, error):
    with pytest.raises(error, match=r"\w"):
        vol.forecast(model, returns, horizon)


@pytest.mark.parametrize("model", ["ewma", "gjr"])
def test_the_walk_forward_scale_uses_no_later_price(model):
    logp = np.log(pd.read_csv(SPY)["Adj Close"].astype(float).to_numpy()[:900])
    cut = 700
    changed = logp.copy()
    changed[cut + 1 :] += np.random.default_rng(5).normal(0, 0.05, logp.size - cut - 1).cumsum()
    before = vol.dense_scale(logp, 5, model)
    after = vol.dense_scale(changed, 5, model)
    assert np.array_equal(before[: cut + 1], after[: cut + 1], equal_nan=True)
    assert not np.allclose(before[cut + 2 :], after[cut + 2 :])


def test_at_a_refit_date_the_walk_forward_scale_is_the_direct_forecast():
    logp = np.log(pd.read_csv(SPY)["Adj Close"].astype(float).to_numpy())
    scale = vol.dense_scale(logp, 5, "gjr")
    for origin in (vol.MIN_RETURNS_GARCH + vol.REFIT_EVERY, vol.MIN_RETURNS_GARCH + 17 * vol.REFIT_EVERY):
        assert scale[origin] == pytest.approx(vol.gjr(np.diff(logp)[:origin], 5).scale, rel=1e-9)


def test_evaluation_scales_its_intervals_by_the_chosen_volatility_model():
    from apps.predictions.forecasting import evaluate

    prices = pd.read_csv(SPY, parse_dates=["Date"], index_col="Date")["Adj Close"].astype(float)
    blend = evaluate(prices, horizon=5, model="naive", origins=20, vol_model="blend")
    gjr = evaluate(prices, horizon=5, model="naive", origins=20, vol_model="gjr")
    assert set(gjr.records["vol_model"]) == {"gjr"} and set(blend.records["vol_model"]) == {"blend"}
    assert not np.allclose(gjr.records["upper"], blend.records["upper"])
    assert np.allclose(gjr.records["point"], blend.records["point"])  # the point forecast is the model's
    with pytest.raises(ForecastingError, match="Unknown volatility model 'vix'"):
        evaluate(prices, horizon=5, model="naive", origins=20, vol_model="vix")


def test_same_volatility_keeps_the_scores_of_the_current_regime():
    from apps.predictions.forecasting.calibration import MIN_SCORES, same_volatility

    vols = np.concatenate([np.full(100, 0.01), np.full(100, 0.02), np.full(100, 0.04)])
    scores = np.concatenate([np.full(100, -1.0), np.zeros(100), np.full(100, 2.0)])
    assert set(same_volatility(scores, vols, 0.005)) == {-1.0}  # calm: the calm errors
    assert set(same_volatility(scores, vols, 0.05)) == {2.0}  # storm: the storm errors
    few = same_volatility(scores[: MIN_SCORES * 2], vols[: MIN_SCORES * 2], 0.005)
    assert few.size == MIN_SCORES * 2  # too few to split: all of them


def test_volatility_conditional_calibration_changes_the_intervals_not_the_points():
    from apps.predictions.forecasting import evaluate

    prices = pd.read_csv(SPY, parse_dates=["Date"], index_col="Date")["Adj Close"].astype(float)
    pooled = evaluate(prices, horizon=5, model="naive", origins=40, calibration="pooled")
    conditional = evaluate(prices, horizon=5, model="naive", origins=40, calibration="volatility")
    assert set(conditional.records["calibration"]) == {"volatility"}
    assert np.allclose(pooled.records["point"], conditional.records["point"])
    assert not np.allclose(pooled.records["upper"], conditional.records["upper"])
    with pytest.raises(ForecastingError, match="Unknown calibration 'mondrian'"):
        evaluate(prices, horizon=5, model="naive", origins=40, calibration="mondrian")
