"""Celery face of ingestion: the beat entry ``onchain.sync`` (every minute)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from apps.onchain.chain import ChainMismatch, ChainUnavailable
from apps.onchain.services.ingestion import sync_chain
from quantumvest.celery import IDEMPOTENT

logger = logging.getLogger(__name__)

# Transient node errors: retried after 5, 10, 20, 40, 80 s (ONCHAIN_SYNC_RETRY_BACKOFF doubled),
# then the run ends failed; the next beat starts again from the checkpoint.
MAX_RETRIES = 5


def backoff(retries: int) -> int:
    return settings.ONCHAIN_SYNC_RETRY_BACKOFF * 2**retries


@shared_task(name="onchain.sync", bind=True, max_retries=MAX_RETRIES, **IDEMPOTENT)
def sync(self) -> dict:
    """Sync the configured chain; idempotent (a repeated delivery stores nothing twice).

    ChainUnavailable is retried with exponential backoff up to MAX_RETRIES times; a wrong chain id
    (ChainMismatch) is not retried: it needs an operator.
    """
    try:
        report = sync_chain()
    except ChainMismatch:
        raise
    except ChainUnavailable as exc:
        logger.warning("onchain.sync: %s (attempt %s)", exc.detail, self.request.retries + 1)
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    return report.as_dict()
