"""The alerts page: the user's alerts with their state, and a form whose fields follow the kind."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.accounts import tiers
from apps.home.forms import AlertForm
from apps.home.models import Alert
from apps.home.services import alerts as service
from apps.onchain.models import TrackedAddress
from apps.portfolios.selectors import portfolios_for_user
from quantumvest.errors import DomainError, NotFound
from quantumvest.htmx import add_domain_error

INVALID = 422


def _form(request: HttpRequest, data=None) -> AlertForm:
    initial = {"kind": request.GET.get("kind") or "price_above", "symbol": request.GET.get("symbol", "").upper()}
    return AlertForm(
        data,
        initial=initial,
        portfolios=portfolios_for_user(request.user),
        addresses=TrackedAddress.objects.filter(owner=request.user),
    )


@login_required
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    # A POST with "_refresh" (the kind changed, without JavaScript) only redraws the form.
    creating = request.method == "POST" and "_refresh" not in request.POST
    form = _form(request, request.POST if request.method == "POST" else None)
    status = 200
    if creating:
        if form.is_valid():
            data = form.cleaned_data
            try:
                service.create_alert(
                    user=request.user,
                    kind=data["kind"],
                    symbol=data["symbol"] or None,
                    threshold=data["threshold"],
                    portfolio=data["portfolio"] or None,
                    address=data["address"] or None,
                    channels=data["channels"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Alert saved. It fires on the next data that meets it.")
                return redirect("alerts:index")
        status = INVALID
    if request.htmx and request.GET.get("partial") == "form":
        return render(request, "home/alerts.html#alert-form", {"form": form})
    alerts = list(service.alerts_for_user(request.user).prefetch_related("triggers"))
    limits = tiers.limits_for(request.user)
    context = {"form": form, "alerts": alerts, "used": len(alerts), "allowed": limits.alerts}
    return render(request, "home/alerts.html", context, status=status)


def _alert(request, alert_id) -> Alert:
    try:
        return service.get_alert_for_user(alert_id, request.user)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


@login_required
@require_POST
def toggle(request: HttpRequest, alert_id) -> HttpResponse:
    alert = _alert(request, alert_id)
    service.update_alert(alert=alert, active=not alert.active)
    return redirect("alerts:index")


@login_required
@require_POST
def delete(request: HttpRequest, alert_id) -> HttpResponse:
    service.delete_alert(alert=_alert(request, alert_id))
    messages.success(request, "Alert deleted.")
    return redirect("alerts:index")
