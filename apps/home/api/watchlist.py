"""DRF face of the watchlist: thin adapters around apps/home/services/watchlist.py."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.home.models import WatchlistEntry
from apps.home.services import watchlist as service
from quantumvest.schema import error_response
from quantumvest.serializers import Input

TIER_LIMIT = error_response("Your plan allows no more watched assets (code `tier_limit`).")
NOT_WATCHED = error_response("The asset is not on your watchlist (code `not_found`).")


class WatchlistOutput(serializers.ModelSerializer):
    symbol = serializers.CharField(source="asset_id")
    name = serializers.CharField(source="asset.name")
    type = serializers.CharField(source="asset.type")
    added_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = WatchlistEntry
        fields = ["symbol", "name", "type", "added_at"]
        read_only_fields = fields


class WatchlistInput(Input):
    symbol = serializers.CharField(max_length=20)


class WatchlistView(GenericAPIView):
    serializer_class = WatchlistOutput
    queryset = WatchlistEntry.objects.none()  # for the schema; rows come from the service
    parser_classes = [JSONParser]

    @extend_schema(summary="The assets you watch", responses=WatchlistOutput(many=True))
    def get(self, request):
        page = self.paginate_queryset(service.watchlist_of(request.user))
        return self.get_paginated_response(WatchlistOutput(page, many=True).data)

    @extend_schema(
        summary="Watch an asset",
        description="201 when added, 200 when it was already watched.",
        request=WatchlistInput,
        responses={201: WatchlistOutput, 200: WatchlistOutput, 403: TIER_LIMIT},
    )
    def post(self, request):
        data = WatchlistInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry, created = service.add_to_watchlist(user=request.user, **data.validated_data)
        return Response(WatchlistOutput(entry).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class WatchlistEntryView(GenericAPIView):
    serializer_class = WatchlistOutput

    @extend_schema(summary="Stop watching an asset", responses={204: None, 404: NOT_WATCHED})
    def delete(self, request, symbol):
        service.remove_from_watchlist(user=request.user, symbol=symbol)
        return Response(status=status.HTTP_204_NO_CONTENT)
