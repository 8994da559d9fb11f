"""VaR backtest statistics (apps/portfolios/var_backtest.py) against reference computations written
differently here: Kupiec from binomial log-likelihoods, Christoffersen from a Markov chain's
likelihood walked day by day, the Basel table as the Committee prints it."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from apps.portfolios import var_backtest as vb


def _kupiec_reference(days, count, p):
    # The binomial coefficients cancel: LR = 2 [log Bin(x; n, x/n) - log Bin(x; n, p)].
    statistic = 2 * (stats.binom.logpmf(count, days, count / days) - stats.binom.logpmf(count, days, p))
    return statistic, stats.chi2.sf(statistic, 1)


@pytest.mark.parametrize(("days", "count"), [(250, 0), (250, 1), (250, 2), (250, 5), (250, 10), (1000, 25), (40, 40)])
def test_kupiec_matches_the_binomial_likelihood_ratio(days, count):
    statistic, p_value = vb.kupiec_pof(days, count, 0.99)
    ref_statistic, ref_p = _kupiec_reference(days, count, 0.01)
    assert statistic == pytest.approx(ref_statistic, rel=1e-9, abs=1e-12)
    assert p_value == pytest.approx(ref_p, rel=1e-9, abs=1e-300)


def test_kupiec_accepts_the_promised_rate_and_rejects_ten_times_it():
    assert vb.kupiec_pof(1000, 10, 0.99)[1] == pytest.approx(1.0)
    assert vb.kupiec_pof(1000, 100, 0.99)[1] < 1e-20


def _markov_reference(hits):
    """-2 ln of the likelihood ratio, each day's probability taken in turn."""
    pairs = list(itertools.pairwise(hits))
    after_calm = [b for a, b in pairs if not a]
    after_hit = [b for a, b in pairs if a]
    pi0 = sum(after_calm) / len(after_calm) if after_calm else 0.0
    pi1 = sum(after_hit) / len(after_hit) if after_hit else 0.0
    pi = sum(b for _, b in pairs) / len(pairs)

    def log(probability, happened):
        q = probability if happened else 1 - probability
        return math.log(q) if q > 0 else 0.0

    log_null = sum(log(pi, b) for _, b in pairs)
    log_alt = sum(log(pi1 if a else pi0, b) for a, b in pairs)
    return -2 * (log_null - log_alt)


def test_christoffersen_independence_matches_the_markov_likelihood():
    rng = np.random.default_rng(7)
    hits = list(rng.random(500) < 0.03)
    statistic, p_value = vb.christoffersen_independence(hits)
    assert statistic == pytest.approx(_markov_reference(hits), rel=1e-9, abs=1e-12)
    assert p_value == pytest.approx(stats.chi2.sf(statistic, 1))


def test_clustered_exceptions_fail_independence_and_spread_ones_pass():
    clustered = [False] * 245 + [True] * 5
    spread = [i % 50 == 25 for i in range(250)]  # 5 exceptions, 50 days apart
    assert vb.christoffersen_independence(clustered)[1] < 0.001
    assert vb.christoffersen_independence(spread)[1] > 0.5


def test_independence_is_undefined_without_a_change_of_state():
    assert vb.christoffersen_independence([False] * 250) is None
    assert vb.christoffersen_independence([True] * 10) is None
    assert vb.christoffersen_independence([True]) is None


def test_the_basel_table_for_250_days_at_99_percent():
    zones = [vb.basel_zone(count) for count in range(0, 15)]
    assert zones == ["green"] * 5 + ["yellow"] * 5 + ["red"] * 5


def test_an_exception_is_a_loss_beyond_the_var():
    # VaR is a loss, so negative; a P/L below it is an exception, equal to it is not.
    assert vb.exceptions([-120.0, -100.0, -99.0, 50.0], [-100.0] * 4).tolist() == [True, False, False, False]


def test_evaluate_gives_every_figure_and_conditional_coverage_is_the_sum_of_its_parts():
    rng = np.random.default_rng(11)
    pnl = rng.standard_normal(600) * 1000
    var = np.full(600, -2326.0)  # the 99% quantile of N(0, 1000²)
    result = vb.evaluate(pnl, var, 0.99)
    hits = pnl < var
    assert result.days == 600 and result.exceptions == int(hits.sum())
    assert result.expected == pytest.approx(6.0) and result.rate == pytest.approx(hits.mean())
    assert result.kupiec_p == pytest.approx(vb.kupiec_pof(600, int(hits.sum()), 0.99)[1])
    ind_statistic, ind_p = vb.christoffersen_independence(hits)
    pof_statistic = _kupiec_reference(599, int(hits[1:].sum()), 0.01)[0]
    assert result.christoffersen_ind_p == pytest.approx(ind_p)
    assert result.christoffersen_cc_p == pytest.approx(stats.chi2.sf(pof_statistic + ind_statistic, 2))
    assert result.zone == vb.basel_zone(int(hits[-250:].sum()))


def test_the_basel_zone_needs_250_days_at_99_percent():
    pnl, var = np.zeros(300), np.full(300, -1.0)
    assert vb.evaluate(pnl, var, 0.95).zone is None
    assert vb.evaluate(pnl[:249], var[:249], 0.99).zone is None
    assert vb.evaluate(pnl, var, 0.99).zone == "green"


@pytest.mark.parametrize(
    ("pnl", "var", "level"),
    [([1.0, 2.0], [-1.0], 0.99), ([float("nan")], [-1.0], 0.99), ([1.0], [-1.0], 1.0), ([], [], 0.99)],
)
def test_bad_input_is_refused_with_a_reason(pnl, var, level):
    with pytest.raises(ValueError, match=r"\w"):
        vb.evaluate(pnl, var, level)
