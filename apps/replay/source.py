"""The replay's source: real daily bars read once from price files, handed out one market day at a time.

The files are read and checked by the import machinery (``apps.assets.importing``), exactly as a
real import reads them; the replay then writes each day's bars through the same upsert and cache
invalidation a real import and the provider refresh use.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from apps.assets.cache import invalidate_price_cache
from apps.assets.importing.parsing import FileRejected, detect_format, open_table
from apps.assets.importing.upsert import UpsertCounts, bars_written, upsert_bars
from apps.assets.importing.validation import Bar, layout_for, validate_rows
from apps.assets.models import Asset, ImportFormat


@dataclass
class History:
    """Every bar of the source, by symbol (date order) and by date."""

    assets: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # symbol → (name, type, description)
    by_day: dict[date, list[Bar]] = field(default_factory=dict)
    dates: dict[str, list[date]] = field(default_factory=dict)  # symbol → its bar dates, in order

    @property
    def days(self) -> list[date]:
        """Market days: the dates on which any source has a bar, in order."""
        return sorted(self.by_day)

    @property
    def last_dates(self) -> dict[str, date]:
        return {symbol: dates[-1] for symbol, dates in self.dates.items() if dates}

    def market_days_between(self, start: date, end: date) -> list[date]:
        days = self.days
        return days[bisect.bisect_left(days, start) : bisect.bisect_right(days, end)]

    def bars_before(self, day: date, after: dict[str, date | None]) -> list[Bar]:
        """Bars dated before ``day`` and after ``after[symbol]`` (each symbol's last stored bar)."""
        return [
            bar
            for when in self.days
            if when < day
            for bar in self.by_day[when]
            if after.get(bar.symbol) is None or bar.date > after[bar.symbol]
        ]

    def session_index(self, symbol: str, day: date, start: date) -> int | None:
        """Which market day of ``symbol`` since ``start`` ``day`` is (0 for its first), None without a bar."""
        dates = self.dates.get(symbol, [])
        index = bisect.bisect_left(dates, day)
        if index == len(dates) or dates[index] != day:
            return None
        return index - bisect.bisect_left(dates, start)


def read_demo_history(directory: Path | None = None) -> History:
    """The shipped demo files (``apps.assets.demo.DEMO_FILES``), read and validated once.

    Raises ``FileRejected`` when a file cannot be read or has a rejected row.
    """
    from apps.assets.demo import DEMO_FILES, SAMPLE_DIR

    directory = Path(directory or SAMPLE_DIR)
    history = History()
    collected: dict[date, list[Bar]] = defaultdict(list)
    for demo in DEMO_FILES:
        for symbol, (name, asset_type) in demo.assets.items():
            history.assets[symbol] = (name, asset_type, demo.description)
        path = directory / demo.filename
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise FileRejected(f"Cannot open {path}: {exc.strerror}.") from None
        with handle:
            table = open_table(handle, max_columns=settings.QV_IMPORT_MAX_COLUMNS)
            fmt = ImportFormat(demo.format) if demo.format else detect_format(table.header)
            layout = layout_for(table.header, fmt, symbol=demo.symbol)
            checked = validate_rows(table.rows(), layout, unknown=set())
        if checked.rejected:
            raise FileRejected(f"{demo.filename}: {checked.rejected} row(s) rejected, first: {checked.errors[0]}.")
        for bar in checked.bars:
            collected[bar.date].append(bar)
    history.by_day = dict(collected)
    dates: dict[str, list[date]] = defaultdict(list)
    for day in history.days:
        for bar in history.by_day[day]:
            dates[bar.symbol].append(day)
    history.dates = dict(dates)
    return history


def ensure_assets(history: History) -> None:
    """Create the source's assets (real names and types, the source credited) where missing."""
    for symbol, (name, asset_type, description) in history.assets.items():
        Asset.objects.get_or_create(id=symbol, defaults={"name": name, "type": asset_type, "description": description})


def write_bars(bars: list[Bar]) -> UpsertCounts:
    """Store bars as an import does: one transaction, the idempotent upsert, the price caches dropped."""
    with transaction.atomic():
        counts = upsert_bars(bars)
        invalidate_price_cache(counts.changed_symbols)
        bars_written(counts.changed_symbols)
    return counts
