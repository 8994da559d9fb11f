"""Market-data use cases: importing price files, refreshing from a provider, loading the demo data.

Every face (management command, upload page, API, admin, Celery task) calls these functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Max
from django.utils import timezone

from apps.assets.cache import invalidate_price_cache
from apps.assets.importing.parsing import (
    CellError,
    FileRejected,
    FileTooLarge,
    detect_format,
    open_table,
    parse_symbol,
)
from apps.assets.importing.upsert import BarWriter, bars_written, upsert_bars
from apps.assets.importing.validation import Problem, Validated, layout_for, validate_rows
from apps.assets.models import Asset, AssetType, ImportFormat, ImportJob
from quantumvest import jobs
from quantumvest.errors import DatabaseUnavailable, NotFound, PermissionDenied, ServiceUnavailable, ValidationFailed

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
BATCH_SIZE = 5_000  # bars validated before they are handed to the writer
PROGRESS_TIMEOUT = 60 * 60


@dataclass
class ImportReport:
    """What an import did; ``applied`` is False when rejected rows stopped the whole file."""

    filename: str
    format: str
    symbols: list[str]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    flagged: int = 0
    unlisted_errors: int = 0
    applied: bool = False
    created_assets: list[str] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    by_symbol: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"{self.filename}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.rejected} rejected, {self.flagged} warnings" + ("" if self.applied else " (nothing applied)")
        )

    def as_dict(self) -> dict:
        data = asdict(self)
        data["errors"] = [problem.as_dict() for problem in self.errors]
        data["warnings"] = [problem.as_dict() for problem in self.warnings]
        return data


class ImportRejected(ValidationFailed):
    """Rows were rejected and ``skip_invalid`` was not asked for: the database is unchanged."""

    code = "rows_rejected"

    def __init__(self, report: ImportReport):
        shown = [str(problem) for problem in report.errors[:50]]
        more = len(report.errors) - len(shown) + report.unlisted_errors
        if more:
            shown.append(f"... and {more} more problem(s)")
        super().__init__(
            f"{report.rejected} row(s) of {report.filename} were rejected; nothing was imported.",
            fields={"file": shown},
        )
        self.report = report


def _require_analyst(by) -> None:
    if by is not None and not getattr(by, "is_analyst", False):
        raise PermissionDenied("Importing prices needs the analyst role.")


def import_prices(
    *,
    source: BinaryIO,
    filename: str,
    size: int | None = None,
    format: str | None = None,
    symbol: str | None = None,
    asset_type: str | None = None,
    create_assets: bool = False,
    skip_invalid: bool = False,
    by=None,
    max_bytes: int | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one price file atomically and return what happened.

    The format is detected from the header unless given. ``by`` is the user of a web or API face
    (must be an analyst; ``None`` for the command line). Without ``skip_invalid`` any rejected row
    leaves the database unchanged and raises ``ImportRejected``; with it, the valid rows apply and
    the report lists the rejected ones. Raises ``FileRejected`` (or ``FileTooLarge``) for a file that
    cannot be read at all, ``PermissionDenied`` for a non-analyst, ``DatabaseUnavailable`` when the
    database goes away (the transaction is then rolled back by PostgreSQL: nothing is kept).
    """
    with database_errors("nothing was imported"):
        return _import_prices(
            source=source,
            filename=filename,
            size=size,
            format=format,
            symbol=symbol,
            asset_type=asset_type,
            create_assets=create_assets,
            skip_invalid=skip_invalid,
            by=by,
            max_bytes=max_bytes,
            progress=progress,
        )


