"""What a user's plan allows and how much of it they use (the plan page and ``/api/v1/plan/``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from apps.accounts import tiers
from apps.home.models import Alert, WatchlistEntry
from apps.portfolios.models import Portfolio
from apps.predictions.models import PredictionJob


@dataclass(frozen=True)
class Usage:
    limit: str  # a field of tiers.Limits
    label: str
    used: int | None  # None: not counted here (the API rate is counted by the throttle)
    allowed: int

    @property
    def percent(self) -> int:
        return 0 if not self.used or not self.allowed else min(100, round(100 * self.used / self.allowed))

    @property
    def full(self) -> bool:
        return self.used is not None and self.used >= self.allowed


def usage(user) -> list[Usage]:
    """Each limit of the user's tier with what they use now (forecast jobs: since midnight UTC)."""
    limits = tiers.limits_for(user)
    day_start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    used = {
        "portfolios": Portfolio.objects.filter(user=user).count(),
        "watched_assets": WatchlistEntry.objects.filter(user=user).count(),
        "alerts": Alert.objects.filter(user=user).count(),
        "forecast_jobs_per_day": PredictionJob.objects.filter(user=user, created_at__gte=day_start).count(),
        "api_requests_per_minute": None,
    }
    return [Usage(name, tiers.LABELS[name], used[name], getattr(limits, name)) for name in tiers.LABELS]
