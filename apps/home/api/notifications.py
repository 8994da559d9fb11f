"""DRF face of notifications and their delivery preferences: thin adapters around the services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.home.models import AlertKind, EmailMode, Notification, NotificationPreference
from apps.home.services import notifications as service
from quantumvest.errors import ValidationFailed
from quantumvest.schema import error_response
from quantumvest.serializers import Input, StrictBooleanField

NOT_FOUND = error_response("No such notification of yours (code `not_found`).")


class NotificationOutput(serializers.ModelSerializer):
    read = serializers.BooleanField(help_text="Whether it was marked read.")
    alert = serializers.UUIDField(source="alert_id", allow_null=True, help_text="The alert that fired, or null.")
    url = serializers.CharField(help_text="Where to look on the site (a path), or empty.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "created_at", "read", "alert", "url"]
        read_only_fields = fields


class ReadAllOutput(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")


class PreferenceOutput(serializers.ModelSerializer):
    class Meta:
        model = NotificationPreference
        fields = ["kind", "in_app", "email"]
        read_only_fields = fields


class PreferenceInput(Input):
    in_app = StrictBooleanField(help_text="Show this kind in the notification centre and push it to open pages.")
    email = serializers.ChoiceField(choices=EmailMode.choices, help_text="off, immediate or digest.")


def _unread_filter(request) -> bool | None:
    raw = request.query_params.get("unread")
    if raw in (None, ""):
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise ValidationFailed("Use true or false.", fields={"unread": ["Use true or false."]}, code="invalid_filter")
    return raw.lower() in ("true", "1")


class NotificationListView(GenericAPIView):
    serializer_class = NotificationOutput
    queryset = Notification.objects.none()  # for the schema; rows come from the service

    @extend_schema(
        summary="Your notifications, newest first",
        parameters=[OpenApiParameter("unread", bool, description="true: only unread; false: only read.")],
        responses=NotificationOutput(many=True),
    )
    def get(self, request):
        rows = service.visible(request.user).select_related(None)
        unread = _unread_filter(request)
        if unread is not None:
            rows = rows.filter(read_at__isnull=unread)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(NotificationOutput(page, many=True).data)


class NotificationDetailView(GenericAPIView):
    serializer_class = NotificationOutput

    @extend_schema(summary="One of your notifications", responses={200: NotificationOutput, 404: NOT_FOUND})
    def get(self, request, notification_id):
        return Response(NotificationOutput(service.get_notification_for_user(notification_id, request.user)).data)


class NotificationReadView(GenericAPIView):
    serializer_class = NotificationOutput

    @extend_schema(
        summary="Mark a notification read", request=None, responses={200: NotificationOutput, 404: NOT_FOUND}
    )
    def post(self, request, notification_id):
        notification = service.mark_read(user=request.user, notification_id=notification_id)
        return Response(NotificationOutput(notification).data)


class NotificationReadAllView(GenericAPIView):
    serializer_class = ReadAllOutput

    @extend_schema(summary="Mark all your notifications read", request=None, responses=ReadAllOutput)
    def post(self, request):
        return Response({"marked": service.mark_all_read(user=request.user)})


class PreferenceListView(GenericAPIView):
    serializer_class = PreferenceOutput
    queryset = NotificationPreference.objects.none()  # for the schema; rows come from the service
    pagination_class = None

    @extend_schema(summary="How each kind of notification reaches you", responses=PreferenceOutput(many=True))
    def get(self, request):
        return Response(PreferenceOutput(service.preferences(request.user), many=True).data)


class PreferenceDetailView(GenericAPIView):
    serializer_class = PreferenceOutput
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Set how one kind of notification reaches you",
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=AlertKind.values)],
        request=PreferenceInput,
        responses=PreferenceOutput,
    )
    def put(self, request, kind):
        data = PreferenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        preference = service.set_preference(user=request.user, kind=kind, **data.validated_data)
        return Response(PreferenceOutput(preference).data)
