"""DRF face of the plan: the caller's tier, its limits and their use."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.accounts import tiers
from apps.home import plan


class UsageOutput(serializers.Serializer):
    limit = serializers.CharField(
        help_text="portfolios, watched_assets, alerts, forecast_jobs_per_day or api_requests_per_minute."
    )
    label = serializers.CharField()
    used = serializers.IntegerField(allow_null=True, help_text="Null for the API rate (counted by the throttle).")
    allowed = serializers.IntegerField()


class PlanOutput(serializers.Serializer):
    tier = serializers.CharField(help_text="free, pro or enterprise.")
    usage = UsageOutput(many=True)


class PlanView(GenericAPIView):
    serializer_class = PlanOutput

    @extend_schema(summary="Your plan: its limits and how much of each you use", responses=PlanOutput)
    def get(self, request):
        rows = [asdict(row) for row in plan.usage(request.user)]
        return Response({"tier": tiers.tier_of(request.user), "usage": rows})
