"""Celery face of notarisation: the beat entry ``onchain.notarize_predictions`` (23:15, after the
nightly forecasts) and the run submitted after predictions are issued in the embedded default."""

from __future__ import annotations

from celery import shared_task

from apps.onchain.models import NotaryRun
from apps.onchain.services import notary
from quantumvest.celery import IDEMPOTENT

MAX_RETRIES = 3
BACKOFF = 30  # seconds, doubled at each retry: 30, 60, 120


@shared_task(name="onchain.notarize_predictions", bind=True, max_retries=MAX_RETRIES, **IDEMPOTENT)
def notarize_predictions(self, run_id: str | None = None) -> str | None:
    """Notarise what is pending, recorded in a ``NotaryRun`` (created here for the beat entry).

    A second delivery of a finished run does nothing; an unreachable node is retried with
    backoff up to MAX_RETRIES times (not when running eagerly), then the run ends FAILED.
    """
    run = NotaryRun.objects.filter(pk=run_id).first() if run_id else notary.create_run(trigger="beat")
    if run is None:
        return None
    may_retry = not self.request.is_eager and self.request.retries < MAX_RETRIES
    if notary.perform_run(run=run, may_retry=may_retry):
        raise self.retry(kwargs={"run_id": str(run.pk)}, countdown=BACKOFF * 2**self.request.retries)
    return str(run.pk)
