"""OpenAPI wiring: the error shape as a schema component, and error responses on every operation.

Kept apart from ``quantumvest.api``, which DRF imports while its own modules are still loading.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    detail = serializers.CharField(help_text="A sentence for humans.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `token_not_valid`.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field; empty when the error is not about one field.",
    )


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


class AutoSchema(SpectacularAutoSchema):
    """Documents the error responses every endpoint can give, in the one error shape.

    An operation's own ``extend_schema(responses=...)`` wins over these defaults, and an error
    response it documents without a body gets the error shape.
    """

    def _error_responses(self) -> dict[str, str]:
        view = self.view
        errors = {
            # Any operation: a NUL byte in the URL (quantumvest.input_hygiene), a bad query or body.
            "400": "Invalid input, query parameter or URL: `fields` names each field with its messages.",
        }
        public = all(isinstance(permission, AllowAny) for permission in view.get_permissions())
        if not public:
            errors["401"] = "Missing, invalid, expired or revoked credentials."
            errors["403"] = "Authenticated but not allowed."
        if "{" in self.path:
            errors["404"] = "Not found, or not yours."
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            errors["404"] = "The page is past the last one."
        errors["429"] = "Too many requests: wait for the number of seconds in `Retry-After`."
        errors["503"] = (
            "A service the operation needs is unavailable; `code` names it "
            "(e.g. `database_unavailable`, `broker_unavailable`). Try again later."
        )
        return errors

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "require_any", False):
            schema["minProperties"] = 1  # quantumvest.serializers.Input.require_any
        return schema

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            # Every optional query parameter reads an empty value as "not given" (DRF and
            # django-filter both do): say so, so that clients and fuzzers know `?start=` is valid.
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return operation

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in list(responses.items()):
            if code >= "400" and "content" not in response:
                responses[code] = self._get_response_for_code(
                    error_response(response.get("description", "")), code, direction=direction
                )
        for code, description in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(error_response(description), code, direction=direction)
        return responses


# Endpoints that queue a job through ``quantumvest.jobs.submit`` document this response.
BROKER_UNAVAILABLE = error_response(
    "The task broker is unavailable (code `broker_unavailable`): the job was not queued and is marked failed."
)
