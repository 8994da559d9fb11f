"""A provider that reads ``SYMBOL.csv`` (OHLCV or date,close) files from a local directory,
for feeds dropped on disk by another system."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from apps.assets.importing.validation import Bar
from apps.assets.providers import ProviderError
from apps.assets.providers.csv_bars import FileRejected, bars_from_csv

logger = logging.getLogger(__name__)


class DirectoryProvider:
    name = "directory"

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def fetch_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        path = self.directory / f"{symbol}.csv"
        if path.resolve().parent != self.directory.resolve():
            raise ProviderError(f"{symbol!r} is not a file name in {self.directory}")
        if not path.exists():
            return []
        try:
            bars, rejected = bars_from_csv(path.read_bytes(), symbol, start, end)
        except (OSError, FileRejected) as exc:
            raise ProviderError(f"{path}: {exc}") from exc
        if rejected:
            logger.warning("%s: %d rows rejected", path, rejected)
        return bars
