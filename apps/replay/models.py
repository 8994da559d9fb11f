"""A market replay run: one range of real history advanced a trading day at a time (see services)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from quantumvest.jobs import Job, JobState

# A running replay finishes a day in about a second; no progress for this long means its process
# probably stopped (the jobs sweeper fails the run later; a new ``replay`` resumes it).
STALLED_AFTER = timedelta(minutes=2)


class ReplayRun(Job):
    """One replay of ``start``..``end`` issuing forecasts every ``issue_every`` market days per asset.

    ``current_day`` is the last day finished (its bars imported and its market-day tasks done): a
    resumed run continues the day after it. ``started_at`` moves to the start of each day, so the
    jobs sweeper's deadline applies to one day, not to the whole replay: a run whose process was
    killed stops moving it, the sweeper fails the run, and a later ``replay`` resumes it.
    """

    start = models.DateField(help_text="First market day replayed.")
    end = models.DateField(help_text="Last market day replayed.")
    issue_every = models.PositiveSmallIntegerField(help_text="Forecasts are issued every N-th market day of an asset.")
    current_day = models.DateField(null=True, blank=True, help_text="Last market day finished.")
    days_done = models.PositiveIntegerField(default=0)
    days_total = models.PositiveIntegerField(default=0)

    class Meta(Job.Meta):
        constraints = [
            Job.state_constraint("replay_replayrun_state_valid"),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="replay_replayrun_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(issue_every__gte=1), name="replay_replayrun_issue_every_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(days_done__lte=models.F("days_total")), name="replay_replayrun_days_done_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Market replay {self.start}–{self.end} every {self.issue_every} ({self.state})"

    @property
    def percent(self) -> int:
        return round(100 * self.days_done / self.days_total) if self.days_total else 0

    @property
    def is_stalled(self) -> bool:
        """Running, but no day finished for ``STALLED_AFTER``."""
        return (
            self.state == JobState.RUNNING
            and self.started_at is not None
            and timezone.now() - self.started_at > STALLED_AFTER
        )
