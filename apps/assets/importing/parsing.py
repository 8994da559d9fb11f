"""Reading price files: bytes → header and rows of strings with their line numbers, and cell parsers.

Knows nothing of the database. Files are UTF-8 (a byte-order mark is skipped; a decode error names
its line), comma-separated, with a header line. The size limit is enforced while streaming, so an oversized file is refused
before it is read whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from apps.assets.models import PRICE_PLACES, SYMBOL_PATTERN, ImportFormat, quantize_price
from quantumvest.errors import ValidationFailed

# Decimal(20, 8) holds magnitudes below 10^12; volume is Decimal(28, 8), below 10^20.
MAX_PRICE = Decimal(10) ** (20 - PRICE_PLACES)
MAX_VOLUME = Decimal(10) ** (28 - 8)
DATE_COLUMNS = {"date", "datetime", "timestamp", "time", "day"}
OHLCV_COLUMNS = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adj close": "adj_close",
    "adjclose": "adj_close",
    "adjusted close": "adj_close",
    "volume": "volume",
    "vol": "volume",
}
_SYMBOL_RE = re.compile(SYMBOL_PATTERN)
_MDY_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class FileRejected(ValidationFailed):
    """The file as a whole cannot be imported (not text, no header, unknown layout, too large)."""

    code = "invalid_file"

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail, fields={"file": [detail]}, code=code)


class FileTooLarge(FileRejected):
    code = "file_too_large"
    status_code = 413


class CellError(ValueError):
    """One cell cannot be used; the message is the reason shown to the user."""


class _CountingReader(io.RawIOBase):
    """Counts the bytes read (for progress) and stops at ``limit`` bytes (for the size limit)."""

    def __init__(self, raw: BinaryIO, limit: int | None):
        self._raw, self._limit, self.count = raw, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        if self._limit is not None and self.count > self._limit:
            raise FileTooLarge(f"The file is larger than the limit of {self._limit:,} bytes.")
        return size


def normalise_name(name: str) -> str:
    return " ".join(name.replace("_", " ").strip().lower().split())


@dataclass
class Table:
    """A CSV file being read: its header and an iterator of (line number, cells)."""

    header: list[str]
    _reader: Iterator[list[str]]
    _counter: _CountingReader
    _line: Callable[[], int]

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows with the line number where each starts; blank lines are skipped."""
        try:
            for cells in self._reader:
                if cells and any(cell.strip() for cell in cells):
                    yield self._line(), cells
        except csv.Error as exc:
            raise FileRejected(f"Line {self._line()} cannot be read as CSV: {exc}.") from None


def _decoded_lines(raw: Iterator[bytes]) -> Iterator[str]:
    """UTF-8 lines (a leading byte-order mark dropped), decoded one physical line at a time so that
    a decode error names its line. Raises ``FileRejected``."""
    for number, line in enumerate(raw, start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            byte = line[exc.start : exc.start + 1].hex().upper()
            raise FileRejected(
                f"Line {number} is not UTF-8 text (byte 0x{byte} at position {exc.start + 1}; save the file as UTF-8)."
            ) from None
        yield text


def open_table(source: BinaryIO, *, max_bytes: int | None = None, max_columns: int | None = None) -> Table:
    """Start reading ``source`` (binary, UTF-8 with or without BOM). Raises ``FileRejected`` (a
    header of more than ``max_columns`` value columns included: nothing is read past line 1)."""
    counter = _CountingReader(source, max_bytes)
    reader = csv.reader(_decoded_lines(io.BufferedReader(counter, buffer_size=1 << 16)), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileRejected(f"Line 1 (the header) cannot be read as CSV: {exc}.") from None
    if not header or not any(cell.strip() for cell in header):
        raise FileRejected("The file is empty: expected a header line such as 'Date,Open,High,Low,Close,Volume'.")
    if "\x00" in "".join(header):
        raise FileRejected("The file is not text (it contains NUL bytes).")
    if max_columns is not None and len(header) - 1 > max_columns:
        raise FileRejected(
            f"Line 1: the header has {len(header) - 1:,} value columns; the limit is {max_columns:,} per file "
            "(QV_IMPORT_MAX_COLUMNS). Split the file."
        )
    return Table([cell.strip() for cell in header], reader, counter, lambda: reader.line_num)


def detect_format(header: list[str]) -> ImportFormat:
    """OHLCV when the header names a close column, wide otherwise. Raises ``FileRejected``."""
    names = [normalise_name(cell) for cell in header]
    if names[0] not in DATE_COLUMNS:
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            raise FileRejected("The file is not comma-separated: use commas between columns.")
        raise FileRejected(f"The first column must be the date ('Date' or 'date'), not {header[0][:40]!r}.")
    if len(header) < 2:
        raise FileRejected("The header has a date column but no price columns.")
    if "close" in names or "adj close" in names:
        return ImportFormat.OHLCV
    return ImportFormat.WIDE


def parse_symbol(text: str) -> str:
    symbol = text.strip().upper()
    if not _SYMBOL_RE.match(symbol):
        raise CellError(f"{text[:40]!r} is not a symbol (upper-case letters, digits and . - ^, at most 20)")
    return symbol


def parse_date(text: str) -> date:
    """ISO (``2020-01-31``, a time part is ignored) or US ``M/D/YYYY``."""
    text = text.strip()
    if not text:
        raise CellError("the date is empty")
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        match = _MDY_RE.match(text)
        if match:
            month, day, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if len(text) > 10 and text[4] == "-" and text[10] in " T":
            return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    raise CellError(f"{text[:40]!r} is not a date (use YYYY-MM-DD or M/D/YYYY)")


def parse_number(text: str, *, limit: Decimal = MAX_PRICE) -> Decimal | None:
    """A finite decimal rounded half-even to 8 places; ``None`` for an empty cell.

    ``limit`` is a power of ten; magnitudes at or above it are refused (before any arithmetic, so
    an exponent such as ``1e999999999999`` cannot overflow the decimal context)."""
    text = text.strip()
    if not text:
        return None
    if "_" in text:
        raise CellError(f"{text[:40]!r} is not a number")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{text[:40]!r} is not a number") from None
    if not value.is_finite():
        raise CellError(f"{text[:40]!r} is not a finite number")
    digits = limit.adjusted()  # 10^12 → 12 integer digits at most; zero has no magnitude
    if value and value.adjusted() >= digits:
        raise CellError(f"{text[:40]!r} is too large (the limit is below {limit:,.0f})")
    value = quantize_price(value)
    if value and value.adjusted() >= digits:  # 999999999999.999999999 rounds up to the limit
        raise CellError(f"{text[:40]!r} is too large (the limit is below {limit:,.0f})")
    return value
