"""django-axes hooks: one lockout rule for the site login, the admin login and the token endpoint."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from apps.accounts.models import normalize_email

LOCKOUT_MESSAGE = "Too many failed login attempts. Try again in {minutes} minutes."


def username_from_request(request: HttpRequest, credentials: dict | None) -> str:
    """The login identifier is the e-mail address, whatever the form calls its field."""
    credentials = credentials or {}
    for key in ("email", "username"):
        if credentials.get(key):
            return normalize_email(credentials[key])
    data = getattr(request, "data", None) or request.POST
    for key in ("email", "username"):
        if data.get(key):
            return normalize_email(data[key])
    return ""


def lockout_response(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    detail = LOCKOUT_MESSAGE.format(minutes=minutes)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail, "code": "locked_out", "fields": {}}, status=429)
    html = render_to_string("accounts/locked_out.html", {"detail": detail}, request=request)
    return HttpResponse(html, status=429)
