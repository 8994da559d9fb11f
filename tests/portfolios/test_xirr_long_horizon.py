"""XIRR over decades: found by the QA walk (a lot bought in 1980 beside one bought in 2016 made the
portfolio page and the performance API answer 500: e^(20 × 36 years) overflowed to inf − inf = NaN)."""

from __future__ import annotations

from datetime import date

import pytest

from apps.portfolios.performance import xirr


def _npv(flows, rate):
    d0 = flows[0][0]
    return sum(amount * (1 + rate) ** -((d - d0).days / 365.0) for d, amount in flows)


@pytest.mark.parametrize(
    "flows",
    [
        [(date(1980, 1, 1), -100.0), (date(2016, 6, 1), -1100.0), (date(2019, 12, 31), 6000.0)],
        [(date(1975, 6, 1), -1000.0), (date(2017, 1, 3), -500.0), (date(2018, 4, 11), 900.0)],
    ],
)
def test_xirr_with_purchases_decades_apart_is_solved(flows):
    rate = xirr(flows)
    assert rate is not None and rate > -1
    assert _npv(flows, rate) == pytest.approx(0.0, abs=1e-6)


def test_xirr_of_a_single_forty_year_holding_is_exact():
    start, end = date(1980, 1, 1), date(2019, 12, 31)
    years = (end - start).days / 365.0
    assert xirr([(start, -100.0), (end, 7000.0)]) == pytest.approx(70 ** (1 / years) - 1, rel=1e-9)
