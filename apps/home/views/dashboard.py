"""The dashboard, the page after login: one read model (apps/home/dashboard.py), drawn in partials
that refresh themselves (the alerts feed on each live notification, the jobs while one runs)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.home import dashboard as read_model
from apps.home.services import notifications
from apps.portfolios.selectors import portfolio_summaries

FEED = 5  # notifications in the alerts feed


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    board = read_model.build(request.user)
    context = {
        "board": board,
        "notifications": notifications.recent_notifications(request.user, limit=FEED),
        "unread": notifications.unread_count(request.user),
        "jobs": board.jobs,
        "portfolio_summaries": portfolio_summaries(request.user),
    }
    return render(request, "home/dashboard.html", context)


@login_required
@require_GET
def jobs(request: HttpRequest) -> HttpResponse:
    """The running-jobs partial alone (it polls itself while a job runs)."""
    return render(request, "home/dashboard.html#jobs", {"jobs": read_model.running_jobs(request.user)})
