"""DRF face of news and sentiment: list and add headlines, import CSV, daily sentiment per asset."""

from __future__ import annotations

from datetime import date

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.predictions import news
from apps.predictions.models import NewsItem
from apps.predictions.selectors import get_asset
from quantumvest.errors import ValidationFailed


class IsAnalystForWrites(BasePermission):
    message = "Adding news needs the analyst role."

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_analyst)


class NewsItemSerializer(serializers.ModelSerializer):
    symbols = serializers.SerializerMethodField(help_text="Assets the headline is about.")

    class Meta:
        model = NewsItem
        fields = ["id", "published_at", "source", "title", "url", "symbols", "sentiment_score", "sentiment_label"]
        read_only_fields = fields

    def get_symbols(self, item: NewsItem) -> list[str]:
        return sorted(asset.pk for asset in item.assets.all())


class NewsInputSerializer(serializers.Serializer):
    published_at = serializers.DateTimeField()
    source = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=500)
    url = serializers.URLField(max_length=1000)
    symbols = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1)
    body = serializers.CharField(required=False, allow_blank=True, default="")


class NewsImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: published_at, source, title, url, symbols[, body]; UTF-8.")
    skip_invalid = serializers.BooleanField(default=False, help_text="Apply valid rows and report invalid ones.")


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    column = serializers.CharField()
    reason = serializers.CharField()


class NewsImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)


class DailySentimentSerializer(serializers.Serializer):
    day = serializers.DateField()
    mean_score = serializers.FloatField(help_text="Mean headline score of the day, -1 to +1.")
    items = serializers.IntegerField()
    positive = serializers.IntegerField()
    negative = serializers.IntegerField()


class NewsFilter(django_filters.FilterSet):
    asset = django_filters.CharFilter(method="filter_asset", help_text="Asset symbol (any case).")
    since = django_filters.DateFilter(field_name="published_at", lookup_expr="date__gte")

    class Meta:
        model = NewsItem
        fields = ["asset", "since"]

    def filter_asset(self, queryset, name, value):
        return queryset.filter(assets__id=value.upper())


class NewsListView(generics.ListAPIView):
    """Scored headlines, newest first. POST (analysts) adds one; the same URL is one item."""

    serializer_class = NewsItemSerializer
    filterset_class = NewsFilter
    permission_classes = [IsAuthenticated, IsAnalystForWrites]
    search_fields = ["title"]
    ordering_fields = ["published_at", "sentiment_score"]
    ordering = ["-published_at"]

    def get_queryset(self):
        return NewsItem.objects.prefetch_related("assets")

    @extend_schema(request=NewsInputSerializer, responses={201: NewsItemSerializer, 200: NewsItemSerializer})
    def post(self, request: Request) -> Response:
        data = NewsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item, created = news.add_news_item(**data.validated_data)
        return Response(
            NewsItemSerializer(item).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class NewsImportView(APIView):
    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticated, IsAnalystForWrites]

    @extend_schema(
        request={"multipart/form-data": NewsImportInputSerializer}, responses={200: NewsImportReportSerializer}
    )
    def post(self, request: Request) -> Response:
        """Import headlines from CSV; atomic unless ``skip_invalid``; 400 lists every rejected row."""
        data = NewsImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = news.import_news_csv(
            content=data.validated_data["file"].read(), skip_invalid=data.validated_data["skip_invalid"]
        )
        if report.errors and not data.validated_data["skip_invalid"]:
            raise ValidationFailed(
                f"{len(report.errors)} row(s) rejected; nothing was imported.",
                fields={"file": [str(error) for error in report.errors]},
                code="rows_rejected",
            )
        return Response(NewsImportReportSerializer(report.as_dict()).data)


class AssetSentimentView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("symbol", OpenApiTypes.STR, OpenApiParameter.PATH),
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": 365},
                description="Window in calendar days, 1–365 (default 30).",
            ),
            OpenApiParameter(
                "until",
                OpenApiTypes.DATE,
                description="Last day of the window (default: the market date, the last day market data has reached;"
                " see `GET /api/v1/market/`).",
            ),
        ],
        responses={200: DailySentimentSerializer(many=True)},
    )
    def get(self, request: Request, symbol: str) -> Response:
        """Daily mean headline sentiment of an asset (days with news only), oldest first."""
        asset = get_asset(symbol)
        days, until = request.query_params.get("days", "30"), request.query_params.get("until")
        if not days.isdigit() or not 1 <= int(days) <= 365:
            raise ValidationFailed("days must be a whole number from 1 to 365.", fields={"days": ["1–365"]})
        try:
            until_date = date.fromisoformat(until) if until else None
        except ValueError:
            raise ValidationFailed("until must be a date (YYYY-MM-DD).", fields={"until": ["YYYY-MM-DD"]}) from None
        rows = news.daily_sentiment(symbol=asset.pk, days=int(days), until=until_date)
        return Response(DailySentimentSerializer(rows, many=True).data)
