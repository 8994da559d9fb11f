"""Celery faces of the optimisation use cases: load by id, call the service."""

from __future__ import annotations

from celery import shared_task

from apps.portfolios import optimization_services
from apps.portfolios.models import BacktestRun, OptimizationRun
from quantumvest.celery import IDEMPOTENT


@shared_task(**IDEMPOTENT)
def run_optimization(run_id: str) -> None:
    run = OptimizationRun.objects.select_related("portfolio").filter(pk=run_id).first()
    if run is not None:
        optimization_services.perform_optimization(run)


@shared_task(**IDEMPOTENT)
def run_backtest(job_id: str) -> None:
    job = BacktestRun.objects.select_related("portfolio").filter(pk=job_id).first()
    if job is not None:
        optimization_services.perform_backtest(job)
