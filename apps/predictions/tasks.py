"""Celery faces of the forecasting use cases: load by id, call the service."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.assets.models import Asset
from apps.predictions import services
from apps.predictions.models import BacktestRun, PredictionJob
from quantumvest.celery import IDEMPOTENT
from quantumvest.errors import DomainError

logger = logging.getLogger(__name__)


@shared_task(**IDEMPOTENT)
def run_prediction_job(job_id: str) -> None:
    job = PredictionJob.objects.select_related("asset", "user").filter(pk=job_id).first()
    if job is not None:
        services.run_prediction_job(job=job)


@shared_task(**IDEMPOTENT)
def generate_for_asset(symbol: str) -> int:
    """Nightly forecasts for one asset; a repeated delivery returns the stored ones."""
    asset = Asset.objects.filter(pk=symbol, is_active=True).first()
    if asset is None:
        return 0
    try:
        return len(services.generate_predictions(asset=asset))
    except DomainError as exc:
        logger.warning("No forecasts for %s: %s", symbol, exc.detail)
        return 0


@shared_task(**IDEMPOTENT)
def generate_nightly() -> int:
    """Fan out one forecast task per active asset that has prices. Returns how many were queued."""
    symbols = list(Asset.objects.active().filter(bars__isnull=False).distinct().values_list("id", flat=True))
    for symbol in symbols:
        generate_for_asset.delay(symbol)
    return len(symbols)


@shared_task(**IDEMPOTENT)
def score_matured() -> int:
    return services.score_matured_predictions()


@shared_task(**IDEMPOTENT)
def run_backtest(run_id: str) -> None:
    run = BacktestRun.objects.select_related("model_version__asset").filter(pk=run_id).first()
    if run is not None:
        services.run_backtest(run=run)


@shared_task(**IDEMPOTENT)
def fetch_news() -> dict:
    """Fetch the configured news feeds; an item already stored (same URL) is not stored again."""
    from django.conf import settings

    from apps.predictions import news

    return news.fetch_feeds(urls=settings.QV_NEWS_FEEDS, timeout=settings.QV_NEWS_FEED_TIMEOUT)
