"""DRF face of alerts: thin adapters around apps/home/services/alerts.py."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.home.models import Alert, AlertKind, Channel
from apps.home.services import alerts as service
from quantumvest.errors import ValidationFailed
from quantumvest.schema import error_response
from quantumvest.serializers import Input, StrictBooleanField

TIER_LIMIT = error_response("Your plan allows no more alerts (code `tier_limit`); the message names the limit.")
NOT_FOUND = error_response("No such alert of yours (code `not_found`).")


class AlertOutput(serializers.ModelSerializer):
    symbol = serializers.CharField(source="asset_id", allow_null=True, help_text="The asset watched, or null.")
    threshold = serializers.DecimalField(
        max_digits=24,
        decimal_places=8,
        allow_null=True,
        help_text="Price level; percent for daily_move and portfolio_drift; coin or token units for large_transfer.",
    )
    portfolio = serializers.UUIDField(source="portfolio_id", allow_null=True)
    address = serializers.SerializerMethodField(help_text="The tracked address (transfers), or null.")
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "symbol",
            "threshold",
            "portfolio",
            "address",
            "channels",
            "active",
            "armed",
            "last_triggered_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_address(self, alert) -> str | None:
        return alert.tracked_address.address if alert.tracked_address_id else None


class AlertInput(Input):
    kind = serializers.ChoiceField(choices=AlertKind.choices)
    symbol = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    threshold = serializers.DecimalField(max_digits=24, decimal_places=8, required=False, allow_null=True)
    portfolio = serializers.UUIDField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=42)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), required=False, default=[Channel.IN_APP]
    )
    active = StrictBooleanField(required=False, default=True)


class AlertPatchInput(Input):
    require_any = True

    symbol = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    threshold = serializers.DecimalField(max_digits=24, decimal_places=8, required=False, allow_null=True)
    portfolio = serializers.UUIDField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=42)
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), required=False)
    active = StrictBooleanField(required=False)


def _filtered(request, rows):
    params = request.query_params
    if params.get("kind"):
        if params["kind"] not in AlertKind.values:
            raise ValidationFailed("Unknown kind.", fields={"kind": [f"Use one of: {', '.join(AlertKind.values)}."]})
        rows = rows.filter(kind=params["kind"])
    if params.get("active"):
        if params["active"].lower() not in ("true", "false"):
            raise ValidationFailed("Use true or false.", fields={"active": ["Use true or false."]})
        rows = rows.filter(active=params["active"].lower() == "true")
    if params.get("symbol"):
        rows = rows.filter(asset_id=params["symbol"].strip().upper())
    return rows


class AlertListView(GenericAPIView):
    serializer_class = AlertOutput
    queryset = Alert.objects.none()  # for the schema; rows come from the service
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Your alerts, newest first",
        parameters=[
            OpenApiParameter("kind", str, enum=AlertKind.values),
            OpenApiParameter("active", bool),
            OpenApiParameter("symbol", str),
        ],
        responses=AlertOutput(many=True),
    )
    def get(self, request):
        page = self.paginate_queryset(_filtered(request, service.alerts_for_user(request.user)))
        return self.get_paginated_response(AlertOutput(page, many=True).data)

    @extend_schema(summary="Create an alert", request=AlertInput, responses={201: AlertOutput, 403: TIER_LIMIT})
    def post(self, request):
        data = AlertInput(data=request.data)
        data.is_valid(raise_exception=True)
        alert = service.create_alert(user=request.user, **data.validated_data)
        return Response(AlertOutput(alert).data, status=status.HTTP_201_CREATED)


class AlertDetailView(GenericAPIView):
    serializer_class = AlertOutput
    parser_classes = [JSONParser]

    @extend_schema(summary="One of your alerts", responses={200: AlertOutput, 404: NOT_FOUND})
    def get(self, request, alert_id):
        return Response(AlertOutput(service.get_alert_for_user(alert_id, request.user)).data)

    @extend_schema(summary="Change an alert", request=AlertPatchInput, responses={200: AlertOutput, 404: NOT_FOUND})
    def patch(self, request, alert_id):
        alert = service.get_alert_for_user(alert_id, request.user)
        data = AlertPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(AlertOutput(service.update_alert(alert=alert, **data.validated_data)).data)

    @extend_schema(summary="Delete an alert", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, alert_id):
        service.delete_alert(alert=service.get_alert_for_user(alert_id, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
