"""Import speed: data/sample/pypfopt_stock_prices.csv (106,931 bars) into PostgreSQL.

Measured in one run, in a throwaway database created here and dropped at the end:
- import: ``services.import_price_file`` (read, parse, validate, quantise, COPY into a temporary
  table, INSERT ... ON CONFLICT) into an empty price table;
- bare COPY: the same rows, already formatted as COPY text, into an empty copy of the price table
  (same columns, check constraints and indexes, but no foreign key: ``LIKE`` does not copy it, so
  this floor is lower than a COPY into the real table), committed;
- bare COPY into ``assets_pricebar`` itself (assets present, so its foreign key is checked);
- re-import: the same file again over the full table (every bar unchanged).

Targets (issue 3): import ≤ 10 s and ≤ 3× the bare COPY; re-import ≤ 10 s.
Usage: .venv/bin/python bench/import_prices.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = f"qv_bench_import_{os.getpid()}"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
os.environ.update(
    DJANGO_SETTINGS_MODULE="quantumvest.settings",
    DJANGO_DEBUG="True",
    QV_VAR_DIR="/tmp/qv-bench-import",
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    CELERY_BROKER_URL="",
    REDIS_URL="",
    LOG_LEVEL="WARNING",
)
FILE = ROOT / "data" / "sample" / "pypfopt_stock_prices.csv"
COLUMNS = "asset_id, date, open, high, low, close, adj_close, volume, quality_issues"


def copy_text(path: Path) -> str:
    """The file's bars as COPY text for (asset_id, date, open, high, low, close, adj_close, volume, quality_issues)."""
    lines = path.read_text().splitlines()
    symbols = lines[0].split(",")[1:]
    out = []
    for line in lines[1:]:
        cells = line.split(",")
        for symbol, cell in zip(symbols, cells[1:], strict=True):
            if cell:
                out.append(f"{symbol}\t{cells[0]}\t{cell}\t{cell}\t{cell}\t{cell}\t\\N\t0\t[]\n")
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    try:
        run(args.repeat)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def run(repeat: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from apps.assets import services
    from apps.assets.models import Asset, PriceBar

    call_command("migrate", verbosity=0)
    text = copy_text(FILE)
    rows = text.count("\n")
    one, five, _ = os.getloadavg()
    print(f"{FILE.name}: {rows:,} bars; load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy (LIKE assets_pricebar INCLUDING ALL)")

    def timed_copy(table: str) -> float:
        start = time.perf_counter()  # every timing includes the commit
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy,
        ):
            copy.write(text)
        return time.perf_counter() - start

    copy_times, copy_fk_times, import_times = [], [], []
    for _ in range(repeat):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_copy, assets_pricebar")
        Asset.objects.all().delete()
        copy_times.append(timed_copy("bench_copy"))

        start = time.perf_counter()
        report = services.import_price_file(FILE, create_assets=True)
        import_times.append(time.perf_counter() - start)
        assert report.created == rows == PriceBar.objects.count(), report.summary()

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE assets_pricebar")  # the assets stay: the foreign key is checked
        copy_fk_times.append(timed_copy("assets_pricebar"))

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE assets_pricebar")
    services.import_price_file(FILE)
    start = time.perf_counter()
    report = services.import_price_file(FILE)
    reimport = time.perf_counter() - start
    assert report.unchanged == rows and report.created == report.updated == 0, report.summary()

    def line(label: str, times: list[float]) -> float:
        median = statistics.median(times)
        print(f"{label:<40} median {median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")
        return median

    copy_s = line("bare COPY, table without foreign key", copy_times)
    copy_fk_s = line("bare COPY into assets_pricebar (with FK)", copy_fk_times)
    import_s = line("import (import_price_file)", import_times)
    print(f"ratio import / COPY without FK   {import_s / copy_s:5.2f}x   (target <= 3x; import target <= 10 s)")
    print(f"ratio import / COPY with FK      {import_s / copy_fk_s:5.2f}x")
    print(f"re-import (all unchanged)        {reimport:5.2f} s   (target <= 10 s)")


if __name__ == "__main__":
    main()
