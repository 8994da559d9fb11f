"""API: the public, verifiable track record under ``/api/v1/track-record/`` (no login).

- ``GET /api/v1/track-record/``: the figures, ``overall`` (per horizon) and ``assets`` (per asset
  and horizon), replayed and live apart.
- ``GET /api/v1/track-record/forecasts/``: the matured forecasts behind them, paginated, with
  every field the figures are computed from.
- ``GET /api/v1/track-record/forecasts/{id}/verification/``: a listed forecast checked against
  the Merkle root recorded on chain.

Filters ``symbol``, ``horizon`` and ``replayed`` (``apps.predictions.track_record.parse_filters``);
a bad value answers 400 naming the parameter. Callers are anonymous (credentials are not read)
and throttled per address; successful answers may be cached for a minute.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.assets.market import market_date
from apps.onchain.api.verification import VerificationSerializer
from apps.onchain.services import verification
from apps.onchain.services.verification import notarisations
from apps.predictions import track_record
from apps.predictions.models import Prediction
from apps.predictions.scoring import Z_95
from quantumvest.schema import error_response

CACHE_SECONDS = 60

METHOD = {
    "coverage": "Share of forecasts whose actual_price lies in [confidence_lower, confidence_upper], bounds included.",
    "coverage_interval": f"Wilson score interval at 95% (z = {Z_95:.6f}) for the share inside: coverage_low, coverage_high.",
    "rel_mae": "Σ |predicted_price − actual_price| / as_of_price  ÷  Σ |as_of_price − actual_price| / as_of_price: "
    "the error relative to the random walk (the price stays at as_of_price); below 1 beats it.",
    "brier": "Mean of (p_up − up)², p_up = confidence_score if direction is 'up', else 1 − confidence_score; "
    "up = 1 if actual_price > as_of_price, else 0.",
    "brier_base_rate": "base_rate_up × (1 − base_rate_up), base_rate_up = the share of up = 1 in the group: the Brier "
    "score of always forecasting the observed frequency of 'up'.",
    "hit_rate": "Share whose direction was right: 'up' and actual_price > as_of_price, or 'down' and actual_price < as_of_price.",
    "reliability": "p_up in ten bins of width 0.1 (floor(10 × p_up), 1.0 in the last bin): mean p_up and share of up = 1.",
    "replayed": "A replayed forecast was issued by the market replay as of a past market date, from the data up to "
    "that date only, and scored against what then happened; it is never pooled with live forecasts.",
}

FILTER_PARAMETERS = [
    OpenApiParameter("symbol", OpenApiTypes.STR, description="Asset symbol (any case); an unknown one is a 400."),
    OpenApiParameter(
        "horizon", OpenApiTypes.STR, enum=track_record.HORIZONS, description="Timeframe of the forecasts."
    ),
    OpenApiParameter(
        "replayed",
        OpenApiTypes.STR,
        enum=["true", "false"],
        description="true: only forecasts issued by the market replay; false: only live ones; omitted: both, apart.",
    ),
]
BAD_FILTER = error_response(
    "A filter is invalid (unknown symbol or horizon, replayed not true/false): `fields` names it."
)


class _Figures(serializers.Serializer):
    horizon = serializers.CharField(help_text="Timeframe: 1d, 1w, 1m or 3m.")
    replayed = serializers.BooleanField(help_text="True for forecasts issued by the market replay (not live).")
    n = serializers.IntegerField(help_text="Matured (scored) forecasts.")
    inside = serializers.IntegerField(help_text="Of them, how many ended inside their interval.")
    coverage = serializers.FloatField(allow_null=True)
    coverage_low = serializers.FloatField(allow_null=True, help_text="Wilson score interval (95%), lower bound.")
    coverage_high = serializers.FloatField(allow_null=True, help_text="Wilson score interval (95%), upper bound.")
    nominal_level = serializers.FloatField(allow_null=True, help_text="Mean stated level of the intervals (0.8 = 80%).")
    hit_rate = serializers.FloatField(allow_null=True)
    mean_scaled_error = serializers.FloatField(allow_null=True, help_text="Mean |predicted − actual| / as_of_price.")
    mean_scaled_naive_error = serializers.FloatField(
        allow_null=True, help_text="Mean |as_of_price − actual| / as_of_price (the random walk)."
    )
    rel_mae = serializers.FloatField(allow_null=True, help_text="Below 1 beats the random walk.")
    brier = serializers.FloatField(allow_null=True)
    base_rate_up = serializers.FloatField(allow_null=True, help_text="Observed share of actual_price > as_of_price.")
    brier_base_rate = serializers.FloatField(allow_null=True)
    first_target = serializers.DateField(allow_null=True)
    last_target = serializers.DateField(allow_null=True)


class TrackRecordHorizonSerializer(_Figures):
    """One horizon over every asset in the filter."""


class TrackRecordAssetSerializer(_Figures):
    """One asset and horizon."""

    symbol = serializers.CharField()


class TrackRecordBinSerializer(serializers.Serializer):
    replayed = serializers.BooleanField()
    bin_lower = serializers.FloatField()
    bin_upper = serializers.FloatField()
    n = serializers.IntegerField()
    mean_p_up = serializers.FloatField(help_text="Mean stated probability that the price ends above as_of_price.")
    observed_up = serializers.FloatField(help_text="Share of them whose price did end above it.")


class TrackRecordMethodSerializer(serializers.Serializer):
    """How each figure is computed from the fields of /api/v1/track-record/forecasts/."""

    coverage = serializers.CharField()
    coverage_interval = serializers.CharField()
    rel_mae = serializers.CharField()
    brier = serializers.CharField()
    brier_base_rate = serializers.CharField()
    hit_rate = serializers.CharField()
    reliability = serializers.CharField()
    replayed = serializers.CharField()


class PublicTrackRecordSerializer(serializers.Serializer):
    market_date = serializers.DateField(help_text="The latest market date the price data has reached.")
    pending = serializers.IntegerField(help_text="Forecasts in the filter whose target date has no price yet.")
    overall = TrackRecordHorizonSerializer(many=True)
    assets = TrackRecordAssetSerializer(many=True)
    reliability = TrackRecordBinSerializer(many=True)
    method = TrackRecordMethodSerializer()
    forecasts = serializers.URLField(help_text="The forecasts behind these figures, with the same filters.")


class ScoredForecastSerializer(serializers.ModelSerializer):
    """A matured forecast with everything its figures are computed from."""

    symbol = serializers.CharField(source="asset_id")
    model = serializers.CharField(source="model_name", help_text="The model that served this horizon.")
    model_version = serializers.UUIDField(source="model_version_id")
    actual_price = serializers.DecimalField(
        source="realised_price",
        max_digits=20,
        decimal_places=8,
        help_text="The close on target_date (or the first trading day after it: realised_at).",
    )
    notarisation_status = serializers.SerializerMethodField(
        help_text="notarised, sent, pending, no_key, unreachable, wrong_chain, not_deployed or refused."
    )
    verification_url = serializers.SerializerMethodField(help_text="Its check against the root recorded on chain.")
    verification_page = serializers.SerializerMethodField(help_text="The same check as a web page.")

    class Meta:
        model = Prediction
        fields = [
            "id",
            "symbol",
            "timeframe",
            "horizon_periods",
            "replayed",
            "model",
            "model_version",
            "as_of",
            "as_of_price",
            "target_date",
            "predicted_price",
            "confidence_lower",
            "confidence_upper",
            "level",
            "direction",
            "confidence_score",
            "actual_price",
            "realised_at",
            "notarisation_status",
            "verification_url",
            "verification_page",
        ]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_notarisation_status(self, prediction: Prediction) -> str:
        return self.context["notary"][prediction.pk].state

    @extend_schema_field(serializers.URLField())
    def get_verification_url(self, prediction: Prediction) -> str:
        return self._absolute(reverse("track-record-api:verification", args=[prediction.pk]))

    @extend_schema_field(serializers.URLField())
    def get_verification_page(self, prediction: Prediction) -> str:
        return self._absolute(reverse("track-record:forecast", args=[prediction.pk]))


class _Public:
    """Anonymous, throttled per address, cacheable for a minute when successful."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        return response


