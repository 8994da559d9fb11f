"""Valid bars → the database, idempotently: new (asset, date) rows are inserted, rows whose values
differ are updated, identical rows are left alone and counted as unchanged.

PostgreSQL: bars after a symbol's last stored date are COPYed straight into the table (they cannot
conflict; ``BarWriter`` streams them while the file is read); the others are COPYed into a
temporary table, then merged by one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` the values
differ, ``RETURNING`` what happened. Other databases (SQLite in development): read the existing
rows of the date range, compare in Python, insert and update with plain parameterised SQL.
Callers hold the transaction.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from apps.assets.importing.validation import Bar
from apps.assets.models import PriceBar
from quantumvest import events

VALUE_FIELDS = ("open", "high", "low", "close", "adj_close", "volume", "quality_issues")


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_symbols: set[str] = field(default_factory=set)
    by_symbol: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, other: UpsertCounts) -> None:
        """Fold in the counts of another batch."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_symbols |= other.changed_symbols
        for symbol, counts in other.by_symbol.items():
            mine = self.by_symbol.setdefault(symbol, dict.fromkeys(counts, 0))
            for key, value in counts.items():
                mine[key] += value


def bars_written(symbols) -> None:
    """Publish ``bars_imported`` (after commit) for the assets whose bars were created or changed;
    nothing when none were. Every writer of bars calls it beside ``invalidate_price_cache``."""
    if symbols:
        events.publish("bars_imported", symbols=sorted(symbols))


def upsert_bars(bars: Sequence[Bar]) -> UpsertCounts:
    """Write ``bars`` (unique per symbol and date, already validated). Must run in a transaction."""
    if not bars:
        return UpsertCounts()
    if connection.vendor == "postgresql":
        created, updated = _upsert_postgresql(bars)
    else:
        created, updated = _upsert_portable(bars)
    return _counts(Counter(bar.symbol for bar in bars), created, updated)


def _counts(totals: Counter, created: Counter, updated: Counter) -> UpsertCounts:
    counts = UpsertCounts()
    for symbol, total in totals.items():
        new, changed = created[symbol], updated[symbol]
        counts.by_symbol[symbol] = {"created": new, "updated": changed, "unchanged": total - new - changed}
        counts.created += new
        counts.updated += changed
        counts.unchanged += total - new - changed
        if new or changed:
            counts.changed_symbols.add(symbol)
    return counts


_TEMP_TABLE = """
CREATE TEMPORARY TABLE IF NOT EXISTS qv_import_bars (
    asset_id varchar(20) NOT NULL, date date NOT NULL,
    open numeric(20, 8) NOT NULL, high numeric(20, 8) NOT NULL, low numeric(20, 8) NOT NULL,
    close numeric(20, 8) NOT NULL, adj_close numeric(20, 8), volume numeric(28, 8) NOT NULL,
    quality_issues jsonb NOT NULL
) ON COMMIT DROP
"""

_MERGE = """
WITH written AS (
    INSERT INTO assets_pricebar AS bar
        (asset_id, date, open, high, low, close, adj_close, volume, quality_issues)
    SELECT asset_id, date, open, high, low, close, adj_close, volume, quality_issues FROM qv_import_bars
    ON CONFLICT (asset_id, date) DO UPDATE SET
        open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
        adj_close = EXCLUDED.adj_close, volume = EXCLUDED.volume, quality_issues = EXCLUDED.quality_issues
    WHERE (bar.open, bar.high, bar.low, bar.close, bar.adj_close, bar.volume, bar.quality_issues)
        IS DISTINCT FROM
        (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.adj_close, EXCLUDED.volume,
         EXCLUDED.quality_issues)
    RETURNING bar.asset_id, (xmax = 0) AS inserted
)
SELECT asset_id, count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
FROM written GROUP BY asset_id
"""


_COLUMNS = "asset_id, date, open, high, low, close, adj_close, volume, quality_issues"


