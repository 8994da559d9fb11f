"""The watchlist page and the watch toggles of the asset pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.accounts import tiers
from apps.home import dashboard as read_model
from apps.home.services import watchlist as service
from quantumvest.errors import DomainError, NotFound


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    board = read_model.build_watchlist(request.user)
    context = {"rows": board, "used": len(board), "allowed": tiers.limits_for(request.user).watched_assets}
    return render(request, "home/watchlist.html", context)


def _toggle(request: HttpRequest, symbol: str, watching: bool, error: str = "", status: int = 200) -> HttpResponse:
    context = {"symbol": symbol, "watching": watching, "error": error, "compact": bool(request.POST.get("compact"))}
    return render(request, "home/_watch_toggle.html", context, status=status)


@login_required
@require_POST
def add(request: HttpRequest) -> HttpResponse:
    symbol = request.POST.get("symbol", "").strip().upper()
    try:
        service.add_to_watchlist(user=request.user, symbol=symbol)
    except DomainError as error:
        if request.htmx:
            return _toggle(request, symbol, False, error.detail, status=422)
        messages.error(request, error.detail)
    else:
        if request.htmx:
            return _toggle(request, symbol, True)
        messages.success(request, f"{symbol} is on your watchlist.")
    return redirect(request.POST.get("next") or "watchlist:index")


@login_required
@require_POST
def remove(request: HttpRequest, symbol: str) -> HttpResponse:
    try:
        service.remove_from_watchlist(user=request.user, symbol=symbol)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if request.htmx:
        return _toggle(request, symbol.upper(), False)
    messages.success(request, f"{symbol.upper()} is off your watchlist.")
    return redirect(request.POST.get("next") or "watchlist:index")
