"""The shared number filters: how money, quantities, percentages and ratios read on every page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from quantumvest import formatting

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("13872.07"), "13,872.07"),
        (Decimal("-315.04"), f"{MINUS}315.04"),
        (-315.04, f"{MINUS}315.04"),
        (Decimal("2671.5749"), "2,671.57"),
        (Decimal("-0.001"), "0.00"),
        (0, "0.00"),
        (None, "—"),
        ("", "—"),
        (float("nan"), "—"),
        (float("inf"), "—"),
        ("not a number", "—"),
    ],
)
def test_money_has_thousands_separators_a_real_minus_and_a_dash_when_unknown(value, expected):
    assert formatting.money(value) == expected


def test_token_amounts_keep_every_decimal_they_are_given_places_for():
    amount = "123456789012345678901234567890.123456789012345678"
    assert formatting.quantity(amount, 18) == "123,456,789,012,345,678,901,234,567,890.123456789012345678"


def test_signed_money_marks_gains_with_a_plus_and_zero_with_nothing():
    assert formatting.signed_money(Decimal("1234.5")) == "+1,234.50"
    assert formatting.signed_money(Decimal("-315.04")) == f"{MINUS}315.04"
    assert formatting.signed_money(Decimal("0.004")) == "0.00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2E+1"), "20"),
        (Decimal("4.3E+2"), "430"),
        (Decimal("20.00000000"), "20"),
        (Decimal("0.75000000"), "0.75"),
        (Decimal("1234.5"), "1,234.5"),
        (Decimal("0.00000001"), "0.00000001"),
        (Decimal("-3.5"), f"{MINUS}3.5"),
        (Decimal("1E-12"), "0"),
        ("123456789012345678901234567890.123456789", "123,456,789,012,345,678,901,234,567,890.12345679"),
    ],
)
def test_quantities_read_as_stored_without_exponents_or_trailing_zeros(value, expected):
    assert formatting.quantity(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1234, "12.34%"),
        (-0.3952, f"{MINUS}39.52%"),
        (16.1842, "1,618.42%"),
        (Decimal("0.5"), "50.00%"),
        (-0.00001, "0.00%"),
        (None, "—"),
    ],
)
def test_percent_of_a_fraction(value, expected):
    assert formatting.percent(value) == expected


def test_signed_percent_and_places():
    assert formatting.signed_percent(0.2368) == "+23.68%"
    assert formatting.signed_percent(-0.0047) == f"{MINUS}0.47%"
    assert formatting.signed_percent(0) == "0.00%"
    assert formatting.percent(0.8, 0) == "80%"
    assert formatting.percent(0.8123, 1) == "81.2%"


def test_ratios_and_counts():
    assert formatting.number(1.9612) == "1.96"
    assert formatting.number(-0.4711) == f"{MINUS}0.47"
    assert formatting.number(0.98765, 3) == "0.988"
    assert formatting.integer(12345) == "12,345"


def test_the_filters_are_builtins_of_every_template():
    template = Template(
        "{{ a|money }} {{ b|quantity }} {{ c|percent }} {{ c|signed_percent:1 }} {{ d|number }} {{ e|integer }}"
    )
    text = template.render(Context({"a": Decimal("-1618.4"), "b": Decimal("2E+1"), "c": 0.2368, "d": 4.3, "e": 1000}))
    assert text == f"{MINUS}1,618.40 20 23.68% +23.7% 4.30 1,000"
