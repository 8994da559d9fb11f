"""Defects found by the QA walk in a real browser, held by tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.portfolios import holdings_csv


def test_pasted_csv_that_starts_with_a_byte_order_mark_is_parsed():
    text = "\ufeffsymbol,quantity,purchase_price,purchase_date\nAAPL,2,150.5,2017-01-03\n"
    result = holdings_csv.parse(text, known_symbols=lambda symbols: symbols & {"AAPL"}, today=date(2024, 1, 1))
    assert result.ok, result.errors
    assert [(r.symbol, r.quantity, r.purchase_price) for r in result.rows] == [("AAPL", Decimal("2"), Decimal("150.5"))]
