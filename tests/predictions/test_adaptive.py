"""Adaptive conformal inference (apps/predictions/forecasting/adaptive.py): the coverage guarantee
holds on any sequence, including adversarial ones, and ACI recovers from a volatility shift that a
fixed-level split conformal interval does not."""

from __future__ import annotations

import numpy as np
import pytest

from apps.predictions.forecasting import adaptive


def _stated(result):
    return int(np.isfinite(result.errors).sum())


@pytest.mark.parametrize("delay", [1, 5, 21])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_long_run_miscoverage_is_within_the_guarantee_on_a_shifting_sequence(seed, delay):
    rng = np.random.default_rng(seed)
    # Calm, then a storm three times as wide, then calm again: |standardised errors| of a stale scale.
    scale = np.concatenate([np.ones(1500), np.full(1500, 3.0), np.ones(1500)])
    scores = np.abs(rng.standard_normal(scale.size) * scale)
    result = adaptive.run(scores, 0.2, gamma=0.01, delay=delay, window=500)
    steps = _stated(result)
    assert abs(result.miscoverage - 0.2) <= adaptive.bound(0.2, 0.01, steps, delay)
    assert abs(result.miscoverage - 0.2) < 0.01  # and in practice well inside it


def test_the_guarantee_holds_against_an_adversary():
    """Scores chosen after seeing the threshold: an outcome just outside whenever α is below target,
    just inside otherwise. No distributional assumption protects this case; the bound still holds."""
    n, alpha, gamma = 3000, 0.1, 0.02
    scores = np.zeros(n)
    current = alpha
    past = []
    for t in range(n):
        # Mirror the procedure's threshold with delay 1 to place each score on the wrong side.
        if len(past) >= 20:
            level = min(1.0, (1 - current) * (len(past) + 1) / len(past))
            threshold = (
                np.inf if current <= 0 else (-np.inf if current >= 1 else float(np.quantile(past[-750:], level)))
            )
            outside = current < alpha
            scores[t] = (threshold + 1.0 if outside else 0.0) if np.isfinite(threshold) else 0.0
            err = float(scores[t] > threshold)
            current += gamma * (alpha - err)
        else:
            scores[t] = 1.0
        past.append(scores[t])
    result = adaptive.run(scores, alpha, gamma=gamma, delay=1)
    assert abs(result.miscoverage - alpha) <= adaptive.bound(alpha, gamma, _stated(result), 1)


def test_after_a_shift_aci_covers_where_a_fixed_level_does_not():
    rng = np.random.default_rng(4)
    scale = np.concatenate([np.ones(2000), np.full(600, 2.5)])
    scores = np.abs(rng.standard_normal(scale.size) * scale)
    adaptive_run = adaptive.run(scores, 0.2, gamma=0.02, window=750)
    fixed = adaptive.run(scores, 0.2, gamma=1e-12, window=750)  # α never moves: split conformal
    storm = slice(2100, 2600)
    assert abs(np.mean(adaptive_run.errors[storm]) - 0.2) < abs(np.mean(fixed.errors[storm]) - 0.2) - 0.1
    assert np.nanmin(adaptive_run.alphas[storm]) < 0.2  # it widened the intervals


def test_the_first_steps_state_nothing_until_enough_scores_matured():
    result = adaptive.run(np.ones(30), 0.2, delay=5, min_scores=20)
    # Origin j matures at j + 5: at step 24 the scores of origins 0 … 19 (twenty) are known.
    assert np.isnan(result.errors[:24]).all() and np.isfinite(result.errors[24:]).all()


@pytest.mark.parametrize(
    ("scores", "alpha", "gamma", "delay"),
    [([1.0, float("nan")], 0.2, 0.01, 1), ([1.0], 1.2, 0.01, 1), ([1.0], 0.2, 0.0, 1), ([1.0], 0.2, 0.01, 0)],
)
def test_bad_arguments_are_refused(scores, alpha, gamma, delay):
    with pytest.raises(ValueError, match=r"\w"):
        adaptive.run(scores, alpha, gamma=gamma, delay=delay)
