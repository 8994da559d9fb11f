"""Market replay: advance through real history one market day at a time through the real pipeline.

For each day: that day's bars are stored the way an import stores them (``source.write_bars``),
then the market-day tasks run in beat's order (``steps``). The database never holds a bar after
the day being replayed, so every forecast issued that day is made from data up to that day only.

Idempotent and resumable: one ``ReplayRun`` per (start, end, issue_every) records the last
finished day; running the same range again continues after it, and a finished run does nothing.
Only one replay runs at a time on a machine (a lock file under ``VAR_DIR``, released by the
kernel if the process dies).
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from apps.assets.models import PriceBar
from apps.replay import source, steps
from apps.replay.models import ReplayRun
from quantumvest import jobs
from quantumvest.errors import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

DEFAULT_ISSUE_EVERY = 5


class ReplayBusy(Conflict):
    code = "replay_running"


@dataclass
class DayReport:
    day: date
    bars: int
    results: dict[str, object]
    seconds: float


@dataclass
class Totals:
    """What a replay session did, and where its time went (seconds per phase)."""

    days: int = 0
    bars: int = 0
    issued: int = 0
    scored: int = 0
    notarised_runs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def add_time(self, phase: str, seconds: float) -> None:
        self.seconds[phase] = round(self.seconds.get(phase, 0.0) + seconds, 3)

    def as_dict(self) -> dict:
        return {
            "days": self.days,
            "bars": self.bars,
            "issued": self.issued,
            "scored": self.scored,
            "notarisation_runs": self.notarised_runs,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class Outcome:
    run: ReplayRun
    totals: Totals | None  # None: nothing was replayed (finished before, or this call failed)


def check_arguments(*, start: date, end: date | None, issue_every: int) -> None:
    """Raises ``ValidationFailed`` naming the field: an end before the start, ``issue_every`` < 1."""
    if end is not None and end < start:
        raise ValidationFailed(
            f"The end ({end}) is before the start ({start}).", fields={"end": ["Must be on or after the start."]}
        )
    if issue_every < 1:
        raise ValidationFailed(
            f"issue_every must be at least 1, not {issue_every}.", fields={"issue_every": ["At least 1."]}
        )


@contextmanager
def exclusive() -> Iterator[None]:
    """Hold the machine's replay lock, or raise ``ReplayBusy``."""
    path = Path(settings.VAR_DIR) / "replay.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise ReplayBusy(f"Another market replay is running (process {holder}); wait for it to finish.") from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def replay(
    *,
    start: date,
    end: date | None = None,
    issue_every: int = DEFAULT_ISSUE_EVERY,
    directory: Path | None = None,
    on_day: Callable[[ReplayRun, DayReport], None] | None = None,
) -> Outcome:
    """Replay the market days from ``start`` to ``end`` (default: the source's last day).

    Returns the run and what this call did (``totals`` is None when the run was finished before).
    The source's bars before the first day to replay are stored first (those not stored yet), then
    each day in turn. A finished run is returned as it is. The run ends SUCCEEDED, or FAILED with
    the reason (then running it again resumes it). Raises ``ValidationFailed`` for bad arguments,
    a range without market days, or a database that already holds bars after the first day to
    replay (forecasts would see them); ``ReplayBusy`` while another replay runs.
    """
    check_arguments(start=start, end=end, issue_every=issue_every)
    with exclusive():
        history = source.read_demo_history(directory)
        days = history.market_days_between(start, end or history.days[-1])
        if not days:
            raise ValidationFailed(
                f"No market day from {start} to {end or 'the end of the prices'}: the source's prices run from "
                f"{history.days[0]} to {history.days[-1]}.",
                fields={"start": ["No prices in this range."]},
            )
        end = end or history.days[-1]
        # Re-running a range resumes (or, finished, leaves alone) its run: under the lock, one per range.
        run = ReplayRun.objects.filter(start=start, end=end, issue_every=issue_every).order_by("-created_at").first()
        run = run or ReplayRun.objects.create(start=start, end=end, issue_every=issue_every, days_total=len(days))
        if run.state == jobs.JobState.SUCCEEDED:
            return Outcome(run=run, totals=None)
        todo = [day for day in days if run.current_day is None or day > run.current_day]
        _refuse_later_bars(history, todo[0])
        _claim(run, days_total=len(days))
        totals = None
        with jobs.running(run):
            totals = _replay_days(run, history, todo, on_day)
            done = f"Replayed {run.start}–{run.end}: {len(days)} market days"
            jobs.succeed(run, totals.as_dict(), message=done)
        run.refresh_from_db()
        return Outcome(run=run, totals=totals if run.state == jobs.JobState.SUCCEEDED else None)


