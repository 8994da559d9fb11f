"""The forecasting package on real price slices: no database, no network."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from apps.predictions import forecasting
from apps.predictions.forecasting import (
    HORIZONS_CRYPTO,
    HORIZONS_STOCK,
    METRIC_KEYS,
    ForecastingError,
    InsufficientHistory,
    Selection,
    evaluate,
    forecast,
    reliability_table,
    select_model,
)
from apps.predictions.forecasting import walk as walk_module
from apps.predictions.forecasting.base import infer_frequency
from apps.predictions.forecasting.evaluation import add_directions, compute_metrics
from apps.predictions.forecasting.walk import choose_model

from .forecasting_data import btc, stock


def _perturbed_after(prices: pd.Series, start: pd.Timestamp) -> pd.Series:
    """The same series with every price from ``start`` on moved by a different random factor."""
    changed = prices.copy()
    mask = changed.index >= start
    factors = np.random.default_rng(7).uniform(0.5, 1.8, mask.sum())
    changed[mask] = changed[mask] * factors
    return changed


FORECAST_COLUMNS = ["point", "lower", "upper", "prob_up", "model"]


def _assert_no_lookahead(**kwargs) -> None:
    prices = kwargs.pop("prices")
    base = evaluate(prices, **kwargs).records
    cut = base["origin"].iloc[len(base) // 2] + pd.Timedelta(days=1)
    after = evaluate(_perturbed_after(prices, cut), **kwargs).records
    before_cut = base["origin"] < cut
    assert before_cut.sum() >= 2 and (~before_cut).sum() >= 2
    pd.testing.assert_frame_equal(
        base.loc[before_cut, FORECAST_COLUMNS].reset_index(drop=True),
        after.loc[before_cut, FORECAST_COLUMNS].reset_index(drop=True),
    )
    # The perturbation did reach the later forecasts: the comparison above can fail.
    assert not np.allclose(base.loc[~before_cut, "point"], after.loc[~before_cut, "point"])


@pytest.fixture
def small_walks(monkeypatch):
    """Fewer origins for the models refitted at every origin: the same code paths, fewer fits."""
    monkeypatch.setattr(walk_module, "MIN_SCORES", 5)
    monkeypatch.setattr(walk_module, "MIN_SELECTION_RECORDS", 5)
    monkeypatch.setattr(walk_module, "MIN_ORIGINS", 4)


@pytest.mark.parametrize("model", ["naive", "drift", "sklearn"])
def test_changing_prices_after_an_origin_cannot_change_its_forecast(model, small_walks):
    _assert_no_lookahead(prices=stock("AMZN", 900), horizon=5, model=model, origins=8, warmup=6)


@pytest.mark.parametrize("model", ["naive", "sklearn"])
def test_volatility_conditional_intervals_on_a_garch_scale_have_no_lookahead(model, small_walks):
    _assert_no_lookahead(
        prices=stock("AMZN", 1200),
        horizon=5,
        model=model,
        origins=8,
        warmup=6,
        vol_model="gjr",
        calibration="volatility",
    )


def test_the_selection_itself_has_no_lookahead(small_walks):
    _assert_no_lookahead(
        prices=stock("JPM", 900), horizon=5, model=None, origins=8, warmup=6, candidates=("naive", "drift", "sklearn")
    )


@pytest.mark.slow
def test_prophet_walk_forward_has_no_lookahead(small_walks):
    _assert_no_lookahead(prices=stock("XOM", 800), horizon=5, model="prophet", origins=6, warmup=0)


def test_random_walk_forecast_for_every_stock_horizon():
    prices = stock("AAPL", 1500)
    out = forecast(prices, horizons=HORIZONS_STOCK)
    assert list(out) == list(HORIZONS_STOCK)
    last = float(prices.iloc[-1])
    widths = []
    for key, fc in out.items():
        assert fc.horizon == HORIZONS_STOCK[key]
        assert fc.model == "naive" and not fc.beats_random_walk
        assert fc.point == pytest.approx(last)
        assert fc.lower < fc.point < fc.upper
        assert 0 <= fc.confidence <= 1 and fc.level == 0.8
        # A tie with the last price follows the calibrated up-probability.
        assert fc.direction == ("up" if fc.prob_up >= 0.5 else "down")
        assert fc.as_of == prices.index[-1]
        widths.append(math.log(fc.upper / fc.lower))
    assert widths == sorted(widths)


def test_crypto_series_use_calendar_days():
    prices = btc(900)
    assert infer_frequency(prices.index) == "D"
    assert infer_frequency(stock("AAPL", 900).index) == "B"
    out = forecast(prices, horizons=HORIZONS_CRYPTO)
    assert [fc.horizon for fc in out.values()] == [1, 7, 30, 90]


def test_random_walk_intervals_cover_about_their_level_out_of_sample():
    pooled = []
    for symbol in ("AAPL", "PFE", "WMT"):
        ev = evaluate(stock(symbol, 3000), horizon=1, model="naive", origins=150)
        assert ev.metrics["rel_mae"] == pytest.approx(1.0)
        pooled.append(ev.metrics["coverage"])
    assert 0.74 <= np.mean(pooled) <= 0.86


def test_metrics_have_exactly_the_documented_keys_and_match_hand_computation():
    records = pd.DataFrame(
        {
            "last": [100.0, 100.0, 100.0, 100.0],
            "actual": [110.0, 95.0, 100.5, 80.0],
            "point": [101.0, 101.0, 99.0, 100.0],
            "lower": [95.0, 96.0, 94.0, 90.0],
            "upper": [105.0, 106.0, 104.0, 110.0],
            "prob_up": [0.6, 0.6, 0.4, 0.5],
            "mase_scale": [1.0, 2.0, 1.0, 1.0],
        }
    )
    records = add_directions(records)
    assert list(records["direction"]) == ["up", "up", "down", "up"]
    m = compute_metrics(records, 0.8)
    assert tuple(m) == METRIC_KEYS
    assert m["mae"] == pytest.approx((9 + 6 + 1.5 + 20) / 4)
    assert m["naive_mae"] == pytest.approx((10 + 5 + 0.5 + 20) / 4)
    assert m["mase"] == pytest.approx((9 + 3 + 1.5 + 20) / 4)
    assert m["coverage"] == pytest.approx(0.25)
    # Winkler: width + 2/0.2 × distance outside: 10+50, 10+10, 10, 20+100.
    assert m["winkler"] == pytest.approx((60 + 20 + 10 + 120) / 4)
    assert m["directional_accuracy"] == pytest.approx(0.25)
    assert m["base_rate_up"] == pytest.approx(0.5)
    assert m["brier"] == pytest.approx((0.16 + 0.36 + 0.36 + 0.25) / 4)


def test_reliability_table_bins_probabilities_and_counts_outcomes():
    table = reliability_table([0.05, 0.15, 0.12, 0.95, 0.91, 0.99], [0, 1, 0, 1, 1, 0], bins=10)
    assert list(table["n"]) == [1, 2, 3]
    assert list(table["observed"]) == pytest.approx([0.0, 0.5, 2 / 3])
    assert table["mean_prob"].iloc[1] == pytest.approx(0.135)
    with pytest.raises(ValueError):
        reliability_table([0.5], [1, 0])


def _walk_frame(actual, point, scale=1.0):
    n = len(actual)
    return pd.DataFrame({"actual": actual, "point": point, "last": np.full(n, 100.0), "scale": np.full(n, scale)})


def test_selection_rule_serves_the_random_walk_unless_the_edge_is_clear():
    rng = np.random.default_rng(3)
    actual = 100 * np.exp(rng.normal(0, 0.02, 40))
    naive = _walk_frame(actual, np.full(40, 100.0), 0.02)
    close_to_truth = _walk_frame(actual, 100 + 0.6 * (actual - 100), 0.02)
    # Much better at half of the origins, much worse at the others: 2% better on average, by luck.
    factors = np.where(np.arange(40) % 2 == 0, 0.5, 1.46)
    lucky = _walk_frame(actual, actual * np.exp(-factors * np.log(actual / 100)), 0.02)
    name, evidence = choose_model({"naive": naive, "good": close_to_truth}, slice(0, 40))
    assert name == "good" and evidence["good"]["t"] > 2
    name, evidence = choose_model({"naive": naive, "lucky": lucky}, slice(0, 40))
    assert name == "naive" and evidence["lucky"]["rel_mae_log"] < 0.99 and evidence["lucky"]["t"] < 2
    # Too few matured forecasts: no choice is made on so little evidence.
    assert choose_model({"naive": naive, "good": close_to_truth}, slice(0, 10))[0] == "naive"


def test_select_model_records_metrics_and_json_calibration_that_forecast_reuses():
    prices = stock("BAC", 1200)
    selection = select_model(prices, horizon=21, candidates=("naive", "drift"), origins=24, warmup=10)
    assert selection.model in ("naive", "drift")
    assert selection.beats_random_walk == (selection.model != "naive")
    assert set(selection.metrics) == {"naive", "drift"}
    assert all(tuple(m) == METRIC_KEYS for m in selection.metrics.values())
    assert selection.metrics["naive"]["rel_mae"] == pytest.approx(1.0)
    restored = Selection.from_dict(json.loads(json.dumps(selection.to_dict())))
    a = forecast(prices, horizons={"1m": 21}, selections={"1m": selection})["1m"]
    b = forecast(prices, horizons={"1m": 21}, selections={"1m": restored})["1m"]
    assert a == b and a.model == selection.model
    with pytest.raises(ForecastingError, match="horizon"):
        forecast(prices, horizons={"1w": 5}, selections={"1w": selection})


def test_sklearn_selection_carries_its_walk_forward_errors(small_walks):
    prices = stock("T", 1000)
    selection = select_model(prices, horizon=5, candidates=("naive", "sklearn"), origins=6, warmup=2)
    assert set(selection.evidence) == {"sklearn"}
    forced = Selection(
        horizon=5,
        model="sklearn",
        beats_random_walk=True,
        metrics=selection.metrics,
        calibration={"scores": list(np.linspace(-1.5, 1.5, 30)), "shrink": 0.5},
    )
    fc = forecast(prices, horizons={"1w": 5}, selections={"1w": forced})["1w"]
    assert fc.model == "sklearn" and fc.lower <= fc.point <= fc.upper
    assert (fc.direction == "up") == (fc.point > fc.last_price)
    assert 0 <= fc.confidence <= 1


def test_bad_input_is_refused_with_a_reason():
    prices = stock("GE", 900)
    with pytest.raises(InsufficientHistory, match="needs at least"):
        evaluate(prices.iloc[:520], horizon=21, model="naive", origins=48)
    with pytest.raises(InsufficientHistory):
        forecast(prices.iloc[:100], horizons=HORIZONS_STOCK)
    with pytest.raises(ForecastingError, match="Unknown model"):
        evaluate(prices, horizon=1, model="oracle", origins=12)
    with pytest.raises(ForecastingError, match="level"):
        evaluate(prices, horizon=1, model="naive", level=1.5)
    with pytest.raises(ForecastingError, match="horizon"):
        evaluate(prices, horizon=0, model="naive")
    broken = prices.copy()
    broken.iloc[10] = -1.0
    with pytest.raises(ForecastingError, match="positive"):
        forecast(broken, horizons=HORIZONS_STOCK)
    assert set(forecasting.MODELS) >= {"naive", "drift", "prophet", "sklearn"}
