"""DRF face of forecasts: thin views over the selectors and services."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.predictions import selectors, services
from apps.predictions.api.serializers import (
    ModelVersionSerializer,
    PredictionJobSerializer,
    PredictionSerializer,
    TrackRecordSerializer,
)
from apps.predictions.models import ModelVersion, Prediction, Timeframe, VersionStatus
from quantumvest.schema import BROKER_UNAVAILABLE


class PredictionFilter(django_filters.FilterSet):
    asset = django_filters.CharFilter(method="filter_asset", help_text="Asset symbol (any case).")
    timeframe = django_filters.ChoiceFilter(choices=Timeframe.choices)
    since = django_filters.DateFilter(
        field_name="timestamp", lookup_expr="date__gte", help_text="Generated on or after this date (YYYY-MM-DD)."
    )

    class Meta:
        model = Prediction
        fields = ["asset", "timeframe", "since"]

    def filter_asset(self, queryset, name, value):
        return queryset.filter(asset_id=value.upper())


class PredictionList(generics.ListAPIView):
    """Issued predictions, newest first, with their scores once they matured."""

    serializer_class = PredictionSerializer
    filterset_class = PredictionFilter
    search_fields: list[str] = []
    ordering_fields = ["timestamp", "as_of", "target_date"]
    ordering = ["-timestamp"]

    def get_queryset(self):
        return selectors.predictions_queryset()


class PredictionDetail(generics.RetrieveAPIView):
    serializer_class = PredictionSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.predictions_queryset()


class LatestPredictions(APIView):
    @extend_schema(
        responses={200: PredictionSerializer(many=True), 404: OpenApiResponse(description="Unknown asset.")},
        summary="The most recent forecasts of an asset, one per timeframe (empty when none issued yet).",
    )
    def get(self, request, symbol: str):
        asset = selectors.get_asset(symbol)
        return Response(PredictionSerializer(selectors.latest_predictions(asset), many=True).data)


class RequestPredictions(APIView):
    @extend_schema(
        request=None,
        responses={
            202: PredictionJobSerializer,
            400: OpenApiResponse(description="The asset is inactive or has no prices."),
            404: OpenApiResponse(description="Unknown asset."),
            503: BROKER_UNAVAILABLE,
        },
        summary="Queue forecast generation for all four timeframes; answers with the job to poll.",
    )
    def post(self, request, symbol: str):
        job = services.request_predictions(asset=selectors.get_asset(symbol), by=request.user)
        body = PredictionJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class PredictionJobDetail(APIView):
    @extend_schema(
        responses={200: PredictionJobSerializer, 404: OpenApiResponse(description="No such job of yours.")},
        summary="State and progress of one of your forecast jobs.",
    )
    def get(self, request, job_id):
        job = selectors.get_job_for_user(request.user, job_id)
        return Response(PredictionJobSerializer(job, context={"request": request}).data)


class ModelVersionFilter(django_filters.FilterSet):
    asset = django_filters.CharFilter(method="filter_asset", help_text="Asset symbol (any case).")
    status = django_filters.ChoiceFilter(choices=VersionStatus.choices)

    class Meta:
        model = ModelVersion
        fields = ["asset", "status"]

    def filter_asset(self, queryset, name, value):
        return queryset.filter(asset_id=value.upper())


class ModelVersionList(generics.ListAPIView):
    """Trained model versions with their per-horizon selection and backtest metrics."""

    serializer_class = ModelVersionSerializer
    filterset_class = ModelVersionFilter
    search_fields: list[str] = []
    ordering_fields = ["trained_at"]
    ordering = ["-trained_at"]
    queryset = ModelVersion.objects.all()


class TrackRecord(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("asset", str, description="Asset symbol; omit for all assets.")],
        responses={200: TrackRecordSerializer, 404: OpenApiResponse(description="Unknown asset.")},
        summary="How past forecasts fared: hit rate beside the base rate, coverage, relMAE, reliability.",
    )
    def get(self, request):
        symbol = request.query_params.get("asset")
        asset = selectors.get_asset(symbol) if symbol else None
        record = selectors.track_record(asset=asset, recent=0)
        body = {
            "asset": asset.id if asset else None,
            "pending": record["pending"],
            "overall": record["overall"].as_dict(),
            "by_timeframe": [{"timeframe": name, **summary.as_dict()} for name, summary in record["by_timeframe"]],
            "reliability": record["reliability"],
        }
        return Response(TrackRecordSerializer(body).data)
