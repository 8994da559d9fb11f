"""HTML face of portfolios: function views around the selectors and services.

htmx convention (templates/base.html): an invalid form answers 422 with its partial; a valid one
answers 200 with the fresh partial for htmx, or redirects without htmx. Lot changes also
send ``HX-Trigger: holdings-changed`` so that the performance section reloads.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

from apps.accounts import tiers
from apps.assets.market import market_date
from apps.portfolios import holdings_csv, selectors, services
from apps.portfolios.access import portfolio_view
from apps.portfolios.forms import ImportForm, LotForm, PortfolioForm, RenameForm
from apps.portfolios.models import Portfolio
from quantumvest.errors import DomainError
from quantumvest.htmx import add_domain_error, render_page

DETAIL = "portfolios/detail.html"


@functools.cache
def echarts_file() -> str:
    """The vendored ECharts build (static/vendor/echarts-<version>.min.js), whatever its version."""
    for folder in settings.STATICFILES_DIRS:
        found = sorted(Path(folder).glob("vendor/echarts-*.min.js"))
        if found:
            return f"vendor/{found[-1].name}"
    return "vendor/echarts.min.js"


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url, permanent=False)


def _benchmark(request: HttpRequest) -> str:
    raw = request.GET.get("benchmark") or selectors.DEFAULT_BENCHMARK
    return raw.strip().upper()[:20]


def _detail_context(request: HttpRequest, portfolio: Portfolio, **extra) -> dict:
    benchmark = _benchmark(request)
    report = selectors.performance_report(portfolio, benchmark=benchmark)
    book = report["holdings"]
    charts = {
        "currency": portfolio.base_currency,
        "benchmark": benchmark,
        "by_asset": book.allocation_by_asset(),
        "by_type": book.allocation_by_type(),
        "dates": [point["date"].isoformat() for point in report["series"]],
        "value": [round(point["value"], 2) for point in report["series"]],
        "benchmark_value": [
            None if point["benchmark_value"] is None else round(point["benchmark_value"], 2)
            for point in report["series"]
        ],
    }
    return {
        "portfolio": portfolio,
        # Lot links are built from this prefix: one reverse() instead of three per lot.
        "lots_url": reverse("portfolios:lot-add", args=[portfolio.id]),
        "echarts_file": echarts_file(),
        "book": book,
        "report": report,
        "charts_json": json.dumps(charts, cls=DjangoJSONEncoder),
        "benchmark": benchmark,
        "benchmarks": selectors.benchmark_choices(),
        "lot_form": extra.pop("lot_form", None) or LotForm(),
        "rename_form": extra.pop("rename_form", None) or RenameForm(initial={"name": portfolio.name}),
        **extra,
    }


def _holdings_changed(request: HttpRequest, portfolio: Portfolio, **extra) -> HttpResponse:
    response = render_page(request, DETAIL, "holdings", _detail_context(request, portfolio, **extra))
    return trigger_client_event(response, "holdings-changed")


@login_required
def portfolio_list(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = PortfolioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portfolio = services.create_portfolio(user=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Portfolio “{portfolio.name}” created.")
            return _go(request, reverse("portfolios:detail", args=[portfolio.id]))
    status = 422 if request.method == "POST" else 200
    context = {
        "portfolios": selectors.portfolios_for_user(request.user),
        "form": form,
        "portfolio_limit": tiers.limits_for(request.user).portfolios,
    }
    return render_page(request, "portfolios/list.html", "create_form", context, status=status)


@portfolio_view("GET")
def portfolio_detail(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    response = render(request, DETAIL, _detail_context(request, portfolio))
    patch_vary_headers(response, ["HX-Request"])
    return response


@portfolio_view("GET")
def portfolio_performance(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    return render_page(request, DETAIL, "performance", _detail_context(request, portfolio))


@portfolio_view("POST")
def portfolio_rename(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            services.update_portfolio(portfolio=portfolio, name=form.cleaned_data["name"])
        except DomainError as error:
            add_domain_error(form, error)
            portfolio.refresh_from_db()
        else:
            if request.htmx:
                return render_page(
                    request,
                    DETAIL,
                    "header",
                    {"portfolio": portfolio, "rename_form": RenameForm(initial={"name": portfolio.name})},
                )
            return redirect("portfolios:detail", portfolio_id=portfolio.id)
    return render_page(request, DETAIL, "header", _detail_context(request, portfolio, rename_form=form), status=422)


@portfolio_view("GET", "POST")
def portfolio_delete(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    if request.method == "POST":
        name = portfolio.name
        services.delete_portfolio(portfolio=portfolio)
        messages.success(request, f"Portfolio “{name}” deleted.")
        return _go(request, reverse("portfolios:list"))
    return render(request, "portfolios/delete.html", {"portfolio": portfolio})


@portfolio_view("POST")
def lot_add(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    form = LotForm(request.POST)
    if form.is_valid():
        try:
            services.add_lot(portfolio=portfolio, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if not request.htmx:
                return redirect("portfolios:detail", portfolio_id=portfolio.id)
            return _holdings_changed(request, portfolio)
    return render_page(request, DETAIL, "holdings", _detail_context(request, portfolio, lot_form=form), status=422)


def _lot(request: HttpRequest, portfolio: Portfolio, lot_id):
    return selectors.get_lot_for_user(request.user, portfolio.id, lot_id)


@portfolio_view("GET")
def lot_row(request: HttpRequest, portfolio: Portfolio, lot_id) -> HttpResponse:
    lot = _lot(request, portfolio, lot_id)
    if not request.htmx:
        return redirect("portfolios:detail", portfolio_id=portfolio.id)
    context = {"portfolio": portfolio, "lot": lot, "lots_url": reverse("portfolios:lot-add", args=[portfolio.id])}
    return render_page(request, DETAIL, "lot_row", context)


@portfolio_view("GET", "POST")
def lot_edit(request: HttpRequest, portfolio: Portfolio, lot_id) -> HttpResponse:
    lot = _lot(request, portfolio, lot_id)
    initial = {
        "symbol": lot.asset_id,
        "quantity": lot.quantity,
        "purchase_price": lot.purchase_price,
        "purchase_date": lot.purchase_date,
    }
    form = LotForm(request.POST or None, initial=initial, prefix=f"lot-{lot.id.hex[:8]}")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_lot(lot=lot, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if not request.htmx:
                    return redirect("portfolios:detail", portfolio_id=portfolio.id)
                return _holdings_changed(request, portfolio)
        status = 422
    response = render_page(
        request,
        "portfolios/lot_edit.html",
        "lot_edit_row",
        {"portfolio": portfolio, "lot": lot, "form": form},
        status=status,
    )
    if request.htmx and status == 422:
        response = reswap(retarget(response, f"#lot-{lot.id}"), "outerHTML")
    return response


@portfolio_view("POST")
def lot_delete(request: HttpRequest, portfolio: Portfolio, lot_id) -> HttpResponse:
    services.delete_lot(lot=_lot(request, portfolio, lot_id))
    if not request.htmx:
        messages.success(request, "Lot deleted.")
        return redirect("portfolios:detail", portfolio_id=portfolio.id)
    return _holdings_changed(request, portfolio)


@portfolio_view("GET", "POST")
def holdings_import(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"portfolio": portfolio, "form": form, "preview": None, "csv_text": ""}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                text = holdings_csv.decode(upload.read()) if upload else form.cleaned_data["csv"]
            except ValueError as error:
                form.add_error("file", str(error))
            else:
                context["csv_text"] = text
                if form.cleaned_data["confirm"]:
                    try:
                        lots = services.import_holdings(portfolio=portfolio, text=text)
                    except DomainError:
                        context["preview"] = services.preview_holdings_import(text=text)
                    else:
                        messages.success(request, f"Imported {len(lots)} lot{pluralize(len(lots))}.")
                        return _go(request, reverse("portfolios:detail", args=[portfolio.id]))
                else:
                    context["preview"] = services.preview_holdings_import(text=text)
                    status = 200 if context["preview"].ok else 422
    return render_page(request, "portfolios/import.html", "import_body", context, status=status)


@portfolio_view("GET")
def holdings_export(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    response = HttpResponse(services.export_holdings(portfolio=portfolio), content_type="text/csv; charset=utf-8")
    # "Core holdings" → core-holdings-2017-12-29.csv (not core-holdings-holdings.csv): the name and the day.
    filename = f"{slugify(portfolio.name) or 'portfolio'}-{market_date():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