@contextmanager
def database_errors(outcome: str) -> Iterator[None]:
    """Translate a lost or refused database connection into ``DatabaseUnavailable`` (503)."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        logger.warning("database unavailable during a price import: %s", exc)
        raise DatabaseUnavailable(f"The database is not available; {outcome}. Try again in a moment.") from exc


def _import_prices(
    *,
    source: BinaryIO,
    filename: str,
    size: int | None,
    format: str | None,
    symbol: str | None,
    asset_type: str | None,
    create_assets: bool,
    skip_invalid: bool,
    by,
    max_bytes: int | None,
    progress: Progress | None,
) -> ImportReport:
    _require_analyst(by)
    if max_bytes is not None and size is not None and size > max_bytes:
        raise FileTooLarge(f"The file is larger than the limit of {max_bytes:,} bytes.")
    if symbol:
        try:
            symbol = parse_symbol(symbol)
        except CellError as exc:
            raise ValidationFailed(f"{exc}.", fields={"symbol": [f"{exc}."]}) from None
    if format and format not in ImportFormat.values:
        raise ValidationFailed(f"Unknown format {format!r}.", fields={"format": ["Use wide or ohlcv."]})
    if asset_type and asset_type not in AssetType.values:
        raise ValidationFailed(f"Unknown asset type {asset_type!r}.", fields={"asset_type": ["Unknown type."]})

    table = open_table(source, max_bytes=max_bytes, max_columns=settings.QV_IMPORT_MAX_COLUMNS)
    fmt = ImportFormat(format) if format else detect_format(table.header)
    if fmt == ImportFormat.OHLCV and not symbol:
        symbol = _symbol_from_filename(filename)
    layout = layout_for(table.header, fmt, symbol=symbol)
    known = set(Asset.objects.filter(id__in=layout.symbols).values_list("id", flat=True))
    missing = [sym for sym in layout.symbols if sym not in known]
    report = ImportReport(filename=filename, format=fmt.value, symbols=layout.symbols)

    def parsing_progress() -> None:
        if progress and size:
            progress(0.95 * min(1.0, table.bytes_read / size), "Importing rows")

    # Bars are written as they are validated (memory stays bounded, and on PostgreSQL reading and
    # storing overlap), in one transaction: a rejected row without skip_invalid, or a file that
    # turns out unreadable half-way, rolls everything back.
    with transaction.atomic():
        for sym in missing if create_assets else []:
            asset = Asset(id=sym, name=sym, type=asset_type or AssetType.STOCK)
            asset.full_clean()
            asset.save(force_insert=True)
        with BarWriter(layout.symbols) as writer:

            def write(checked: Validated) -> None:
                # Once a row is rejected (without skip_invalid) nothing will be kept: stop writing.
                if not (checked.rejected and not skip_invalid):
                    writer.write(checked.bars)

            checked = validate_rows(
                table.rows(),
                layout,
                unknown=set() if create_assets else set(missing),
                progress=parsing_progress,
                batch_size=BATCH_SIZE,
                on_batch=write,
            )
            if not checked.rows:
                # Raised inside the transaction: assets created for this file are rolled back too.
                raise FileRejected("The file has a header but no data rows; nothing was imported.")
            write(checked)
            report.rejected, report.flagged = checked.rejected, checked.flagged
            report.errors, report.warnings = checked.errors, checked.warnings
            report.unlisted_errors = checked.unlisted_errors
            if checked.rejected and not skip_invalid:
                raise ImportRejected(report)
        written = writer.counts
        report.created, report.updated, report.unchanged = written.created, written.updated, written.unchanged
        report.by_symbol = written.by_symbol
        report.created_assets = missing if create_assets else []
        report.applied = True
        invalidate_price_cache(written.changed_symbols)
        bars_written(written.changed_symbols)
    if progress:
        progress(1.0, "Done")
    logger.info("price import %s", report.summary())
    return report


def _symbol_from_filename(filename: str) -> str | None:
    """``SPY.csv`` holds SPY; any other name needs the symbol given explicitly."""
    try:
        return parse_symbol(Path(filename).stem)
    except CellError:
        return None


def import_price_file(path: Path | str, **options) -> ImportReport:
    """``import_prices`` for a file on disk (the command line, the demo data, the local provider)."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise FileRejected(f"Cannot open {path}: {exc.strerror}.") from None
    with handle:
        return import_prices(source=handle, filename=path.name, size=path.stat().st_size, **options)


# --- Upload jobs ---------------------------------------------------------------------------------


def queue_import_job(
    *,
    upload,
    by,
    format: str = "",
    symbol: str = "",
    asset_type: str = "",
    create_assets: bool = False,
    skip_invalid: bool = False,
) -> ImportJob:
    """Store an uploaded file and queue its import as a Celery job. Raises before storing anything
    when the user is not an analyst or the file is over ``QV_IMPORT_MAX_BYTES``."""
    from apps.assets.tasks import run_import_job  # the tasks module imports this one

    _require_analyst(by)
    if upload.size > settings.QV_IMPORT_MAX_BYTES:
        raise FileTooLarge(f"The file is larger than the limit of {settings.QV_IMPORT_MAX_BYTES:,} bytes.")
    with transaction.atomic():
        job = ImportJob(
            user=by,
            filename=Path(upload.name).name[:255],
            format=format or "",
            symbol=(symbol or "").strip().upper(),
            asset_type=asset_type or "",
            create_assets=create_assets,
            skip_invalid=skip_invalid,
        )
        job.file.save(f"{job.id}.csv", upload, save=False)
        job.save()
    try:
        return jobs.submit(job, run_import_job)
    except ServiceUnavailable:
        _discard_upload(job)
        raise


