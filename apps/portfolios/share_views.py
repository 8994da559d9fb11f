"""Share links of a portfolio: the owner's card (create, copy, revoke) and the public page.

The owner's faces follow the portfolio pages (``portfolio_view``: another user gets 404). A valid
"create" answers 200 with the card showing the new link once, also without htmx (a redirect
would lose it: the token is not stored). The public page needs no login; an unknown and a revoked
token answer the same 404.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.portfolios import selectors, services
from apps.portfolios.access import portfolio_view, public_headers
from apps.portfolios.forms import ShareForm
from apps.portfolios.models import Portfolio
from apps.portfolios.views import echarts_file
from quantumvest.errors import DomainError
from quantumvest.htmx import add_domain_error, render_page

SHARES = "portfolios/shares.html"
SHARED = "portfolios/shared.html"


def _card_context(portfolio: Portfolio, **extra) -> dict:
    """The context of ``portfolios/_share_card.html`` (the portfolio page loads it with htmx)."""
    return {
        "portfolio": portfolio,
        "shares": list(selectors.active_shares_of(portfolio)),
        "share_form": extra.pop("share_form", None) or ShareForm(),
        "max_shares": services.MAX_ACTIVE_SHARES,
        **extra,
    }


@portfolio_view("GET", "POST")
def portfolio_shares(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    """The portfolio's active links and the form for a new one; POST creates one."""
    form = ShareForm(request.POST if request.method == "POST" else None)
    extra: dict = {}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                share, token = services.create_share(portfolio=portfolio, by=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                status = 200
                extra["new_share"] = share
                extra["new_link"] = request.build_absolute_uri(reverse("shared:portfolio", args=[token]))
                form = ShareForm()
    context = _card_context(portfolio, share_form=form, **extra)
    return render_page(request, SHARES, "share_card", context, status=status)


@portfolio_view("POST")
def share_revoke(request: HttpRequest, portfolio: Portfolio, share_id) -> HttpResponse:
    share = selectors.get_share_for_user(request.user, portfolio.id, share_id)
    services.revoke_share(share=share, by=request.user)
    if not request.htmx:
        messages.success(request, f"Link {share.token_hint}… revoked: it now answers “not found”.")
        return redirect("portfolios:shares", portfolio_id=portfolio.id)
    return render_page(request, SHARES, "share_card", _card_context(portfolio, revoked=share))


def shared_portfolio(request: HttpRequest, token: str) -> HttpResponse:
    """The public, read-only performance page of a share link (no login)."""
    share = selectors.get_shared_portfolio(token)  # before the method check: a bad token is 404 for all
    if request.method not in ("GET", "HEAD"):
        return public_headers(HttpResponseNotAllowed(["GET", "HEAD"]))
    report = selectors.shared_report(share)
    charts = {
        "benchmark": report["benchmark"],
        "dates": [point["date"].isoformat() for point in report["growth"]],
        "portfolio": [point["portfolio"] for point in report["growth"]],
        "benchmark_growth": [point["benchmark"] for point in report["growth"]],
        "by_asset": [
            {"name": p["symbol"], "value": round(p["weight"] * 100, 2)}
            for p in report["positions"]
            if p["weight"] is not None
        ],
        "by_type": [
            {"name": row["type"], "value": round(row["weight"] * 100, 2)} for row in report["allocation_by_type"]
        ],
    }
    context = {
        "report": report,
        "has_benchmark": any(value is not None for value in charts["benchmark_growth"]),
        "charts_json": json.dumps(charts, cls=DjangoJSONEncoder),
        "echarts_file": echarts_file(),
    }
    return public_headers(render(request, SHARED, context))
