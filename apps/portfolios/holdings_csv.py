"""CSV of holdings: parsing with per-row errors (line, column, reason) and a formula-safe export.

The format is one lot per row with the header ``symbol,quantity,purchase_price,purchase_date``
(columns in any order, dates as YYYY-MM-DD, a dot as the decimal separator). No ORM here: the
caller passes a function that says which symbols exist.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from apps.portfolios.models import MONEY_PLACES, QUANTITY_PLACES, PortfolioAsset

COLUMNS = ("symbol", "quantity", "purchase_price", "purchase_date")
MAX_ROWS = 5000
MAX_BYTES = 1_000_000
# Digits before the decimal point that the columns hold: Decimal(28, 8) and Decimal(20, 8).
INTEGER_DIGITS = {"quantity": 28 - QUANTITY_PLACES, "purchase_price": 20 - MONEY_PLACES}
PLACES = {"quantity": QUANTITY_PLACES, "purchase_price": MONEY_PLACES}
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    line: int  # 1 is the header line
    column: str  # "" when the error concerns the whole row or file
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class HoldingRow:
    line: int
    symbol: str
    quantity: Decimal
    purchase_price: Decimal
    purchase_date: date


@dataclass
class ParsedHoldings:
    rows: list[HoldingRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def decode(data: bytes) -> str:
    """UTF-8 text (with or without a byte-order mark); ``ValueError`` otherwise."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"The file is larger than {MAX_BYTES // 1000} kB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError("The file is not UTF-8 text.") from exc


def _decimal(raw: str, column: str) -> tuple[Decimal | None, str | None]:
    text = raw.strip()
    if not text:
        return None, "This value is required."
    if not NUMBER.match(text):
        return None, f"'{raw[:40]}' is not a number (use a dot as decimal separator, no thousands separators)."
    value = Decimal(text)
    if value <= 0:
        return None, "Must be greater than zero."
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PLACES[column]:
        return None, f"At most {PLACES[column]} decimal places."
    if value >= Decimal(10) ** INTEGER_DIGITS[column]:
        return None, f"At most {INTEGER_DIGITS[column]} digits before the decimal point."
    return value, None


def _date(raw: str, today: date) -> tuple[date | None, str | None]:
    text = raw.strip()
    if not text:
        return None, "This value is required."
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None, f"'{raw[:40]}' is not a date in the form YYYY-MM-DD."
    if len(text) != 10:
        return None, f"'{raw[:40]}' is not a date in the form YYYY-MM-DD."
    if value > today:
        return None, "The purchase date cannot be in the future."
    return value, None


def parse(
    text: str,
    *,
    known_symbols: Callable[[set[str]], set[str]],
    today: date,
    last_price_dates: Callable[[set[str]], dict[str, date]] | None = None,
) -> ParsedHoldings:
    """Every row of ``text`` checked; ``rows`` holds the valid ones, ``errors`` every problem found.

    ``known_symbols`` receives the set of symbols in the file and returns those that exist (one call).
    ``last_price_dates`` (one call too) returns each known symbol's last price date: a purchase
    after it is an error of ``purchase_date`` (``add_lot``'s rule; the row is not imported).
    """
    result = ParsedHoldings()
    # Pasted text can carry the byte-order mark of the file it was copied from.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        result.errors.append(RowError(1, "", "The file is empty: expected the header " + ",".join(COLUMNS) + "."))
        return result
    except csv.Error as exc:
        result.errors.append(RowError(1, "", f"Not a readable CSV file: {exc}."))
        return result
    names = [name.strip().lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        reason = "The header must name the columns " + ", ".join(COLUMNS) + " once each"
        details = [
            f"missing: {', '.join(missing)}" if missing else "",
            f"unknown: {', '.join(unknown)}" if unknown else "",
        ]
        detail = "; ".join(d for d in details if d)
        result.errors.append(RowError(1, "", reason + (f" ({detail})." if detail else ".")))
        return result
    position = {name: names.index(name) for name in COLUMNS}

    pending: list[tuple[int, dict]] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(pending) >= MAX_ROWS:
                result.errors.append(RowError(line, "", f"More than {MAX_ROWS} rows: split the file."))
                break
            if len(record) != len(names):
                result.errors.append(RowError(line, "", f"Expected {len(names)} columns, found {len(record)}."))
                continue
            cells = {name: record[index] for name, index in position.items()}
            values: dict = {}
            for column in ("quantity", "purchase_price"):
                values[column], error = _decimal(cells[column], column)
                if error:
                    result.errors.append(RowError(line, column, error))
            values["purchase_date"], error = _date(cells["purchase_date"], today)
            if error:
                result.errors.append(RowError(line, "purchase_date", error))
            symbol = cells["symbol"].strip().upper()
            # Read back what ``export`` neutralised: '-X was written for the symbol -X.
            if symbol.startswith("'") and symbol[1:].startswith(FORMULA_PREFIXES):
                symbol = symbol[1:]
            values["symbol"] = symbol
            if not values["symbol"]:
                result.errors.append(RowError(line, "symbol", "This value is required."))
            pending.append((line, values))
    except csv.Error as exc:
        result.errors.append(RowError(reader.line_num, "", f"Not a readable CSV row: {exc}."))

    symbols = {values["symbol"] for _, values in pending if values["symbol"]}
    known = known_symbols(symbols) if symbols else set()
    last_dates = last_price_dates(known) if known and last_price_dates else {}
    for line, values in pending:
        if values["symbol"] and values["symbol"] not in known:
            result.errors.append(RowError(line, "symbol", f"Unknown symbol '{values['symbol'][:20]}'."))
            continue
        last = last_dates.get(values["symbol"])
        if values["purchase_date"] is not None and last is not None and values["purchase_date"] > last:
            result.errors.append(
                RowError(line, "purchase_date", PortfolioAsset.after_last_price(values["symbol"], last))
            )
            continue
        if all(values[name] is not None and values[name] != "" for name in COLUMNS):
            result.rows.append(HoldingRow(line=line, **values))
    if not pending and not result.errors:
        result.errors.append(RowError(2, "", "The file has a header but no rows."))
    result.errors.sort(key=lambda e: (e.line, COLUMNS.index(e.column) if e.column in COLUMNS else -1))
    return result


def safe_cell(value) -> str:
    """A cell that a spreadsheet will not run as a formula.

    Numbers (and text that is exactly a plain number, such as ``-12.50``) are written as they are;
    other text starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe.
    """
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    text = "" if value is None else str(value)
    if NUMBER.match(text):
        return text
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 10.50000000 → 10.5, 1E+1 → 10."""
    return format(value.normalize(), "f")


def export(rows: Iterable[tuple[str, Decimal, Decimal, date]]) -> str:
    """CSV text (header included) that ``parse`` reads back to the same lots."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for symbol, quantity, price, day in rows:
        writer.writerow([safe_cell(symbol), _plain(quantity), _plain(price), day.isoformat()])
    return out.getvalue()
