"""Subscription tiers and their limits: the one table, read by every service that enforces one.

A limit is checked in the service that creates the counted thing (a portfolio, a watched asset, an
alert, an on-demand forecast job), so every face (pages, API, admin actions, commands) obeys it;
the API answers ``403`` with code ``tier_limit``. The API request rate is enforced by the API's
throttle from the same table. Admins change a user's tier in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.throttling import UserRateThrottle

from apps.accounts.models import SubscriptionTier
from quantumvest.errors import DomainError


@dataclass(frozen=True)
class Limits:
    portfolios: int
    watched_assets: int
    alerts: int
    forecast_jobs_per_day: int
    api_requests_per_minute: int


LIMITS: dict[str, Limits] = {
    SubscriptionTier.FREE: Limits(
        portfolios=3, watched_assets=10, alerts=10, forecast_jobs_per_day=20, api_requests_per_minute=60
    ),
    SubscriptionTier.PRO: Limits(
        portfolios=25, watched_assets=100, alerts=100, forecast_jobs_per_day=200, api_requests_per_minute=300
    ),
    SubscriptionTier.ENTERPRISE: Limits(
        portfolios=250, watched_assets=1000, alerts=1000, forecast_jobs_per_day=2000, api_requests_per_minute=1200
    ),
}

# How a limit reads in a sentence ("Your Free plan allows 3 portfolios").
LABELS: dict[str, str] = {
    "portfolios": "portfolios",
    "watched_assets": "watched assets",
    "alerts": "alerts",
    "forecast_jobs_per_day": "on-demand forecast jobs a day",
    "api_requests_per_minute": "API requests a minute",
}


class TierLimitExceeded(DomainError):
    """The user's subscription tier does not allow one more of something."""

    code = "tier_limit"
    status_code = 403

    def __init__(self, detail: str, *, limit: str, allowed: int, used: int):
        super().__init__(detail)
        self.limit, self.allowed, self.used = limit, allowed, used


def limits_for(user) -> Limits:
    return LIMITS[tier_of(user)]


def tier_of(user) -> str:
    """The user's tier (free for a value the table does not know)."""
    return user.subscription_tier if user.subscription_tier in LIMITS else SubscriptionTier.FREE


def tier_label(user) -> str:
    return SubscriptionTier(tier_of(user)).label


def check(user, limit: str, *, used: int) -> None:
    """Raise ``TierLimitExceeded`` when ``used`` (how many the user has now) leaves no room for one more
    under ``limit`` (a field of ``Limits``). The message names the limit, the tier and the way out."""
    allowed = getattr(limits_for(user), limit)
    if used < allowed:
        return
    tier = tier_label(user)
    raise TierLimitExceeded(
        f"Your {tier} plan allows {allowed} {LABELS[limit]}; you have {used}. "
        "Remove one, or ask an administrator to move you to a higher plan.",
        limit=limit,
        allowed=allowed,
        used=used,
    )


class TierRateThrottle(UserRateThrottle):
    """The API request rate of the caller's tier (``api_requests_per_minute``), per user; anonymous
    callers are left to the anonymous throttle. ``API_TIER_THROTTLE_RATE`` (the ``tier`` rate in
    settings) overrides the table for everyone when set, e.g. for load tests."""

    scope = "tier"

    def __init__(self):  # the rate depends on the request's user: chosen in allow_request
        pass

    def allow_request(self, request, view):
        user = getattr(request, "user", None)
        if not user or not user.is_authenticated:
            return True
        override = self.THROTTLE_RATES.get(self.scope)
        self.rate = override or f"{limits_for(user).api_requests_per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


def enforce(user, limit: str, rows) -> None:
    """Inside the caller's transaction: lock the user's row (so two concurrent creates of one user
    queue), count ``rows`` (what the limit counts, as a queryset) and ``check`` it."""
    from apps.accounts.models import User

    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    check(user, limit, used=rows.count())
