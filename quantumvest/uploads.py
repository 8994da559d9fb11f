"""Request bodies bounded while streaming: a per-route size limit applied before the body is read.

``UploadLimitMiddleware`` runs before CSRF and the views. For a route that accepts uploads it
refuses a declared ``Content-Length`` over the route's limit without reading a byte, and otherwise
parses the body itself through ``LimitedUploadHandler``, which counts the bytes of every uploaded
file as they stream in and stops at the limit (files over ``FILE_UPLOAD_MAX_MEMORY_SIZE`` spool to
disk, never to memory). Both answer 413 naming the limit: the error shape under ``/api/``, a short
message otherwise (htmx swaps 413 in place). DRF views then read the already parsed
``request.POST``/``request.FILES``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from quantumvest.api import error_body

# Multipart boundaries and the other form fields, allowed on top of a file limit.
MULTIPART_SLACK = 64 * 1024


class UploadTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def route_limits() -> dict[str, int]:
    """Upload limit in bytes per URL name; every other route gets ``QV_UPLOAD_MAX_BYTES``."""
    from apps.portfolios.holdings_csv import MAX_BYTES as HOLDINGS_MAX_BYTES

    prices = settings.QV_IMPORT_MAX_BYTES
    return {
        "assets:import": prices,
        "assets-api:prices-import": prices,
        "assets-api:wide-prices-import": prices,
        "admin:assets_pricebar_import": prices,
        "portfolios:import": HOLDINGS_MAX_BYTES,
        "portfolios-api:holding-import": HOLDINGS_MAX_BYTES,
        "predictions-api:news-import": settings.QV_NEWS_IMPORT_MAX_BYTES,
    }


def limit_for(request: HttpRequest) -> int:
    try:
        name = resolve(request.path_info).view_name
    except Resolver404:
        name = ""
    return route_limits().get(name, settings.QV_UPLOAD_MAX_BYTES)


def too_large_message(limit: int) -> str:
    return f"The file is larger than the limit of {limit:,} bytes."


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of each uploaded file while it streams and raises at ``limit``.

    Sits first in the handler chain, so no later handler (memory or temporary file) receives a
    chunk past the limit."""

    def __init__(self, request: HttpRequest, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge(self.limit)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _refuse(request: HttpRequest, limit: int) -> HttpResponse:
    message = too_large_message(limit)
    if request.path_info.startswith("/api/"):
        response = JsonResponse(error_body(message, "file_too_large", {"file": [message]}), status=413)
    else:
        template = "_upload_refused.html#message" if request.headers.get("HX-Request") else "_upload_refused.html"
        response = render(request, template, {"message": message}, status=413)
        if request.headers.get("HX-Request"):
            # Shown above the form that was posted, which stays as it was.
            response["HX-Reswap"] = "beforebegin"
    # The unread body stays on the socket: tell the client this connection is done.
    response["Connection"] = "close"
    return response


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        limit = limit_for(request)
        if _declared_length(request) > limit + MULTIPART_SLACK:
            return _refuse(request, limit)
        if request.content_type == "multipart/form-data":
            request.upload_handlers.insert(0, LimitedUploadHandler(request, limit))
            try:
                request.POST  # noqa: B018 - parse now, bounded, before CSRF or a view reads the body
            except UploadTooLarge as exc:
                return _refuse(request, exc.limit)
        return self.get_response(request)
