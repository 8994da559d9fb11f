"""Bars from an OHLCV CSV answer, through the same parsing and validation as file imports."""

from __future__ import annotations

import io
from datetime import date

from apps.assets.importing.parsing import FileRejected, open_table
from apps.assets.importing.validation import Bar, layout_for, validate_rows
from apps.assets.models import ImportFormat


def bars_from_csv(content: bytes, symbol: str, start: date, end: date) -> tuple[list[Bar], int]:
    """Valid bars of ``symbol`` dated within [start, end] and the number of rejected rows.

    Raises ``FileRejected`` when the content is not an OHLCV CSV.
    """
    table = open_table(io.BytesIO(content))
    layout = layout_for(table.header, ImportFormat.OHLCV, symbol=symbol)
    checked = validate_rows(table.rows(), layout, unknown=set())
    bars = [bar for bar in checked.bars if start <= bar.date <= end]
    return bars, checked.rejected


__all__ = ["FileRejected", "bars_from_csv"]
