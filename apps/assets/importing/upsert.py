"""Valid bars → the database, idempotently: new (asset, date) rows are inserted, rows whose values
differ are updated, identical rows are left alone and counted as unchanged.

PostgreSQL: COPY into a temporary table, then one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE``
the values differ, ``RETURNING`` what happened. Other databases (SQLite in development): read the
existing rows of the date range, compare in Python, ``bulk_create`` and ``bulk_update``.
Callers hold the transaction.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from apps.assets.importing.validation import Bar
from apps.assets.models import PriceBar

VALUE_FIELDS = ("open", "high", "low", "close", "adj_close", "volume", "quality_issues")


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_symbols: set[str] = field(default_factory=set)
    by_symbol: dict[str, dict[str, int]] = field(default_factory=dict)


def upsert_bars(bars: Sequence[Bar]) -> UpsertCounts:
    """Write ``bars`` (unique per symbol and date, already validated). Must run in a transaction."""
    if not bars:
        return UpsertCounts()
    if connection.vendor == "postgresql":
        created, updated = _upsert_postgresql(bars)
    else:
        created, updated = _upsert_portable(bars)
    totals = Counter(bar.symbol for bar in bars)
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


def _copy_line(bar: Bar) -> str:
    adj = "\\N" if bar.adj_close is None else str(bar.adj_close)
    issues = json.dumps(list(bar.quality_issues)).replace("\\", "\\\\")
    return (
        f"{bar.symbol}\t{bar.date.isoformat()}\t{bar.open}\t{bar.high}\t{bar.low}\t{bar.close}\t{adj}\t"
        f"{bar.volume}\t{issues}\n"
    )


def _upsert_postgresql(bars: Sequence[Bar]) -> tuple[Counter, Counter]:
    with connection.cursor() as cursor:
        cursor.execute(_TEMP_TABLE)
        cursor.execute("TRUNCATE qv_import_bars")
        with cursor.cursor.copy("COPY qv_import_bars FROM STDIN") as copy:
            chunk: list[str] = []
            for bar in bars:
                chunk.append(_copy_line(bar))
                if len(chunk) == 5000:
                    copy.write("".join(chunk))
                    chunk.clear()
            if chunk:
                copy.write("".join(chunk))
        cursor.execute(_MERGE)
        rows = cursor.fetchall()
        cursor.execute("TRUNCATE qv_import_bars")
    return Counter({r[0]: r[1] for r in rows}), Counter({r[0]: r[2] for r in rows})


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
            new_rows.append(
                PriceBar(asset_id=bar.symbol, date=bar.date, **dict(zip(VALUE_FIELDS, values, strict=True)))
            )
            created[bar.symbol] += 1
        elif not all(_same(old, new) for old, new in zip(row[3:], values, strict=True)):
            changed_rows.append(PriceBar(id=row[0], **dict(zip(VALUE_FIELDS, values, strict=True))))
            updated[bar.symbol] += 1
    PriceBar.objects.bulk_create(new_rows, batch_size=1000)
    PriceBar.objects.bulk_update(changed_rows, VALUE_FIELDS, batch_size=500)
    return created, updated


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
