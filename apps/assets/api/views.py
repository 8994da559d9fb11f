"""Read API of assets, prices and stats. Every endpoint needs an authenticated user (any role), except
the market date, which is as public as the login page that shows it."""

from __future__ import annotations

import json

import django_filters
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.filters import SearchFilter
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.assets import selectors
from apps.assets.api import serializers
from apps.assets.cache import cached
from apps.assets.market import market_data_date, market_date
from apps.assets.models import AssetType
from quantumvest.schema import error_response

# 401, 403 and 404 in the error shape are documented for every operation by quantumvest.schema.
BAD_QUERY = error_response("A query parameter is not valid: `fields` names it with its messages.")
SYMBOL = OpenApiParameter("symbol", OpenApiTypes.STR, OpenApiParameter.PATH, description="Symbol, e.g. SPY or BTC-USD.")


class AssetFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=AssetType.choices)
    ordering = django_filters.OrderingFilter(
        fields=(("id", "symbol"), ("name", "name"), ("type", "type")),
        help_text="symbol, name or type; prefix with - for descending order. Default: symbol.",
    )


class AssetListView(ListAPIView):
    """Active assets: filter by type, search in symbol and name, order, paginate."""

    serializer_class = serializers.AssetSerializer
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = AssetFilter
    search_fields = ["id", "name"]

    def get_queryset(self):
        return selectors.asset_queryset()

    @extend_schema(
        operation_id="assets_list",
        responses={200: serializers.AssetSerializer(many=True), 400: BAD_QUERY},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class AssetDetailView(APIView):
    @extend_schema(
        operation_id="assets_retrieve",
        parameters=[SYMBOL],
        responses={200: serializers.AssetDetailSerializer},
    )
    def get(self, request: Request, symbol: str) -> Response:
        """One asset with the dates of its first and last bars and its number of bars."""
        asset = selectors.asset_with_coverage(symbol)
        return Response(serializers.AssetDetailSerializer(asset).data)


def _prices_json(symbol: str, start, end, interval: str) -> bytes:
    rows, first, last = selectors.price_bars_json(symbol, start=start, end=end, interval=interval)
    head = {
        "symbol": symbol,
        "interval": interval,
        "start": first.isoformat() if first else None,
        "end": last.isoformat() if last else None,
        "columns": list(selectors.BAR_COLUMNS),
    }
    return (json.dumps(head, separators=(",", ":"))[:-1] + ',"data":' + rows + "}").encode()


class PricesView(APIView):
    @extend_schema(
        operation_id="assets_prices",
        parameters=[SYMBOL, serializers.PricesQuerySerializer],
        responses={
            200: OpenApiResponse(serializers.PRICES_RESPONSE_SCHEMA, description="Compact OHLCV rows."),
            400: BAD_QUERY,
        },
    )
    def get(self, request: Request, symbol: str) -> HttpResponse:
        """Daily bars, or weekly/monthly bars resampled by the database, cached per symbol and range."""
        query = serializers.PricesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end, interval = (query.validated_data.get(name) for name in ("start", "end", "interval"))
        symbol = symbol.upper()

        def build() -> bytes:
            selectors.get_asset(symbol)  # an unknown symbol answers 404 and caches nothing
            return _prices_json(symbol, start, end, interval)

        # A hit costs one cache round trip and no query: this is the hottest read of the product.
        body = cached("prices", symbol, (interval, start, end), build)
        return HttpResponse(body, content_type="application/json")


class StatsView(APIView):
    @extend_schema(
        operation_id="assets_stats",
        parameters=[SYMBOL, serializers.RangeQuerySerializer],
        responses={200: serializers.StatsSerializer, 400: BAD_QUERY},
    )
    def get(self, request: Request, symbol: str) -> Response:
        """Returns, CAGR, annualised volatility and max drawdown of the adjusted closes within start..end."""
        query = serializers.RangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        asset = selectors.get_asset(symbol)
        stats = selectors.asset_stats(asset, **query.validated_data)
        return Response(serializers.StatsSerializer({"symbol": asset.id, **stats.as_dict()}).data)


class MarketView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(operation_id="market_retrieve", responses={200: serializers.MarketSerializer})
    def get(self, request: Request) -> Response:
        """The market date: the day market data has reached, which every price-dependent figure counts from. No login needed."""
        body = {"market_date": market_date(), "from_prices": market_data_date() is not None}
        return Response(serializers.MarketSerializer(body).data)
