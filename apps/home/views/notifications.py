"""The notification centre, its badge and toast fragments, and delivery preferences."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.home.models import AlertKind, EmailMode
from apps.home.services import notifications as service
from quantumvest.errors import DomainError, NotFound

PAGE_SIZE = 25


@login_required
@require_GET
@vary_on_headers("HX-Request")
def index(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("filter") == "unread"
    rows = service.visible(request.user)
    if only_unread:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "only_unread": only_unread, "unread": service.unread_count(request.user)}
    template = "home/notifications.html#centre" if request.htmx else "home/notifications.html"
    return render(request, template, context)


@login_required
@require_POST
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notification = service.mark_read(user=request.user, notification_id=notification_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if request.htmx:
        return render(request, "home/notifications.html#row", {"notification": notification})
    return redirect(request.POST.get("next") or "notifications:index")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    service.mark_all_read(user=request.user)
    return redirect("notifications:index")


@login_required
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    response = render(request, "home/_notification_badge.html", {"unread": service.unread_count(request.user)})
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_GET
def toast(request: HttpRequest) -> HttpResponse:
    try:
        notification = service.get_notification_for_user(request.GET.get("id"), request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    return render(request, "home/_notification_toast.html", {"notification": notification})


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The latest notifications, as a fragment (the dashboard's alerts feed)."""
    context = {
        "notifications": service.recent_notifications(request.user),
        "unread": service.unread_count(request.user),
    }
    return render(request, "home/_notification_feed.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        for kind in AlertKind.values:
            try:
                service.set_preference(
                    user=request.user,
                    kind=kind,
                    in_app=request.POST.get(f"{kind}-in_app") == "on",
                    email=request.POST.get(f"{kind}-email", EmailMode.IMMEDIATE),
                )
            except DomainError as exc:
                errors.append(f"{AlertKind(kind).label}: {exc.detail}")
        if not errors:
            return redirect("notifications:preferences")
    context = {"preferences": service.preferences(request.user), "email_modes": EmailMode.choices, "errors": errors}
    return render(request, "home/notification_preferences.html", context, status=422 if errors else 200)
