"""The job pattern: a row that records what a long task is doing, for anything a user waits on.

Each app that queues long work defines a concrete model from ``Job`` (e.g. an import job) and
moves it through its states with the functions below, which write with conditional updates so a
task delivered twice cannot move a finished job backwards.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


FINISHED_STATES = (JobState.SUCCEEDED, JobState.FAILED)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0–100.")
    message = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES

    @classmethod
    def state_constraint(cls, name: str) -> models.CheckConstraint:
        """The check constraint that backs ``state``'s choices; concrete models add it to Meta."""
        return models.CheckConstraint(condition=models.Q(state__in=JobState.values), name=name)


def start(job: Job) -> bool:
    """Mark a queued job running. False when another delivery already finished it."""
    updated = (
        type(job)
        ._default_manager.filter(pk=job.pk)
        .exclude(state__in=FINISHED_STATES)
        .update(state=JobState.RUNNING, started_at=timezone.now(), error="")
    )
    if updated:
        job.refresh_from_db()
    return bool(updated)


def report_progress(job: Job, percent: int, message: str = "") -> None:
    percent = max(0, min(100, int(percent)))
    type(job)._default_manager.filter(pk=job.pk, state=JobState.RUNNING).update(progress=percent, message=message[:255])
    job.progress, job.message = percent, message[:255]


def succeed(job: Job, result: dict | None = None, message: str = "") -> None:
    now = timezone.now()
    type(job)._default_manager.filter(pk=job.pk).exclude(state__in=FINISHED_STATES).update(
        state=JobState.SUCCEEDED, progress=100, result=result or {}, message=message[:255], finished_at=now
    )
    job.refresh_from_db()


def fail(job: Job, error: str) -> None:
    now = timezone.now()
    type(job)._default_manager.filter(pk=job.pk).exclude(state__in=FINISHED_STATES).update(
        state=JobState.FAILED, error=error, finished_at=now
    )
    job.refresh_from_db()
