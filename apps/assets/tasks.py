"""Celery faces of the market-data use cases: load by id, call the service."""

from __future__ import annotations

from celery import shared_task

from apps.assets import services
from quantumvest.celery import IDEMPOTENT


@shared_task(name="assets.run_import_job", **IDEMPOTENT)
def run_import_job(job_id: str) -> None:
    services.run_import_job(job_id)


@shared_task(name="assets.refresh_prices", **IDEMPOTENT)
def refresh_prices() -> dict:
    """Daily beat entry (only scheduled when a provider is configured): new bars of active assets."""
    return services.refresh_prices()
