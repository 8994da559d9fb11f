"""The job pattern: a row that records what a long task is doing, for anything a user waits on.

Each app that queues long work defines a concrete model from ``Job`` (e.g. an import job) and
moves it through its states with the functions below, which write with conditional updates so a
task delivered twice cannot move a finished job backwards.

Every job is queued through ``submit`` (the one enqueue gateway: a short publish timeout, and the
row marked FAILED with the reason when the broker is not there), every job body runs inside
``running`` (any exception or time limit ends the row FAILED with a readable message), and
``sweep`` ends what outlived its deadline (a worker that never started it, or was lost).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from kombu.exceptions import OperationalError

from quantumvest.errors import DomainError, ServiceUnavailable

logger = logging.getLogger(__name__)


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


def _ended(model: type[Job], job_id, state: str) -> None:
    """Publish ``job_ended`` for a job this call finished (never for one already finished)."""
    from quantumvest import events

    events.publish("job_ended", model=model._meta.label, job_id=str(job_id), state=state)


def succeed(job: Job, result: dict | None = None, message: str = "") -> None:
    now = timezone.now()
    updated = (
        type(job)
        ._default_manager.filter(pk=job.pk)
        .exclude(state__in=FINISHED_STATES)
        .update(state=JobState.SUCCEEDED, progress=100, result=result or {}, message=message[:255], finished_at=now)
    )
    if updated:
        _ended(type(job), job.pk, JobState.SUCCEEDED)
    job.refresh_from_db()


def fail(job: Job, error: str) -> None:
    now = timezone.now()
    updated = (
        type(job)
        ._default_manager.filter(pk=job.pk)
        .exclude(state__in=FINISHED_STATES)
        .update(state=JobState.FAILED, error=error, finished_at=now)
    )
    if updated:
        _ended(type(job), job.pk, JobState.FAILED)
    job.refresh_from_db()


# --- Submission: the one enqueue gateway ---------------------------------------------------------


def _broker_name() -> str:
    """The broker as host:port, without credentials, for messages."""
    url = urlsplit(settings.CELERY_BROKER_URL or "")
    return f"{url.scheme or 'broker'} at {url.hostname or '?'}:{url.port or '?'}"


def submit(job: Job, task) -> Job:
    """Publish ``task(str(job.pk))`` for a committed job row and return the job.

    Call it after the row is committed (outside ``transaction.atomic``): a worker may start the job
    at once, and a failure to publish must reach the caller. Publishing does not retry and gives up
    after ``QV_BROKER_PUBLISH_TIMEOUT`` seconds; then the job is marked FAILED with the reason and
    ``ServiceUnavailable`` (503, code ``broker_unavailable``) is raised. Without a broker (eager
    mode, ``make run``) the task runs here, in-process.
    """
    if task.app.conf.task_always_eager:
        task.apply_async(args=[str(job.pk)])
        job.refresh_from_db()
        return job
    try:
        # A connection of its own that tries once: the shared pool's connections (the worker's too)
        # keep kombu's default reconnect loop, which would hold the request for seconds.
        timeout = settings.QV_BROKER_PUBLISH_TIMEOUT
        options = {"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout}
        with (
            task.app.connection_for_write(connect_timeout=timeout, transport_options=options) as connection,
            connection.Producer() as producer,
        ):
            task.apply_async(args=[str(job.pk)], retry=False, ignore_result=True, producer=producer)
    except (OperationalError, OSError) as exc:
        # kombu wraps the transport's connection errors as OperationalError; socket errors and
        # timeouts can also come through bare.
        reason = f"The task broker ({_broker_name()}) is unavailable; the job was not queued. Try again later."
        logger.warning("job %s not queued: %s: %s", job.pk, type(exc).__name__, exc)
        fail(job, reason)
        raise ServiceUnavailable(reason, code="broker_unavailable") from exc
    return job


# --- Running: every job ends ---------------------------------------------------------------------


def describe(exc: BaseException) -> str:
    """A message a user can read: the exception class and the first line of its reason."""
    reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__


@contextmanager
def running(job: Job) -> Iterator[None]:
    """Run a started job's body; whatever escapes it ends the job FAILED, never RUNNING.

    A ``DomainError`` fails the job with its detail; a soft time limit with "took longer than N s";
    any other exception with ``describe(exc)`` (logged with its stack trace, which is not shown).
    Nothing is re-raised: the row is the record, and the task itself ends normally (so a re-delivery
    after a worker crash finds the job finished and does nothing).
    """
    try:
        yield
    except SoftTimeLimitExceeded:
        limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
        logger.warning("job %s of %s hit the soft time limit", job.pk, type(job).__name__)
        fail(job, f"The job took longer than {limit} s and was stopped.")
    except DomainError as exc:
        fail(job, exc.detail)
    except Exception as exc:
        logger.exception("job %s of %s failed", job.pk, type(job).__name__)
        fail(job, describe(exc))


# --- Deadlines and the sweeper -------------------------------------------------------------------


def queue_timeout() -> int:
    """Seconds a job may wait QUEUED before the sweeper decides the worker will never start it."""
    return settings.QV_JOB_QUEUE_TIMEOUT


def run_timeout() -> int:
    """Seconds a job may stay RUNNING: the hard time limit plus a grace for the worker to report."""
    return settings.CELERY_TASK_TIME_LIMIT + settings.QV_JOB_RUN_GRACE


def job_models() -> list[type[Job]]:
    """Every concrete model derived from ``Job``, from the app registry."""
    return [model for model in apps.get_models() if issubclass(model, Job) and not model._meta.abstract]


def unfinished(queryset: models.QuerySet, now=None) -> models.QuerySet:
    """The jobs of ``queryset`` still QUEUED or RUNNING and within their deadline."""
    now = now or timezone.now()
    return queryset.filter(
        models.Q(state=JobState.QUEUED, created_at__gte=now - timedelta(seconds=queue_timeout()))
        | models.Q(state=JobState.RUNNING, started_at__gte=now - timedelta(seconds=run_timeout()))
    )


def sweep(now=None) -> dict[str, int]:
    """Fail every QUEUED or RUNNING job past its deadline, with the reason. Returns counts per model.

    Conditional updates: a job that finished meanwhile is left alone, and two sweeps do no harm.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for model in job_models():
        manager = model._default_manager
        stale_queued = manager.filter(state=JobState.QUEUED, created_at__lt=now - timedelta(seconds=queue_timeout()))
        stale_running = manager.filter(state=JobState.RUNNING).filter(
            models.Q(started_at__lt=now - timedelta(seconds=run_timeout()))
            | models.Q(started_at__isnull=True, created_at__lt=now - timedelta(seconds=run_timeout()))
        )
        candidates = list(stale_queued.values_list("pk", flat=True)) + list(stale_running.values_list("pk", flat=True))
        never_started = stale_queued.update(
            state=JobState.FAILED,
            error=f"Queued for more than {queue_timeout()} s: the worker never started it.",
            finished_at=now,
        )
        lost = stale_running.update(
            state=JobState.FAILED,
            error=f"Running for more than {run_timeout()} s: the worker was lost.",
            finished_at=now,
        )
        # Those this sweep ended (not one another sweep or the worker finished meanwhile).
        for job_id in manager.filter(pk__in=candidates, state=JobState.FAILED, finished_at=now).values_list(
            "pk", flat=True
        ):
            _ended(model, job_id, JobState.FAILED)
        if never_started or lost:
            logger.warning("sweeper failed %d queued and %d running %s", never_started, lost, model.__name__)
        counts[model._meta.label] = never_started + lost
    return counts
