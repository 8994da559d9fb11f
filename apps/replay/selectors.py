"""Reads of replay runs for the page and the banner."""

from __future__ import annotations

from django.db.models import Count, Q

from apps.predictions.models import Prediction
from apps.replay.models import ReplayRun
from quantumvest.jobs import JobState


def banner_run() -> ReplayRun | None:
    """The replay the banner speaks of: the newest run, unless it finished."""
    run = ReplayRun.objects.order_by("-created_at").first()
    if run is None or run.state == JobState.SUCCEEDED:
        return None
    return run


def runs(limit: int = 50) -> list[ReplayRun]:
    return list(ReplayRun.objects.order_by("-created_at")[:limit])


def replayed_forecast_counts() -> dict[str, int]:
    """How many replayed forecasts were issued, and how many of them are scored."""
    return Prediction.objects.filter(replayed=True).aggregate(
        issued=Count("pk"), scored=Count("pk", filter=Q(realised_price__isnull=False))
    )
