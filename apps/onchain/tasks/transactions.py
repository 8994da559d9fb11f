"""Celery tasks: transaction tracking (``onchain.refresh_transactions``, a beat entry every 30 s)."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.onchain.chain import ChainUnavailable
from apps.onchain.services import transactions
from quantumvest.celery import IDEMPOTENT

log = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(name="onchain.refresh_transactions", bind=True, max_retries=MAX_RETRIES, **IDEMPOTENT)
def refresh_transactions(self) -> dict:
    """Check every tracked transaction that is not final; final ones are left alone.

    Idempotent: each row is written by a conditional update of a row that is not final, and no row
    is created, so a second delivery records nothing twice. A node that is down or slow is retried
    ``MAX_RETRIES`` times with exponential backoff (5, 10, 20 s); then the run ends with the reason
    (the next beat tick tries again). Returns counts: checked, final, attempts (and error).
    """
    attempts = self.request.retries + 1
    try:
        return {**transactions.refresh_open_transactions(), "attempts": attempts}
    except ChainUnavailable as exc:
        if self.request.retries >= MAX_RETRIES:
            log.warning("onchain.refresh_transactions gave up after %s attempts: %s", attempts, exc.detail)
            return {"checked": 0, "final": 0, "attempts": attempts, "error": exc.detail}
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
