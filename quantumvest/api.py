"""API wiring shared by every app: one error shape and one pagination style.

Every API error answers ``{"detail": str, "code": str, "fields": {field: [messages]}}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from quantumvest.errors import DomainError


class Pagination(PageNumberPagination):
    """``page`` and ``page_size`` must be positive integers (``page_size`` at most 500), else 400 naming
    the parameter; a page past the last one is 404. Both are documented in the schema."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def _positive(self, request, name: str, maximum: int | None = None) -> int | None:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return None
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1 or (maximum is not None and value > maximum):
            limit = f" between 1 and {maximum}" if maximum else " of at least 1"
            raise exceptions.ValidationError({name: [f"A whole number{limit}."]}, code="invalid_pagination")
        return value

    def get_page_size(self, request):
        return self._positive(request, self.page_size_query_param, self.max_page_size) or self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        self._positive(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        return [message for item in detail for message in _flatten(item)]
    if isinstance(detail, dict):
        return [message for item in detail.values() for message in _flatten(item)]
    return [str(detail)]


def _code_of(detail, default: str) -> str:
    if isinstance(detail, list) and detail:
        return _code_of(detail[0], default)
    if isinstance(detail, dict) and detail:
        return _code_of(next(iter(detail.values())), default)
    return getattr(detail, "code", None) or default


def error_body(detail: str, code: str, fields: dict | None = None) -> dict:
    return {"detail": detail, "code": code, "fields": fields or {}}


def exception_handler(exc, context):
    """Translate domain errors and DRF errors into the one error shape."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.detail, exc.code, exc.fields), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling logs it and answers without details

    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields: dict[str, list[str]] = {}
        general: list[str] = []
        if isinstance(detail, dict):
            for name, messages in detail.items():
                if name in ("non_field_errors", "__all__"):
                    general.extend(_flatten(messages))
                else:
                    fields[name] = _flatten(messages)
        else:
            general.extend(_flatten(detail))
        summary = general[0] if general else "Some fields are not valid."
        response.data = error_body(summary, _code_of(detail, "invalid"), fields)
        return response

    detail = getattr(exc, "detail", str(exc))
    code = _code_of(detail, getattr(exc, "default_code", "error"))
    if isinstance(detail, dict):
        # simplejwt's token errors carry {"detail", "code", "messages"}
        code = str(detail.get("code", code))
        detail = detail.get("detail", "")
    response.data = error_body(str(detail), code)
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response.data["detail"] = f"Too many requests. Try again in {int(exc.wait) + 1} seconds."
    return response


class LockedOut(exceptions.APIException):
    """Too many failed logins for this account from this address (django-axes lockout)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.wait = retry_after  # DRF's handler turns it into a Retry-After header


# --- Non-DRF errors under /api/: the same shape instead of an HTML page ---------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("Bad request.", "bad_request"), status=400)
    return defaults.bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body(str(exceptions.PermissionDenied.default_detail), "permission_denied"), status=403
        )
    return defaults.permission_denied(request, exception)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(str(exceptions.NotFound.default_detail), "not_found"), status=404)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body("Server error. It has been logged.", "server_error"), status=500)
    return defaults.server_error(request)
