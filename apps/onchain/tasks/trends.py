"""Celery task: feed TrendAnalysis with the day's closes (beat entry ``onchain-feed-trends``, nightly)."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.onchain.chain import ChainMismatch, ChainUnavailable, get_chain
from apps.onchain.services import trends
from quantumvest.celery import IDEMPOTENT

log = logging.getLogger(__name__)


@shared_task(
    name="onchain.feed_trends",
    autoretry_for=(ChainUnavailable,),
    dont_autoretry_for=(ChainMismatch,),  # a configuration error: retrying cannot help
    max_retries=4,
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    **IDEMPOTENT,
)
def feed_trends(symbols: list[str] | None = None, limit: int | None = None) -> dict:
    """Feed every active asset's new closes (services.trends.feed_trends); what was sent per symbol.

    Idempotent: only days after the contract's last one are sent, so a second delivery sends nothing.
    An unreachable node is retried at most 4 times with exponential backoff (30 s, 60 s, ... with
    jitter), then the task fails with ChainUnavailable; a wrong chain id (ChainMismatch) fails at
    once. It skips quietly (a log line) when the
    contract is not deployed or no key is configured. On the in-process chain only the latest
    ``IN_PROCESS_RECENT`` closes of an asset are sent (py-evm is slow, and its journal replays them).
    """
    chain = get_chain()
    recent = trends.IN_PROCESS_RECENT if chain.in_process else None
    result = trends.feed_trends(chain=chain, symbols=symbols, limit=limit, recent=recent)
    if not result.skipped:
        log.info("onchain: TrendAnalysis fed %s observations (%s)", sum(result.sent.values()), result.sent)
    return {"sent": result.sent, "skipped": result.skipped, "failed": result.failed}