def _copy_text(bars: Sequence[Bar]) -> str:
    """Bars as COPY text. Close-only bars share one Decimal for open/high/low/close: format it once."""
    dates: dict = {}
    lines = []
    for bar in bars:
        day = dates.get(bar.date)
        if day is None:
            day = dates[bar.date] = bar.date.isoformat()
        close = str(bar.close)
        if bar.open is bar.close and bar.high is bar.close and bar.low is bar.close:
            open_ = high = low = close
        else:
            open_, high, low = str(bar.open), str(bar.high), str(bar.low)
        adj = "\\N" if bar.adj_close is None else str(bar.adj_close)
        issues = json.dumps(list(bar.quality_issues)).replace("\\", "\\\\") if bar.quality_issues else "[]"
        lines.append(f"{bar.symbol}\t{day}\t{open_}\t{high}\t{low}\t{close}\t{adj}\t{bar.volume}\t{issues}\n")
    return "".join(lines)


def _copy(cursor, table: str, bars: Sequence[Bar]) -> None:
    with cursor.cursor.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN") as copy:
        copy.write(_copy_text(bars))


def _lock_and_last_dates(cursor, symbols: list[str]) -> dict:
    """Take each symbol's transaction-level advisory lock (sorted, so every writer takes them in the
    same order) and return the symbols' last stored dates, which cannot move until commit."""
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtext('assets.pricebar:' || s)) FROM unnest(%s::text[]) AS s",
        [sorted(set(symbols))],
    )
    cursor.execute(
        f"SELECT asset_id, max(date) FROM {PriceBar._meta.db_table} WHERE asset_id = ANY(%s) GROUP BY asset_id",  # noqa: S608
        [sorted(set(symbols))],
    )
    return dict(cursor.fetchall())


def _merge_from(cursor, text_chunks) -> tuple[Counter, Counter]:
    """COPY bars (COPY text chunks) into the temporary table and merge them; (created, updated)."""
    cursor.execute(_TEMP_TABLE)
    cursor.execute("TRUNCATE qv_import_bars")
    with cursor.cursor.copy(f"COPY qv_import_bars ({_COLUMNS}) FROM STDIN") as copy:
        for chunk in text_chunks:
            copy.write(chunk)
    cursor.execute(_MERGE)
    created, updated = Counter(), Counter()
    for symbol, new, changed in cursor.fetchall():
        created[symbol] += new
        updated[symbol] += changed
    cursor.execute("TRUNCATE qv_import_bars")
    return created, updated


class BarWriter:
    """Writes one file's bars while the file is still being read, inside the caller's transaction.

    PostgreSQL: after locking the symbols and reading their last stored dates, one COPY into the
    table stays open for the whole file, and bars after their symbol's last date stream into it as
    they are validated, so parsing and storing overlap. Bars on or before the last date
    (re-imports, corrections, gaps) are spooled to a temporary file and merged when the file ends.
    Other databases: each batch goes through ``upsert_bars``. ``counts`` is complete after exit;
    an exception inside the block aborts the COPY (the caller's transaction then rolls back).
    """

    SPOOL_IN_MEMORY = 32 * 1024 * 1024

    def __init__(self, symbols: list[str]):
        self.symbols = symbols
        self.counts = UpsertCounts()
        self._streaming = connection.vendor == "postgresql"

    def __enter__(self) -> BarWriter:
        if self._streaming:
            self._cursor = connection.cursor()
            self._last = _lock_and_last_dates(self._cursor, self.symbols)
            self._spool = tempfile.SpooledTemporaryFile(max_size=self.SPOOL_IN_MEMORY, mode="w+")
            self._copy_context = self._cursor.cursor.copy(f"COPY {PriceBar._meta.db_table} ({_COLUMNS}) FROM STDIN")
            self._copy = self._copy_context.__enter__()
            self._appended, self._totals, self._spooled = Counter(), Counter(), 0
        return self

    def write(self, bars: Sequence[Bar]) -> None:
        if not bars:
            return
        if not self._streaming:
            self.counts.add(upsert_bars(bars))
            return
        last = self._last
        appended, spooled = [], []
        for bar in bars:
            before = last.get(bar.symbol)
            (appended if before is None or bar.date > before else spooled).append(bar)
        if spooled:
            self._spool.write(_copy_text(spooled))
            self._spooled += len(spooled)
        if appended:
            self._copy.write(_copy_text(appended))
        self._appended.update(bar.symbol for bar in appended)
        self._totals.update(bar.symbol for bar in bars)

    def __exit__(self, exc_type, exc, traceback) -> None:
        if not self._streaming:
            return
        try:
            self._copy_context.__exit__(exc_type, exc, traceback)
            if exc_type is None:
                created, updated = Counter(self._appended), Counter()
                if self._spooled:
                    self._spool.seek(0)
                    merged_created, updated = _merge_from(self._cursor, iter(lambda: self._spool.read(1 << 20), ""))
                    created.update(merged_created)
                self.counts = _counts(self._totals, created, updated)
        finally:
            self._spool.close()
            self._cursor.close()


