"""django-axes hooks: one lockout rule for the site login, the admin login and the token endpoint.

Two limits, both counted in the database (axes' ``AccessAttempt`` rows), so they hold when the
cache is down: ``AXES_FAILURE_LIMIT`` failures for one account from one address, and
``QV_LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one address across every account (password
spraying), each within ``AXES_COOLOFF_TIME``. Either answers 429 with the lockout message.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
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


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's address within the cool-off, whatever the username."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class AddressLimitedHandler(AxesDatabaseHandler):
    """Axes' database handler, also locking out an address that fails across many usernames."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # Axes flags the request for its lockout response from its per-account count only.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and self._address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    @staticmethod
    def _address_locked(request) -> bool:
        return address_failures(request) >= settings.QV_LOGIN_ADDRESS_FAILURE_LIMIT
