"""apps.predictions.scoring: the Wilson interval against published values, and each figure on a
small set worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.predictions.scoring import ScoredForecast, group_figures, wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I, method 3.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_the_wilson_interval_matches_published_values(k, n, low, high):
    lower, upper = wilson_interval(k, n)

    assert lower == pytest.approx(low, abs=1e-4) and upper == pytest.approx(high, abs=1e-4)


def test_the_wilson_interval_of_nothing_is_unknown():
    assert wilson_interval(0, 0) == (None, None)


def _forecast(origin, point, lower, upper, actual, direction, score, day=1):
    values = [Decimal(str(v)) for v in (origin, point, lower, upper, actual)]
    return ScoredForecast(*values, direction, Decimal(str(score)), date(2019, 1, day), Decimal("0.8"))


def test_figures_of_a_small_set_worked_out_by_hand():
    forecasts = [
        _forecast(100, 102, 98, 106, 104, "up", 0.7, day=3),  # inside, rose, right: p_up 0.7
        _forecast(100, 99, 97, 101, 101, "down", 0.6, day=1),  # inside (bound), rose, wrong: p_up 0.4
        _forecast(100, 101, 100, 103, 100, "up", 0.55, day=2),  # inside (bound), unchanged = not up, wrong
        _forecast(50, 49, 48, 50, 45, "down", 0.8, day=5),  # outside, fell, right: p_up 0.2
    ]

    groups, tables = group_figures([(("all",), "t", f) for f in forecasts])
    figures = groups["all"]

    assert (figures.n, figures.inside) == (4, 3)
    assert figures.coverage == 0.75 and figures.hit_rate == 0.5
    # scaled errors 0.02, 0.02, 0.01, 0.08; random walk 0.04, 0.01, 0, 0.10
    assert figures.rel_mae == pytest.approx(0.13 / 0.15)
    # (0.7−1)², (0.4−1)², (0.55−0)², (0.2−0)²
    assert figures.brier == pytest.approx((0.09 + 0.36 + 0.3025 + 0.04) / 4)
    assert figures.base_rate_up == 0.5 and figures.brier_base_rate == 0.25
    assert (figures.first_target, figures.last_target) == (date(2019, 1, 1), date(2019, 1, 5))
    assert figures.nominal_level == 0.8
    assert [(row["bin_lower"], row["n"], row["observed_up"]) for row in tables["t"]] == [
        (0.2, 1, 0.0),
        (0.4, 1, 1.0),
        (0.5, 1, 0.0),
        (0.7, 1, 1.0),
    ]


def test_a_forecast_counts_in_every_group_it_names_and_in_one_table():
    up = _forecast(100, 102, 98, 106, 104, "up", 0.7)

    groups, tables = group_figures([(("a", "b"), "t", up), (("b",), "u", up)])

    assert groups["a"].n == 1 and groups["b"].n == 2
    assert [row["n"] for row in tables["t"]] == [1] and [row["n"] for row in tables["u"]] == [1]


def test_a_stated_chance_of_one_falls_in_the_last_bin():
    certain = _forecast(100, 102, 98, 106, 104, "up", 1)

    _, tables = group_figures([(("a",), "t", certain)])

    assert [(row["bin_lower"], row["bin_upper"]) for row in tables["t"]] == [(0.9, 1.0)]
