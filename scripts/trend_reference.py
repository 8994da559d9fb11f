#!/usr/bin/env python3
"""Print the trend flips TrendAnalysis must emit for a price CSV (no Django, no web3, no network).

    scripts/trend_reference.py data/sample/btc_usd_2013_2019.csv --column close
    scripts/trend_reference.py data/sample/yahoo_SPY_2008_2017.csv --column "Adj Close" --last 500 --json

Each row's price is scaled by 1e8 (rounded half to even) and its date becomes the day number (days
since 1970-01-01), exactly as ``feed_trends`` sends them; rows with an empty price are skipped.
Output: one line per TrendChanged (date, day, trend, shortMA, longMA as the contract's 1e8-scaled
integers), then the final ``seriesOf`` state. Feed the same observations (for example with
``submitMany``) to a fresh asset id and compare. The arithmetic is apps/onchain/trend_reference.py.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "trend_reference", Path(__file__).resolve().parent.parent / "apps" / "onchain" / "trend_reference.py"
)
ref = importlib.util.module_from_spec(_spec)
sys.modules["trend_reference"] = ref  # dataclasses look their module up by name
_spec.loader.exec_module(ref)

EPOCH = dt.date(1970, 1, 1)


def parse_date(text: str) -> dt.date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unreadable date {text!r} (expected YYYY-MM-DD or M/D/YYYY)")


def read_series(path: Path, column: str, date_column: str | None) -> list[tuple[dt.date, int]]:
    """(date, scaled price) per row with a price, in file order."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        if column not in fields:
            raise SystemExit(f"{path}: no column {column!r} (columns: {', '.join(fields)})")
        date_column = date_column or fields[0]
        if date_column not in fields:
            raise SystemExit(f"{path}: no date column {date_column!r}")
        rows = []
        for row in reader:
            value = (row[column] or "").strip()
            if value:
                rows.append((parse_date(row[date_column]), ref.scale_price(value)))
        return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--column", required=True, help="the price column (for example close, 'Adj Close')")
    parser.add_argument("--date-column", help="the date column (default: the first column)")
    parser.add_argument("--last", type=int, help="only the last N rows with a price (as the demo feed does)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    args = parser.parse_args(argv)

    rows = read_series(args.csv, args.column, args.date_column)
    if args.last:
        rows = rows[-args.last :]
    series = ref.TrendSeries()
    for date, price in rows:
        try:
            series.push((date - EPOCH).days, price)
        except ValueError as exc:
            raise SystemExit(f"{args.csv}: row dated {date}: the contract would revert with {exc}") from exc
    short_ma, long_ma = series.averages()
    day = lambda n: (EPOCH + dt.timedelta(days=n)).isoformat()  # noqa: E731
    if args.json:
        doc = {
            "observations": series.count,
            "flips": [
                {
                    "date": day(f.day),
                    "day": f.day,
                    "trend": ref.TREND_NAMES[f.trend],
                    "shortMA": f.short_ma,
                    "longMA": f.long_ma,
                }
                for f in series.flips
            ],
            "series": {
                "lastDay": series.last_day,
                "count": series.count,
                "trend": ref.TREND_NAMES[series.trend],
                "shortMA": short_ma,
                "longMA": long_ma,
            },
        }
        print(json.dumps(doc, indent=1))
        return 0
    print(f"{series.count} observations, {len(series.flips)} trend flips (averages scaled by 1e8)")
    print(f"{'date':<10}  {'day':>5}  {'trend':<5}  {'shortMA':>20}  {'longMA':>20}")
    for f in series.flips:
        print(f"{day(f.day):<10}  {f.day:>5}  {ref.TREND_NAMES[f.trend]:<5}  {f.short_ma:>20}  {f.long_ma:>20}")
    if series.count:
        print(
            f"seriesOf: lastDay {series.last_day} ({day(series.last_day)}), count {series.count}, "
            f"trend {ref.TREND_NAMES[series.trend]}, shortMA {short_ma}, longMA {long_ma}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