def _refuse_later_bars(history: source.History, first: date) -> None:
    later = PriceBar.objects.filter(asset_id__in=list(history.assets), date__gt=first).aggregate(last=Max("date"))
    if later["last"] is not None:
        raise ValidationFailed(
            f"The database already holds prices after {first} (up to {later['last']}): forecasts replayed from "
            f"{first} would see them. Replay into a database without them (a fresh one), or start after {later['last']}.",
            fields={"start": [f"Prices up to {later['last']} are already stored."]},
        )


def _claim(run: ReplayRun, *, days_total: int) -> None:
    """Mark the run RUNNING for this process (a new run, or one a killed or failed process left)."""
    ReplayRun.objects.filter(pk=run.pk).exclude(state=jobs.JobState.SUCCEEDED).update(
        state=jobs.JobState.RUNNING,
        started_at=timezone.now(),
        finished_at=None,
        error="",
        days_total=days_total,
        message=f"Resuming after {run.current_day}" if run.current_day else "Loading the history before the start",
    )
    run.refresh_from_db()


def _replay_days(run: ReplayRun, history: source.History, todo: list[date], on_day: Callable | None) -> Totals:
    totals = Totals()
    began = time.perf_counter()
    load_history(history, before=todo[0])
    totals.add_time("history", time.perf_counter() - began)
    timings: dict[str, float] = {}
    for day in todo:
        began = time.perf_counter()
        bars = history.by_day[day]
        source.write_bars(bars)
        totals.add_time("import", time.perf_counter() - began)
        symbols = tuple(sorted({bar.symbol for bar in bars}))
        due = tuple(
            symbol
            for symbol in symbols
            if (index := history.session_index(symbol, day, run.start)) is not None and index % run.issue_every == 0
        )
        results = steps.run_market_day(steps.MarketDay(day=day, symbols=symbols, due=due), timings=timings)
        totals.days += 1
        totals.bars += len(bars)
        totals.issued += results.get("apps.predictions.tasks.generate_nightly") or 0
        totals.scored += results.get("apps.predictions.tasks.score_matured") or 0
        totals.notarised_runs += results.get("onchain.notarize_predictions") is not None
        _finish_day(run, day)
        if on_day:
            on_day(run, DayReport(day=day, bars=len(bars), results=results, seconds=time.perf_counter() - began))
    for name, seconds in timings.items():
        totals.add_time(name, seconds)
    return totals


def _finish_day(run: ReplayRun, day: date) -> None:
    """Record a finished day; the next day's deadline starts now (see ``ReplayRun``)."""
    done = run.days_done + 1
    percent = int(100 * done / run.days_total) if run.days_total else 100
    message = f"Replayed {day} ({done} of {run.days_total} market days)"
    updated = ReplayRun.objects.filter(pk=run.pk, state=jobs.JobState.RUNNING).update(
        current_day=day, days_done=done, progress=min(percent, 99), message=message, started_at=timezone.now()
    )
    if not updated:
        raise Conflict("The replay run was ended while it ran (by the jobs sweeper?); run the replay again to resume.")
    run.current_day, run.days_done, run.progress, run.message = day, done, min(percent, 99), message


# --- The demo's replay (``make run`` on an empty database) ----------------------------------------

DEMO_REPLAY_MONTHS = 12


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last_day in (day.day, 30, 29, 28):  # 31 March − 1 month is 28/29 February
        try:
            return date(year, month, last_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def demo_plan(history: source.History, months: int = DEMO_REPLAY_MONTHS) -> tuple[date, date]:
    """The demo's replay on one calendar for every asset: from ``months`` before the earliest last
    date among the assets to the latest one, so each asset gets at least that many months replayed
    (the demo: SPY ends 2017-12-29, so everything up to 2016-12-29 is history, 2016-12-30 to
    2019-12-31 is replayed; BTC-USD gets three years). Returns (first replayed day, last day)."""
    cut = _months_before(min(history.last_dates.values()), months)
    later = [day for day in history.days if day > cut]
    return later[0], history.days[-1]


def load_history(history: source.History, *, before: date) -> int:
    """Store the source's assets and every bar dated before ``before`` not stored yet; how many."""
    source.ensure_assets(history)
    stored = dict(
        PriceBar.objects.filter(asset_id__in=list(history.assets))
        .values("asset_id")
        .annotate(last=Max("date"))
        .values_list("asset_id", "last")
    )
    return source.write_bars(history.bars_before(before, stored)).created


def is_running() -> bool:
    """Whether a replay holds this machine's replay lock."""
    try:
        with exclusive():
            return False
    except ReplayBusy:
        return True


def start_in_background(*, start: date, end: date, issue_every: int = DEFAULT_ISSUE_EVERY) -> int:
    """Start ``manage.py replay`` as a process of its own (it outlives the caller), its output
    appended to ``VAR_DIR/replay.log``; returns its process id."""
    log_path = Path(settings.VAR_DIR) / "replay.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "replay",
        "--start",
        start.isoformat(),
        "--end",
        end.isoformat(),
        "--issue-every",
        str(issue_every),
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603  (our own command, no shell)
            command,
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process.pid
