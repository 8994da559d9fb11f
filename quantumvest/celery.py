"""Celery application: JSON only, global time limits, late acks for idempotent tasks.

Settings come from Django's settings under the ``CELERY_`` namespace. Tasks that are safe to run
twice (every task here is written so) declare ``acks_late=True`` through ``IDEMPOTENT``, so a
worker that dies mid-task does not lose the job: the broker delivers it again.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quantumvest.settings")

app = Celery("quantumvest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Options for tasks that may run more than once with the same effect.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@app.task(name="quantumvest.ping", **IDEMPOTENT)
def ping(value: str = "pong") -> str:
    """Round-trip check used by readiness probes and the worker test."""
    return value


@app.task(name="quantumvest.sweep_jobs", **IDEMPOTENT)
def sweep_jobs() -> dict[str, int]:
    """Beat entry: fail the jobs that outlived their deadline (see ``quantumvest.jobs.sweep``)."""
    from quantumvest import jobs  # the models' app registry is ready only once Django is set up

    return jobs.sweep()
