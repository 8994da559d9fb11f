"""python manage.py replay --start DATE [--end DATE] [--issue-every N]: replay real market history."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from apps.replay import services
from quantumvest.errors import DomainError
from quantumvest.jobs import JobState

BAR_WIDTH = 30


def _date(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a date; use YYYY-MM-DD (e.g. 2017-01-03).") from None


class Command(BaseCommand):
    help = (
        "Advance through real history one market day at a time: import the day's bars, then run the "
        "market-day tasks (score, issue forecasts marked replayed, notarise). Resumes an interrupted "
        "run of the same range; a finished run is not redone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--start", required=True, help="First market day to replay (YYYY-MM-DD).")
        parser.add_argument("--end", help="Last market day to replay (YYYY-MM-DD); default: the last in the files.")
        parser.add_argument(
            "--issue-every",
            type=int,
            default=services.DEFAULT_ISSUE_EVERY,
            help=f"Issue forecasts every N-th market day of each asset (default {services.DEFAULT_ISSUE_EVERY}).",
        )
        parser.add_argument("--directory", help="Where the demo price files are (default: data/sample).")

    def handle(self, *args, **options):
        start = _date("--start", options["start"])
        end = _date("--end", options["end"])
        self._began = time.monotonic()
        self._last_shown = -1
        self._tty = self.stdout.isatty()
        try:
            outcome = services.replay(
                start=start,
                end=end,
                issue_every=options["issue_every"],
                directory=options["directory"],
                on_day=self._progress,
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        if self._tty:
            self.stdout.write("")
        run = outcome.run
        if run.state != JobState.SUCCEEDED:
            raise CommandError(f"The replay stopped after {run.current_day or 'no day'}: {run.error}")
        if outcome.totals is None:
            self.stdout.write(f"Replay of {run.start}–{run.end} finished before: nothing new.")
            return
        figures = outcome.totals.as_dict()
        per_day = sum(figures["seconds"].values()) / figures["days"] if figures["days"] else 0
        self.stdout.write(self.style.SUCCESS(run.message))
        self.stdout.write(
            f"  this session: {figures['days']} days ({per_day:.2f} s a day), {figures['bars']} bars, "
            f"{figures['issued']} forecasts issued, {figures['scored']} scored, "
            f"{figures['notarisation_runs']} notarisation runs; seconds by phase: {figures['seconds']}"
        )

    def _progress(self, run, report) -> None:
        """A plain progress bar: redrawn in place on a terminal, a line per percent in a log file."""
        percent = int(100 * run.days_done / run.days_total) if run.days_total else 100
        if not self._tty and percent == self._last_shown:
            return
        self._last_shown = percent
        filled = BAR_WIDTH * percent // 100
        elapsed = time.monotonic() - self._began
        line = (
            f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {percent:3d}% {report.day} "
            f"({run.days_done}/{run.days_total} days, {elapsed:.0f} s)"
        )
        if self._tty:
            self.stdout.write(f"\r{line}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(line)
