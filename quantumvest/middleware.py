"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

NO_STORE = "no-store, private"


class PrivateNoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every response for a signed-in user (pages, htmx
    partials, exports) and on every API response (tokens and per-user data), so neither a shared
    proxy nor the browser's history keeps them.

    Public pages (login, register, ``/healthz``) keep their own caching, and so do the public API
    endpoints (the track record) whose view declares ``Cache-Control: public``, unless the caller
    is signed in; static files are served by WhiteNoise before this runs. A response that already
    says ``no-store`` keeps its header.
    Listed after WhiteNoise and before the session and authentication middleware, so it sees the
    user that any of them (or DRF's JWT authentication) set.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self._is_private(request, response) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        return response

    @staticmethod
    def _is_private(request: HttpRequest, response: HttpResponse) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        return request.path.startswith("/api/") and "public" not in response.get("Cache-Control", "")
