"""Alert evaluation as Celery tasks: one per domain event (subscribed in apps/home/subscriptions.py)
and the catch-up, which beat runs nightly as a market-day task (the replay runs it every day).
Each is idempotent: a trigger notifies once whatever runs again."""

from __future__ import annotations

from celery import shared_task

from apps.home import evaluation
from quantumvest.celery import IDEMPOTENT


@shared_task(name="home.on_bars_imported", **IDEMPOTENT)
def on_bars_imported(symbols: list[str], through: str | None = None) -> int:
    return evaluation.after_bars(symbols)


@shared_task(name="home.on_forecasts_scored", **IDEMPOTENT)
def on_forecasts_scored(prediction_ids: list[str]) -> int:
    return evaluation.after_scoring(prediction_ids)


@shared_task(name="home.on_chain_synced", **IDEMPOTENT)
def on_chain_synced(chain_id: int, to_block: int | None = None, transfers_new: int = 0) -> int:
    return evaluation.after_chain_sync(chain_id)


@shared_task(name="home.on_job_ended", **IDEMPOTENT)
def on_job_ended(model: str, job_id: str, state: str) -> int:
    return evaluation.after_job(model, job_id)


@shared_task(name="home.evaluate_alerts", **IDEMPOTENT)
def evaluate_alerts() -> int:
    """Every active alert against the current state: catches up what an event missed (a broker
    that was down, a worker lost mid-task)."""
    return evaluation.evaluate_all()