class TrackRecordView(_Public, APIView):
    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={200: PublicTrackRecordSerializer, 400: BAD_FILTER},
        summary="The public track record: coverage with its Wilson range, relMAE, Brier score against the base rate.",
    )
    def get(self, request):
        filters = track_record.parse_filters(request.query_params)
        record = track_record.figures(filters)
        reliability = [
            {"replayed": replayed, **row} for replayed, rows in sorted(record["reliability"].items()) for row in rows
        ]
        forecasts = reverse("track-record-api:forecasts")
        query = urlencode(filters.as_query())
        body = {
            "market_date": market_date(),
            "pending": record["pending"],
            "overall": record["overall"],
            "assets": record["assets"],
            "reliability": reliability,
            "method": METHOD,
            "forecasts": request.build_absolute_uri(forecasts + (f"?{query}" if query else "")),
        }
        return Response(PublicTrackRecordSerializer(body).data)


class ScoredForecastList(_Public, generics.ListAPIView):
    """The matured forecasts behind the track record, newest target date first."""

    serializer_class = ScoredForecastSerializer
    filter_backends: list = []

    def get_queryset(self):
        return track_record.scored_forecasts(track_record.parse_filters(self.request.query_params))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "notary": self._notary}

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: ScoredForecastSerializer(many=True), 400: BAD_FILTER})
    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        self._notary = notarisations(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ScoredForecastVerification(_Public, APIView):
    @extend_schema(
        responses={
            200: VerificationSerializer,
            404: OpenApiResponse(description="No matured forecast with this id."),
            503: error_response("The chain node is unreachable, too slow or on another chain (`chain_unavailable`)."),
        },
        summary="Verify a listed forecast against the Merkle root recorded on chain (recomputed from the stored forecast).",
    )
    def get(self, request, pk):
        prediction = track_record.get_scored_forecast(pk)
        return Response(VerificationSerializer(verification.verify(prediction=prediction)).data)


urlpatterns = [
    path("", TrackRecordView.as_view(), name="summary"),
    path("forecasts/", ScoredForecastList.as_view(), name="forecasts"),
    path("forecasts/<uuid:pk>/verification/", ScoredForecastVerification.as_view(), name="verification"),
]
