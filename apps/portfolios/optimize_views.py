"""HTML face of the optimiser: the optimise page, one run, the list of runs and "Apply as target".

Same htmx convention as ``views``: an invalid form answers 422 with the workspace partial; a
valid one answers the fresh partial for htmx, or redirects to the run without htmx.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.portfolios import optimization, optimization_services, selectors
from apps.portfolios.access import portfolio_view
from apps.portfolios.forms import OptimizeForm
from apps.portfolios.models import OptimizationRun, Portfolio
from apps.portfolios.views import echarts_file
from quantumvest.errors import DomainError
from quantumvest.htmx import add_domain_error, render_page
from quantumvest.jobs import JobState

OPTIMIZE = "portfolios/optimize.html"
RUNS_PER_PAGE = 25


def _run_chart_data(run: OptimizationRun | None) -> dict | None:
    if run is None or run.state != JobState.SUCCEEDED or not run.weights:
        return None
    current = run.markers.get("current", {})
    return {
        "frontier": [[p["volatility"], p["expected_return"]] for p in run.frontier],
        "markers": {
            name: [point["volatility"], point["expected_return"]]
            for name, point in run.markers.items()
            if point.get("volatility") is not None
        },
        "weights": sorted(run.weights.items(), key=lambda item: -item[1]),
        "current_weights": current.get("weights", {}),
    }


def _positions(run: OptimizationRun) -> list[dict]:
    """One row per optimised asset: recommended and current weight, target quantity, the price used."""
    if run.state != JobState.SUCCEEDED:
        return []
    current = run.markers.get("current", {}).get("weights", {})
    rows = []
    for symbol, weight in sorted(run.weights.items(), key=lambda item: (-item[1], item[0])):
        price = run.prices.get(symbol, {})
        rows.append(
            {
                "symbol": symbol,
                "weight": weight,
                "current": current.get(symbol, 0.0),
                "quantity": run.allocation.get(symbol, "0"),
                "price": price.get("price"),
                "price_date": price.get("date"),
                "stale": price.get("stale", False),
            }
        )
    return rows


def _with_stale(trades: list[dict], prices: dict[str, dict]) -> list[dict]:
    return [{**t, "stale": prices.get(t["symbol"], {}).get("stale", False)} for t in trades]


def _newest_price_date(prices: dict[str, dict]) -> str | None:
    return max((p["date"] for p in prices.values()), default=None)


def _optimize_page(
    request: HttpRequest,
    portfolio: Portfolio,
    form: OptimizeForm,
    run: OptimizationRun | None,
    partial: str,
    status=200,
) -> HttpResponse:
    chart = _run_chart_data(run)
    context = {
        "portfolio": portfolio,
        "form": form,
        "run": run,
        "positions": _positions(run) if run else [],
        "trades": _with_stale(run.trades, run.prices) if run else [],
        "newest_price_date": _newest_price_date(run.prices) if run else None,
        "chart_json": None if chart is None else json.dumps(chart),
        "echarts_file": echarts_file(),
        "preferences": optimization.RISK_PREFERENCES,
        "preset_objectives": json.dumps({k: v["objective"] for k, v in optimization.RISK_PREFERENCES.items()}),
    }
    return render_page(request, OPTIMIZE, partial, context, status=status)


@portfolio_view("GET", "POST")
def portfolio_optimize(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    """The optimisation form and the latest run; POST runs (or queues) a new one."""
    if request.method == "GET":
        run = selectors.latest_run(portfolio)
        form = OptimizeForm(initial=OptimizeForm.initial_from(run.inputs) if run else {})
        return _optimize_page(request, portfolio, form, run, "workspace")
    form = OptimizeForm(request.POST)
    if form.is_valid():
        try:
            req = optimization_services.build_request(**form.as_request_kwargs())
            run, _ = optimization_services.request_optimization(portfolio=portfolio, user=request.user, request=req)
        except DomainError as error:
            add_domain_error(form, error)
            if error.status_code == 503:  # the broker is down: say so in place, with the form
                return _optimize_page(request, portfolio, form, None, "workspace", status=503)
        else:
            if not request.htmx:
                return redirect("portfolios:optimization-run", portfolio.id, run.id)
            return _optimize_page(request, portfolio, form, run, "workspace")
    return _optimize_page(request, portfolio, form, None, "workspace", status=422)


def _run_of(request: HttpRequest, portfolio: Portfolio, run_id) -> OptimizationRun:
    run = selectors.get_run_for_user(request.user, run_id)
    if run.portfolio_id != portfolio.id:
        raise Http404("No such optimisation run.")
    return run


@portfolio_view("GET")
def optimization_run(request: HttpRequest, portfolio: Portfolio, run_id) -> HttpResponse:
    """One run of this portfolio; htmx polls the ``run`` partial while it is queued or running."""
    run = _run_of(request, portfolio, run_id)
    return _optimize_page(request, portfolio, OptimizeForm(initial=OptimizeForm.initial_from(run.inputs)), run, "run")


@portfolio_view("GET")
def optimization_runs(request: HttpRequest, portfolio: Portfolio) -> HttpResponse:
    """The portfolio's optimisation runs, newest first, 25 to a page."""
    page = Paginator(optimization_services.runs_of(portfolio), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portfolios/optimization_runs.html", {"portfolio": portfolio, "page": page})


@portfolio_view("GET")
def optimization_apply(request: HttpRequest, portfolio: Portfolio, run_id) -> HttpResponse:
    """ "Apply as target": the trades from today's holdings to the run's weights. Writes nothing."""
    run = _run_of(request, portfolio, run_id)
    context = {"portfolio": portfolio, "run": run, "plan": None, "error": None}
    try:
        plan = optimization_services.plan_target(run=run)
    except DomainError as error:
        context["error"] = error
        return render(request, "portfolios/optimization_apply.html", context, status=409)
    context |= {
        "plan": plan,
        "trades": _with_stale(plan.trades, plan.prices),
        "newest_price_date": _newest_price_date(plan.prices),
        "bought": sum((float(t["value"]) for t in plan.trades if t["side"] == "buy"), 0.0),
        "sold": sum((float(t["value"]) for t in plan.trades if t["side"] == "sell"), 0.0),
    }
    return render(request, "portfolios/optimization_apply.html", context)
