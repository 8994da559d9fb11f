"""Rows of strings → valid bars, rejected rows (line, column, reason) and warnings.

The rules: a date that parses and appears once per symbol; prices finite, positive and within
Decimal(20, 8); high ≥ low; volume ≥ 0; a date no later than today (UTC); a known symbol unless
asset creation was asked for; each OHLCV column once. An
open or close outside [low, high] is a vendor glitch, not an error: the bar is kept as given,
flagged in ``quality_issues`` and reported as a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from apps.assets.importing.parsing import (
    MAX_PRICE,
    MAX_VOLUME,
    OHLCV_COLUMNS,
    CellError,
    FileRejected,
    normalise_name,
    parse_date,
    parse_number,
    parse_symbol,
)
from apps.assets.models import ImportFormat

MAX_REPORTED = 1000  # problems listed one by one; beyond that only counted
ZERO = Decimal(0)


class Bar(NamedTuple):
    symbol: str
    date: date
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    adj_close: Decimal | None
    volume: Decimal
    quality_issues: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class Layout:
    """Where the values are: a wide file maps columns to symbols, an OHLCV file columns to fields."""

    format: ImportFormat
    header: list[str]
    symbols: list[str]
    columns: dict[str, int] = field(default_factory=dict)  # OHLCV field → column index
    symbol_columns: list[tuple[int, str]] = field(default_factory=list)  # wide: (column index, symbol)


@dataclass
class Validated:
    bars: list[Bar] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0
    rejected: int = 0
    flagged: int = 0
    unlisted_errors: int = 0

    def reject(self, line: int, column: str, reason: str, bars: int = 1) -> None:
        self.rejected += bars
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(Problem(line, column, reason))
        else:
            self.unlisted_errors += 1

    def warn(self, line: int, column: str, reason: str) -> None:
        self.flagged += 1
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append(Problem(line, column, reason))


def layout_for(header: list[str], fmt: ImportFormat, *, symbol: str | None) -> Layout:
    """Read the header for ``fmt``. Raises ``FileRejected`` naming what is missing."""
    if fmt == ImportFormat.WIDE:
        symbol_columns = []
        for index, name in enumerate(header[1:], start=1):
            if not name:
                raise FileRejected(f"Column {index + 1} of the header has no symbol.")
            try:
                symbol_columns.append((index, parse_symbol(name)))
            except CellError as exc:
                raise FileRejected(f"Header column {index + 1}: {exc}.") from None
        symbols = [sym for _, sym in symbol_columns]
        duplicates = sorted({sym for sym in symbols if symbols.count(sym) > 1})
        if duplicates:
            raise FileRejected(f"The header names {', '.join(duplicates)} more than once.")
        if symbol and symbols != [symbol]:
            raise FileRejected(f"A wide file names its symbols in the header; {symbol} was given as well.")
        return Layout(fmt, header, symbols, symbol_columns=symbol_columns)

    if not symbol:
        raise FileRejected("An OHLCV file holds one symbol: say which one (--symbol, or the symbol field).")
    columns: dict[str, int] = {}
    for index, name in enumerate(header[1:], start=1):
        key = OHLCV_COLUMNS.get(normalise_name(name))
        if key and key in columns:
            first = header[columns[key]]
            raise FileRejected(
                f"Line 1: the column {name!r} (column {index + 1}) repeats {first!r} (column {columns[key] + 1}); "
                "keep one."
            )
        if key:
            columns[key] = index
    if "close" not in columns:
        if len(header) == 2:  # date plus one value column: a close-only series
            columns["close"] = 1
        else:
            raise FileRejected("An OHLCV file needs a Close column.")
    partial = {"open", "high", "low"} & columns.keys()
    if partial and len(partial) < 3:
        missing = ", ".join(sorted({"open", "high", "low"} - partial))
        raise FileRejected(f"The file has some of open, high, low but not {missing}.")
    return Layout(fmt, header, [symbol], columns=columns)


def validate_rows(
    rows: Iterable[tuple[int, list[str]]],
    layout: Layout,
    *,
    unknown: set[str],
    progress: Callable[[], None] | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[Validated], None] | None = None,
    today: date | None = None,
) -> Validated:
    """Check every row; ``unknown`` symbols (not in the database, not to be created) are rejected,
    and so are rows dated after ``today`` (default: today's UTC date): a daily bar cannot exist yet.

    With ``on_batch``, every ``batch_size`` valid bars are handed over (``on_batch(out)`` reads
    ``out.bars``) and dropped; the bars of the last partial batch stay in the result."""
    out = Validated()
    today = today or datetime.now(UTC).date()
    seen: dict[date, int] = {}  # date → first line (one symbol per OHLCV file, one date per wide row)
    unknown_bars: dict[str, int] = {}
    check = _wide_row if layout.format == ImportFormat.WIDE else _ohlcv_row
    header_width = len(layout.header)
    for count, (line, cells) in enumerate(rows, start=1):
        out.rows = count
        if len(cells) > header_width and any(cell.strip() for cell in cells[header_width:]):
            out.reject(line, "-", f"the row has {len(cells)} cells but the header has {header_width}")
            continue
        try:
            day = parse_date(cells[0])
        except CellError as exc:
            out.reject(line, layout.header[0] or "date", str(exc), bars=_bars_in_row(layout, cells))
            continue
        if day > today:
            reason = f"the date {day.isoformat()} is after today ({today.isoformat()}, UTC)"
            out.reject(line, layout.header[0] or "date", reason, bars=_bars_in_row(layout, cells))
            continue
        first = seen.get(day)
        if first is not None:
            reason = f"duplicate date {day.isoformat()} (first on line {first})"
            out.reject(line, layout.header[0] or "date", reason, bars=_bars_in_row(layout, cells))
            continue
        seen[day] = line
        check(out, layout, line, day, cells, unknown, unknown_bars)
        if on_batch and len(out.bars) >= batch_size:
            on_batch(out)
            out.bars = []
        if progress and count % 2000 == 0:
            progress()
    # An unknown symbol is one problem of the header, not one per row.
    for symbol, bars in unknown_bars.items():
        out.reject(
            1, symbol, f"unknown symbol {symbol}: {bars} bar(s) not imported (create the asset first)", bars=bars
        )
    return out


def _plain(value: Decimal) -> str:
    """``10``, ``209.419998``: no trailing zeros, no exponent."""
    return format(value.normalize(), "f")


def _bars_in_row(layout: Layout, cells: list[str]) -> int:
    if layout.format == ImportFormat.OHLCV:
        return 1
    return sum(1 for index, _ in layout.symbol_columns if index < len(cells) and cells[index].strip()) or 1


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _wide_row(out: Validated, layout: Layout, line: int, day: date, cells: list[str], unknown, unknown_bars) -> None:
    # The hot loop of a wide import (one pass per cell): locals, and no helper call for empty cells.
    append, width = out.bars.append, len(cells)
    for index, symbol in layout.symbol_columns:
        text = cells[index] if index < width else ""
        if not text or text.isspace():
            continue  # empty cell = no bar that day
        if symbol in unknown:
            unknown_bars[symbol] = unknown_bars.get(symbol, 0) + 1
            continue
        try:
            close = parse_number(text)
        except CellError as exc:
            out.reject(line, symbol, str(exc))
            continue
        if close <= 0:
            out.reject(line, symbol, f"the price must be positive, not {text.strip()[:40]}")
            continue
        append(Bar(symbol, day, close, close, close, close, None, ZERO, (), line))


def _ohlcv_row(out: Validated, layout: Layout, line: int, day: date, cells: list[str], unknown, unknown_bars) -> None:
    symbol = layout.symbols[0]
    columns = layout.columns
    if symbol in unknown:
        unknown_bars[symbol] = unknown_bars.get(symbol, 0) + 1
        return
    values: dict[str, Decimal | None] = {}
    for key in ("open", "high", "low", "close", "adj_close", "volume"):
        index = columns.get(key)
        if index is None:
            values[key] = None
            continue
        name = layout.header[index]
        text = _cell(cells, index)
        try:
            value = parse_number(text, limit=MAX_VOLUME if key == "volume" else MAX_PRICE)
        except CellError as exc:
            out.reject(line, name, str(exc))
            return
        if value is None:
            if key in ("adj_close", "volume"):
                values[key] = None
                continue
            out.reject(line, name, f"{key.replace('_', ' ')} is empty")
            return
        if key == "volume":
            if value < 0:
                out.reject(line, name, f"the volume must not be negative, not {text.strip()[:40]}")
                return
        elif value <= 0:
            out.reject(line, name, f"the price must be positive, not {text.strip()[:40]}")
            return
        values[key] = value
    close = values["close"]
    open_, high, low = values["open"] or close, values["high"] or close, values["low"] or close
    if high < low:
        out.reject(line, layout.header[columns["high"]], f"high {_plain(high)} is below low {_plain(low)}")
        return
    issues = []
    for key, value in (("open", open_), ("close", close)):
        if value < low:
            issues.append(f"{key}_below_low")
            out.warn(line, layout.header[columns[key]], f"{key} {_plain(value)} is below low {_plain(low)}")
        elif value > high:
            issues.append(f"{key}_above_high")
            out.warn(line, layout.header[columns[key]], f"{key} {_plain(value)} is above high {_plain(high)}")
    volume = values["volume"] if values["volume"] is not None else ZERO
    out.bars.append(Bar(symbol, day, open_, high, low, close, values["adj_close"], volume, tuple(issues), line))