def run_import_job(job_id: str) -> None:
    """Run a queued import job (the Celery task calls this). Safe to run twice: a finished job stays."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not jobs.start(job):
        return
    last = [-1]

    def progress(fraction: float, message: str) -> None:
        # The import writes inside its own transaction, where a progress update of the job row
        # would stay invisible until the end: live progress goes to the cache instead.
        percent = int(fraction * 100)
        if percent != last[0]:
            last[0] = percent
            cache.set(_progress_key(job.pk), (percent, message[:255]), PROGRESS_TIMEOUT)

    try:
        with jobs.running(job):
            try:
                with job.file.open("rb") as handle:
                    report = import_prices(
                        source=handle,
                        filename=job.filename,
                        size=job.file.size,
                        format=job.format or None,
                        symbol=job.symbol or None,
                        asset_type=job.asset_type or None,
                        create_assets=job.create_assets,
                        skip_invalid=job.skip_invalid,
                        by=job.user,
                        max_bytes=settings.QV_IMPORT_MAX_BYTES,
                        progress=progress,
                    )
            except ImportRejected as exc:
                ImportJob.objects.filter(pk=job.pk).update(result=exc.report.as_dict())
                raise
            jobs.succeed(job, report.as_dict(), message=report.summary())
    finally:
        _discard_upload(job)


def _discard_upload(job: ImportJob) -> None:
    """The upload is not kept once imported (or refused); a conditional update leaves the job's other fields alone."""
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")


# --- Providers ---------------------------------------------------------------------------------


def refresh_prices(*, provider=None, symbols: Iterable[str] | None = None, today: date | None = None) -> dict:
    """Fetch new bars for active assets from the configured provider and upsert them.

    Starts each asset the day after its last bar (or ``QV_PRICE_PROVIDER_BACKFILL_DAYS`` ago for an
    asset without bars). Returns per-symbol counts; a symbol whose fetch fails is reported, not fatal.
    """
    from apps.assets.providers import ProviderError, get_provider

    provider = provider or get_provider()
    if provider is None:
        return {}
    today = today or timezone.now().date()
    assets = Asset.objects.active()
    if symbols is not None:
        assets = assets.filter(id__in=list(symbols))
    latest = dict(assets.annotate(last=Max("bars__date")).values_list("id", "last"))
    outcome: dict[str, dict] = {}
    for sym, last in latest.items():
        start = last + timedelta(days=1) if last else today - timedelta(days=settings.QV_PRICE_PROVIDER_BACKFILL_DAYS)
        if start > today:
            outcome[sym] = {"created": 0, "updated": 0, "unchanged": 0}
            continue
        try:
            bars = provider.fetch_bars(sym, start, today)
        except ProviderError as exc:
            logger.warning("price refresh of %s failed: %s", sym, exc)
            outcome[sym] = {"error": str(exc)}
            continue
        with transaction.atomic():
            counts = upsert_bars(bars)
            invalidate_price_cache(counts.changed_symbols)
            bars_written(counts.changed_symbols)
        outcome[sym] = {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
    return outcome


# --- Demo data -----------------------------------------------------------------------------------


def load_demo(*, directory: Path | None = None, progress: Progress | None = None) -> list[ImportReport]:
    """Create or refresh the demo assets (real names, types, a description crediting the source) and
    import their shipped price files. Idempotent: a second run reports every bar unchanged."""
    from apps.assets.demo import DEMO_FILES, SAMPLE_DIR

    directory = Path(directory or SAMPLE_DIR)
    reports = []
    for demo in DEMO_FILES:
        with transaction.atomic():
            for symbol, (name, asset_type) in demo.assets.items():
                Asset.objects.update_or_create(
                    id=symbol, defaults={"name": name, "type": asset_type, "description": demo.description}
                )
            reports.append(
                import_price_file(directory / demo.filename, format=demo.format, symbol=demo.symbol, progress=progress)
            )
    return reports


def _progress_key(job_id) -> str:
    return f"assets:import-progress:{job_id}"


def get_import_job_for_user(job_id, user) -> ImportJob:
    """The user's own import job, with its live progress while it runs; ``NotFound`` for anyone
    else's (or a missing one)."""
    job = ImportJob.objects.filter(pk=job_id, user=user).first()
    if job is None:
        raise NotFound("No such import job.")
    if not job.is_finished:
        job.progress, job.message = cache.get(_progress_key(job.pk), (job.progress, job.message))
    return job


def recent_import_jobs(user, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(user=user).order_by("-created_at")[:limit])