def _upsert_postgresql(bars: Sequence[Bar]) -> tuple[Counter, Counter]:
    """Bars dated after a symbol's last stored bar cannot conflict: they are COPYed straight into the
    table. The others go through the temporary table and the conditional ``ON CONFLICT`` merge.
    A transaction-level advisory lock per symbol keeps concurrent writers of a symbol apart, so the
    last date cannot move between the check and the COPY."""
    with connection.cursor() as cursor:
        last = _lock_and_last_dates(cursor, [bar.symbol for bar in bars])
        appended = [bar for bar in bars if last.get(bar.symbol) is None or bar.date > last[bar.symbol]]
        merged = [bar for bar in bars if not (last.get(bar.symbol) is None or bar.date > last[bar.symbol])]
        created, updated = Counter(bar.symbol for bar in appended), Counter()
        if appended:
            _copy(cursor, PriceBar._meta.db_table, appended)
        if merged:
            merged_created, updated = _merge_from(cursor, [_copy_text(merged)])
            created.update(merged_created)
    return created, updated


def _upsert_portable(bars: Sequence[Bar]) -> tuple[Counter, Counter]:
    symbols = sorted({bar.symbol for bar in bars})
    first, last = min(bar.date for bar in bars), max(bar.date for bar in bars)
    # Raw rows, not the ORM: converting 100k rows of decimals and JSON dominates the time otherwise.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, asset_id, date, {', '.join(VALUE_FIELDS)} FROM {PriceBar._meta.db_table} "  # noqa: S608
            f"WHERE asset_id IN ({', '.join(['%s'] * len(symbols))}) AND date BETWEEN %s AND %s",
            [*symbols, first, last],
        )
        existing = {(row[1], str(row[2])): row for row in cursor.fetchall()}
    created, updated = Counter(), Counter()
    new_rows, changed_rows = [], []
    for bar in bars:
        values = (bar.open, bar.high, bar.low, bar.close, bar.adj_close, bar.volume, list(bar.quality_issues))
        row = existing.get((bar.symbol, bar.date.isoformat()))
        if row is None:
            new_rows.append((bar.symbol, bar.date.isoformat(), *_db_values(values)))
            created[bar.symbol] += 1
        elif not all(_same(old, new) for old, new in zip(row[3:], values, strict=True)):
            changed_rows.append((*_db_values(values), row[0]))
            updated[bar.symbol] += 1
    # Plain parameterised SQL: the ORM's bulk_create spends most of its time building model instances.
    table, placeholders = PriceBar._meta.db_table, ", ".join(["%s"] * (2 + len(VALUE_FIELDS)))
    with connection.cursor() as cursor:
        if new_rows:
            cursor.executemany(f"INSERT INTO {table} ({_COLUMNS}) VALUES ({placeholders})", new_rows)  # noqa: S608
        if changed_rows:
            assignments = ", ".join(f"{name} = %s" for name in VALUE_FIELDS)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", changed_rows)  # noqa: S608
    return created, updated


def _db_values(values: tuple) -> tuple:
    *numbers, issues = values
    return (*(None if value is None else str(value) for value in numbers), json.dumps(issues))


def _same(old, new) -> bool:
    """Whether a stored value equals a new one. SQLite keeps decimals as REAL (and its text → REAL
    conversion can be off by an ulp): compare as floats to 14 significant digits there, or long
    volumes would count as changed on every import."""
    if old is None or new is None:
        return old is None and new is None
    if isinstance(new, list):
        return (json.loads(old) if isinstance(old, str) else old) == new
    if isinstance(old, float):
        return math.isclose(old, float(new), rel_tol=1e-14)
    return Decimal(old) == new
