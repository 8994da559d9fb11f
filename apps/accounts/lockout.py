"""django-axes hooks: one lockout rule for the site login, the admin login and the token endpoint."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from apps.accounts.models import normalize_email

LOCKOUT_MESSAGE = "Too many failed login attempts. Try again in {minutes} minutes."


def cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_detail() -> str:
    return LOCKOUT_MESSAGE.format(minutes=cooloff_seconds() // 60)


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
    """Axes' answer on the site and admin login pages (the token endpoint raises ``LockedOut``)."""
    detail = lockout_detail()
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": detail, "code": "locked_out", "fields": {}}, status=429)
    else:
        html = render_to_string("accounts/locked_out.html", {"detail": detail}, request=request)
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(cooloff_seconds())
    return response


def client_ip(request: HttpRequest) -> str:
    """The client's address as DRF's throttles see it (``NUM_PROXIES``): the one that the outermost
    of ``DJANGO_PROXY_COUNT`` trusted proxies appended to X-Forwarded-For, else REMOTE_ADDR."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not settings.PROXY_COUNT or not forwarded:
        return remote_addr
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(settings.PROXY_COUNT, len(addresses))]
