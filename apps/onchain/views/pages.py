"""The on-chain page (/onchain/): chain status, tracked addresses, recent transfers, token activity,
trend signals and the deployed contracts.

htmx convention (templates/base.html): an invalid form answers 422 with its partial, a node that
is down while tracking a token answers 503 with the form and the reason in place; a valid form
answers 200 with the fresh partial for htmx, or redirects without htmx. Another user's tracked
address answers 404 whatever the method (``address_view`` looks it up first). The page reads the
chain only for the status and the trend signals; when the node is down it says so in place and
shows what the database has.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django_htmx.http import reswap, retarget

from apps.onchain import selectors
from apps.onchain.chain import ChainUnavailable, TransactionFailed
from apps.onchain.forms import LabelForm, TrackForm
from apps.onchain.models import TrackedAddress
from apps.onchain.networks import network
from apps.onchain.services import addresses as services
from apps.onchain.services.deployment import PRODUCT_CONTRACTS, current_contract
from apps.onchain.services.status import ChainStatus, chain_status
from apps.onchain.services.tokens import format_units
from apps.onchain.services.trends import current_trends
from quantumvest.errors import DomainError, ServiceUnavailable
from quantumvest.htmx import add_domain_error, render_page

PAGE = "onchain/page.html"
EDIT = "onchain/address_edit.html"
# The vendored build (static/vendor/README.md), as the asset pages load it.
ECHARTS_JS = "vendor/echarts-5.6.0.min.js"
RECENT_TRANSFERS = 25
CHART_DAYS = 90


def address_view(*methods: str) -> Callable:
    """Login required; the user's own tracked address (404 otherwise) before the method check."""

    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, address_id, *args, **kwargs) -> HttpResponse:
            tracked = selectors.get_address_for_user(request.user, address_id)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, tracked, *args, **kwargs)

        return wrapper

    return decorate


def _transfer_rows(user) -> list[dict]:
    rows = []
    for t in selectors.transfers_for_user(user)[:RECENT_TRANSFERS]:
        net = network(t.chain_id)
        decimals = t.token.decimals if t.token_id else net.decimals
        rows.append(
            {
                "transfer": t,
                "symbol": (t.token.symbol or t.token.address[:10]) if t.token_id else net.symbol,
                "amount": format_units(t.value, decimals),
                "tx_url": net.tx_url(t.tx_hash),
                "from_url": net.address_url(t.from_address),
                "to_url": net.address_url(t.to_address),
                "network": net,
            }
        )
    return rows


def _charts(user) -> list[dict]:
    """Per tracked token: its last CHART_DAYS daily aggregates, volumes in whole tokens (exact strings)."""
    charts = []
    for token in selectors.tracked_tokens_for_user(user):
        days = list(selectors.daily_of(token).order_by("-day")[:CHART_DAYS])[::-1]
        charts.append(
            {
                "symbol": token.symbol or token.address,
                "network": network(token.chain_id).name,
                "days": [d.day.isoformat() for d in days],
                "count": [d.transfer_count for d in days],
                "volume": [format_units(d.volume, token.decimals) for d in days],
            }
        )
    return charts


def _chain_reads(status: ChainStatus) -> dict:
    """Trend signals and deployed contracts; the trends only when the node answered the status."""
    contracts = []
    if status.chain_id is not None:
        for name in PRODUCT_CONTRACTS:
            found = current_contract(name, chain_id=status.chain_id)
            if found is not None:
                contracts.append({"contract": found, "url": network(found.chain_id).address_url(found.address)})
    trends, trends_error = [], ""
    if not status.connected:
        trends_error = "The node is not reachable: trend signals are read from the TrendAnalysis contract."
    else:
        try:
            trends = current_trends()
        except (ChainUnavailable, TransactionFailed) as exc:
            trends_error = exc.detail
    return {"contracts": contracts, "trends": trends, "trends_error": trends_error}


def _item(tracked: TrackedAddress) -> dict:
    net = network(tracked.chain_id)
    return {"row": tracked, "network": net, "url": net.address_url(tracked.address)}


def _addresses_context(request: HttpRequest, **extra) -> dict:
    return {
        "tracked": [_item(a) for a in selectors.addresses_for_user(request.user)],
        "track_form": extra.pop("track_form", None) or TrackForm(),
        **extra,
    }


def _full_context(request: HttpRequest, **extra) -> dict:
    status = chain_status()
    charts = _charts(request.user)
    return {
        "status": status,
        "transfers": _transfer_rows(request.user),
        "charts": charts,
        "charts_json": json.dumps(charts),
        "echarts_js": ECHARTS_JS,
        "transactions_url": reverse("onchain:transactions"),
        **_chain_reads(status),
        **_addresses_context(request, **extra),
    }


@login_required
def onchain_page(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    response = render(request, PAGE, _full_context(request))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def status_panel(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not request.htmx:
        return redirect("onchain:index")
    return render_page(request, PAGE, "status", {"status": chain_status()})


def _addresses_changed(request: HttpRequest, **extra) -> HttpResponse:
    if not request.htmx:
        return redirect("onchain:index")
    return render_page(request, PAGE, "addresses", _addresses_context(request, **extra))


@login_required
def address_add(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = TrackForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.track_address(owner=request.user, **form.cleaned_data)
        except ServiceUnavailable as error:
            form.add_error(None, error.detail)
            status = 503
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _addresses_changed(request)
    if not request.htmx:
        return render(request, PAGE, _full_context(request, track_form=form), status=status)
    return render_page(request, PAGE, "addresses", _addresses_context(request, track_form=form), status=status)


@address_view("GET")
def address_row(request: HttpRequest, tracked: TrackedAddress) -> HttpResponse:
    if not request.htmx:
        return redirect("onchain:index")
    return render_page(request, PAGE, "address_row", {"item": _item(tracked)})


@address_view("GET", "POST")
def address_edit(request: HttpRequest, tracked: TrackedAddress) -> HttpResponse:
    form = LabelForm(request.POST or None, initial={"label": tracked.label}, prefix=f"a{tracked.pk}")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.relabel_address(tracked=tracked, label=form.cleaned_data["label"])
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return _addresses_changed(request)
        status = 422
    context = {"item": _item(tracked), "form": form}
    if not request.htmx:
        return render(request, EDIT, context, status=status)
    response = render(request, f"{EDIT}#address_edit_row", context, status=status)
    if status == 422:  # the form stays in its row, not over the whole section
        response = reswap(retarget(response, f"#address-{tracked.pk}"), "outerHTML")
    patch_vary_headers(response, ["HX-Request"])
    return response


@address_view("POST")
def address_delete(request: HttpRequest, tracked: TrackedAddress) -> HttpResponse:
    services.untrack_address(tracked=tracked)
    return _addresses_changed(request)


urlpatterns = [
    path("", onchain_page, name="index"),
    path("status/", status_panel, name="status"),
    path("addresses/", address_add, name="address-add"),
    path("addresses/<int:address_id>/", address_row, name="address-row"),
    path("addresses/<int:address_id>/edit/", address_edit, name="address-edit"),
    path("addresses/<int:address_id>/delete/", address_delete, name="address-delete"),
]
