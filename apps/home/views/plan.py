"""The plan page: the user's subscription tier, each limit with its use, and every tier's limits."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts import tiers
from apps.accounts.models import SubscriptionTier
from apps.home import plan


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    table = [
        (SubscriptionTier(tier).label, tier == request.user.subscription_tier, limits)
        for tier, limits in tiers.LIMITS.items()
    ]
    context = {"tier": tiers.tier_label(request.user), "usage": plan.usage(request.user), "table": table}
    return render(request, "home/plan.html", context)
