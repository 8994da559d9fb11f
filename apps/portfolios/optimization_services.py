"""Optimisation and backtest use cases: feed ``optimization`` and ``backtest`` from the ORM, store runs.

Every face (API, page, Celery task) calls ``request_optimization`` / ``request_backtest`` with a
portfolio it obtained through ``selectors.get_portfolio_for_user``. Small runs are computed in the
request; larger ones (estimated work above ``QV_OPTIMIZE_SYNC_BUDGET`` / ``QV_BACKTEST_SYNC_BUDGET``)
are queued as Celery jobs that report progress on the run row.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd
from django.conf import settings as django_settings
from django.db.models import Max, Min, QuerySet

from apps.assets.models import AssetType, PriceBar
from apps.portfolios import backtest, optimization, selectors
from apps.portfolios.models import BacktestRun, OptimizationRun, Portfolio
from apps.portfolios.optimization_data import (
    Universe,
    Window,
    load_prices,
    prediction_views,
    universe_of,
    window_bounds,
)
from quantumvest import jobs
from quantumvest.errors import Conflict, DomainError, ValidationFailed

CENT = Decimal("0.01")


@dataclass(frozen=True)
class BacktestParams:
    window: int = 252
    rebalance_every: int = 21
    cost_bps: float = 10.0


@dataclass(frozen=True)
class OptimizeRequest:
    settings: optimization.Settings
    candidates: tuple[str, ...] = ()
    risk_preference: str | None = None
    window: Window = field(default_factory=Window)
    frontier_points: int = optimization.FRONTIER_POINTS
    backtest: BacktestParams | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        data["settings"]["weight_bounds"] = list(self.settings.weight_bounds)
        for key in ("start", "end"):
            value = data["window"][key]
            data["window"][key] = value.isoformat() if value else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> OptimizeRequest:
        s = dict(data["settings"])
        s["weight_bounds"] = tuple(s["weight_bounds"])
        w = dict(data["window"])
        for key in ("start", "end"):
            w[key] = date.fromisoformat(w[key]) if w[key] else None
        bt = data.get("backtest")
        return cls(
            settings=optimization.Settings(**s),
            candidates=tuple(data.get("candidates") or ()),
            risk_preference=data.get("risk_preference"),
            window=Window(**w),
            frontier_points=data.get("frontier_points", optimization.FRONTIER_POINTS),
            backtest=BacktestParams(**bt) if bt else None,
        )


def build_request(
    *,
    objective: str | None = None,
    risk_preference: str | None = None,
    expected_returns: str | None = None,
    compounding: bool = True,
    risk_model: str | None = None,
    risk_free_rate: float = optimization.DEFAULT_RISK_FREE_RATE,
    weight_bounds: tuple[float, float] | list[float] = (0.0, 1.0),
    target_volatility: float | None = None,
    target_return: float | None = None,
    risk_aversion: float | None = None,
    candidates: list[str] | tuple[str, ...] = (),
    start: date | None = None,
    end: date | None = None,
    lookback_days: int | None = None,
    frontier_points: int = optimization.FRONTIER_POINTS,
    backtest: dict | None = None,
) -> OptimizeRequest:
    """Resolve a risk preference or explicit objective into full settings; ``ValidationFailed`` names the field.

    An explicit ``objective``, ``expected_returns``, ``risk_model`` or ``risk_aversion`` wins over
    what the preference would choose. Without a window the full price history is used.
    """
    errors: dict[str, list[str]] = {}
    preset: dict = {}
    if risk_preference:
        if risk_preference not in optimization.RISK_PREFERENCES:
            errors["risk_preference"] = [f"Choose one of: {', '.join(optimization.RISK_PREFERENCES)}."]
        else:
            preset = optimization.RISK_PREFERENCES[risk_preference]
    elif not objective:
        errors["objective"] = ["Give an objective or a risk_preference."]
    if start and end and start >= end:
        errors["start"] = ["The start must be before the end."]
    if lookback_days is not None and start:
        errors["lookback_days"] = ["Give either start or lookback_days, not both."]
    if lookback_days is not None and not 30 <= lookback_days <= 36500:
        errors["lookback_days"] = ["Use 30 to 36500 calendar days."]
    if not 0 <= frontier_points <= 60:
        errors["frontier_points"] = ["Use 0 to 60 points."]
    bounds = tuple(float(b) for b in weight_bounds)
    if len(bounds) != 2:
        errors["weight_bounds"] = ["Give two numbers: [low, high]."]
    symbols = tuple(dict.fromkeys(str(c).strip().upper() for c in candidates if str(c).strip()))
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    settings = optimization.Settings(
        objective=objective or preset["objective"],
        expected_returns=expected_returns or preset.get("expected_returns", "mean_historical"),
        compounding=compounding,
        risk_model=risk_model or preset.get("risk_model", "sample_cov"),
        risk_free_rate=float(risk_free_rate),
        weight_bounds=bounds,
        target_volatility=target_volatility,
        target_return=target_return,
        risk_aversion=risk_aversion if risk_aversion is not None else preset.get("risk_aversion", 1.0),
    )
    optimization.validate(settings)
    bt = None
    if backtest is not None:
        bt = BacktestParams(**{**asdict(BacktestParams()), **backtest})
    return OptimizeRequest(
        settings=settings,
        candidates=symbols,
        risk_preference=risk_preference or None,
        window=Window(start=start, end=end, lookback_days=lookback_days),
        frontier_points=frontier_points,
        backtest=bt,
    )


# --- Optimisation --------------------------------------------------------------------------------


def _dec(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


STALE_AFTER_DAYS = 4  # a weekend and a holiday: an exchange close older than that lags the others


def price_table(latest: dict[str, tuple[Decimal, date]], symbols: list[str]) -> dict[str, dict]:
    """The close each trade uses, with its date; ``stale`` when it is older than the usual date of
    the others (their median latest close) by more than ``STALE_AFTER_DAYS`` calendar days: the
    asset stopped being priced, and its trade uses an old price."""
    dated = {s: latest[s] for s in symbols if s in latest}
    usual = _median_day([day for _, day in dated.values()])
    return {
        s: {
            "price": _dec(price),
            "date": day.isoformat(),
            "stale": (usual - day).days > STALE_AFTER_DAYS,
        }
        for s, (price, day) in sorted(dated.items())
    }


def _median_day(days: list[date]) -> date | None:
    ordered = sorted(days)
    return ordered[(len(ordered) - 1) // 2] if ordered else None


def stale_price_notes(prices: dict[str, dict]) -> list[str]:
    """Say which closes are older than most (``stale``) and which are newer than most."""
    usual = _median_day([date.fromisoformat(p["date"]) for p in prices.values()])
    notes = [
        f"{s}: its latest close is from {p['date']}, older than the others' ({usual.isoformat()}); "
        "its trade is priced at that old close."
        for s, p in prices.items()
        if p["stale"]
    ]
    newer = [
        f"{s} ({p['date']})"
        for s, p in prices.items()
        if (date.fromisoformat(p["date"]) - usual).days > STALE_AFTER_DAYS
    ]
    if newer:
        notes.append(f"Priced at later closes than most assets ({usual.isoformat()}): {', '.join(newer)}.")
    return notes


def trades_to_target(
    current: dict[str, Decimal], target: dict[str, Decimal], prices: dict[str, tuple[Decimal, date]]
) -> list[dict]:
    """Orders that take the current quantities to the target ones: sells first, then buys. Each
    states the close it is priced at and that close's date."""
    out = []
    for symbol in sorted(set(current) | set(target)):
        delta = target.get(symbol, Decimal(0)) - current.get(symbol, Decimal(0))
        if delta == 0:
            continue
        price, day = prices[symbol]
        out.append(
            {
                "symbol": symbol,
                "side": "buy" if delta > 0 else "sell",
                "quantity": _dec(abs(delta)),
                "price": _dec(price),
                "price_date": day.isoformat(),
                "value": _dec((abs(delta) * price).quantize(CENT, rounding=ROUND_HALF_EVEN)),
            }
        )
    return sorted(out, key=lambda t: (t["side"] != "sell", t["symbol"]))


@dataclass
class TargetPlan:
    """Whole-share quantities for target weights, the trades from the holdings to them, and the
    prices used (with dates). Money and quantities are Decimal; ``prices`` and ``trades`` are JSON-ready."""

    weights: dict[str, float]
    allocation: dict[str, Decimal]
    leftover: Decimal
    budget: Decimal
    trades: list[dict]
    prices: dict[str, dict]
    notes: list[str]
    warnings: list[str]


def plan_for_weights(weights: dict[str, float], universe: Universe, *, currency: str) -> TargetPlan:
    """Spend the current value of the optimised holdings on ``weights`` at each asset's latest close.

    Whole shares (PyPortfolioOpt's greedy allocation), crypto to 8 decimals; holdings outside
    ``weights`` are kept as they are. Every price is the asset's latest close, and its date is stated.
    """
    symbols = list(weights)
    positions = {p.asset.id: p for p in universe.book.positions if p.price is not None}
    current_value = {s: positions[s].market_value for s in symbols if s in positions}
    budget = sum(current_value.values(), Decimal(0))
    latest = {s: universe.latest[s] for s in symbols if s in universe.latest}
    fractional = frozenset(s for s in symbols if universe.assets[s].type == AssetType.CRYPTO)
    allocation, leftover = optimization.discrete_allocation(
        weights, {s: price for s, (price, _) in latest.items()}, budget, fractional=fractional
    )
    prices = price_table(latest, symbols)
    notes = []
    left_alone = [p for p in positions if p not in symbols]
    if left_alone:
        notes.append(f"Held but left out of the optimisation, kept as they are: {', '.join(left_alone)}.")
    notes.append(
        f"Allocation of the current value of the optimised holdings ({_dec(budget.quantize(CENT))} "
        f"{currency}) at each asset's latest close (dates beside the prices): whole shares (greedy), "
        "crypto to 8 decimals."
    )
    trades = trades_to_target({s: positions[s].quantity for s in symbols if s in positions}, allocation, latest)
    return TargetPlan(
        weights=weights,
        allocation=allocation,
        leftover=leftover.quantize(CENT, rounding=ROUND_HALF_EVEN),
        budget=budget,
        trades=trades,
        prices=prices,
        notes=notes,
        warnings=stale_price_notes(prices),
    )


def plan_target(*, run: OptimizationRun) -> TargetPlan:
    """ "Apply as target": the trades that take the portfolio's holdings *now* to the run's
    recommended weights, at today's latest closes (the holdings or prices may have changed since
    the run). Reads only: nothing is bought, sold or recorded.

    Raises ``Conflict`` (code ``run_not_finished``) for a run without a recommendation and
    ``ValidationFailed`` for one whose assets can no longer be priced.
    """
    if run.state != jobs.JobState.SUCCEEDED or not run.weights:
        raise Conflict(
            "Only a finished optimisation has a recommendation to apply.",
            fields={"run": ["This run has not succeeded."]},
            code="run_not_finished",
        )
    weights = {s: float(w) for s, w in run.weights.items()}
    held = tuple(p.asset.id for p in selectors.holdings(run.portfolio).positions if p.price is not None)
    universe = universe_of(run.portfolio, tuple(s for s in weights if s not in held))
    unpriced = [s for s, w in weights.items() if w > 1e-6 and s not in universe.latest]
    if unpriced:
        raise ValidationFailed(
            f"No price for {', '.join(unpriced)}.", fields={"run": [f"No close for {', '.join(unpriced)}."]}
        )
    return plan_for_weights(weights, universe, currency=run.portfolio.base_currency)


def runs_of(portfolio: Portfolio) -> QuerySet[OptimizationRun]:
    """The portfolio's optimisation runs, newest first, without the bulky frontier and notes."""
    return portfolio.optimization_runs.order_by("-created_at").defer("frontier", "notes", "inputs")


def _clean(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 10)


def compute_run(
    run: OptimizationRun,
    progress: Callable[[int, str], None] = lambda p, m: None,
    universe: Universe | None = None,
) -> None:
    """Fill ``run`` with the optimisation of its inputs (not saved). Raises ``DomainError``."""
    req = OptimizeRequest.from_json(run.inputs)
    universe = universe or universe_of(run.portfolio, req.candidates)
    prices, frequency, notes = load_prices(universe, req.window)
    settings = optimization.Settings(**{**asdict(req.settings), "frequency": frequency})
    views = None
    if settings.objective == "black_litterman":
        views, view_notes = prediction_views(universe.symbols, universe.assets)
        notes += view_notes
    progress(10, "Estimating returns and risk")
    result = optimization.optimize(prices, settings, views=views)
    notes += result.notes
    if req.risk_preference:
        notes.insert(
            0,
            f"Risk preference {req.risk_preference}: {optimization.RISK_PREFERENCES[req.risk_preference]['description']}",
        )
    progress(30, "Optimised; tracing the efficient frontier")
    symbols = list(result.weights)
    positions = {p.asset.id: p for p in universe.book.positions if p.price is not None}
    current_value = {s: positions[s].market_value for s in symbols if s in positions}
    budget = sum(current_value.values(), Decimal(0))
    short_history = (
        [
            f"Estimated from {len(prices)} trading days, less than a year: the annual figures are "
            "extrapolated from that short history."
        ]
        if len(prices) < frequency
        else []
    )
    run.markers = {
        "recommendation": {
            "expected_return": result.expected_return,
            "volatility": result.volatility,
            "sharpe": result.sharpe,
        },
        "equal_weight": optimization.point({s: 1.0 for s in symbols}, result.mu, result.cov, settings.risk_free_rate),
        "current": optimization.point(
            {s: float(v) for s, v in current_value.items()}, result.mu, result.cov, settings.risk_free_rate
        ),
    }
    if budget:
        run.markers["current"]["weights"] = {s: round(float(v / budget), 8) for s, v in current_value.items()}
    if req.frontier_points:
        # The same mu, cov, bounds and risk-free rate as the recommendation and the markers; an
        # optimised recommendation (all but HRP) is on this frontier, so it is one of its points.
        on_frontier = run.markers["recommendation"] if settings.objective != "hrp" else None
        run.frontier = optimization.frontier(result.mu, result.cov, settings, req.frontier_points, through=on_frontier)
        if settings.objective == "black_litterman":
            notes.append("The frontier uses the Black-Litterman posterior returns and covariance.")
        notes += _markers_outside_bounds(run.markers, symbols, settings.weight_bounds)
    plan = plan_for_weights(result.weights, universe, currency=run.portfolio.base_currency)
    notes += plan.notes
    run.weights = {s: round(w, 8) for s, w in result.weights.items()}
    run.expected_return, run.volatility, run.sharpe = (
        _clean(result.expected_return),
        _clean(result.volatility),
        _clean(result.sharpe),
    )
    run.allocation = {s: _dec(q) for s, q in plan.allocation.items()}
    run.prices = plan.prices
    run.leftover_cash = plan.leftover
    run.trades = plan.trades
    run.warnings = result.warnings + short_history + plan.warnings
    run.notes = notes
    if req.backtest:
        progress(60, "Backtesting out of sample")
        weights_now = {s: float(v) for s, v in current_value.items()}
        run.backtest = run_backtest_on(
            prices, settings, req.backtest, weights_now, lambda f: progress(60 + int(39 * f), "Backtesting")
        )


MARKER_NAMES = {"current": "Your current portfolio", "equal_weight": "Equal weights (1/N)"}


def _markers_outside_bounds(markers: dict, symbols: list[str], bounds: tuple[float, float]) -> list[str]:
    """Notes for marked portfolios whose weights break the bounds: the frontier does not bound them."""
    if tuple(bounds) == (0.0, 1.0):
        return []
    weights = {
        "current": {s: markers["current"].get("weights", {}).get(s, 0.0) for s in symbols},
        "equal_weight": {s: 1.0 for s in symbols},
    }
    return [
        f"{MARKER_NAMES[name]} has weights outside {bounds[0]:.0%}–{bounds[1]:.0%}, so it can plot above "
        "the frontier, which holds only for weights within those bounds."
        for name, w in weights.items()
        if markers.get(name) and not optimization.within_bounds(w, bounds)
    ]


def run_backtest_on(
    prices: pd.DataFrame,
    settings: optimization.Settings,
    params: BacktestParams,
    current_weights: dict[str, float],
    progress: Callable[[float], None] | None = None,
) -> dict:
    """The walk-forward summary, JSON-ready; Black-Litterman is refused (today's views would leak)."""
    if settings.objective == "black_litterman":
        raise ValidationFailed(
            "A walk-forward backtest of Black-Litterman would use today's predictions in the past.",
            fields={"objective": ["Backtest another objective."]},
        )
    result = backtest.walk_forward(
        prices,
        settings,
        current_weights=current_weights,
        window=params.window,
        rebalance_every=params.rebalance_every,
        cost_bps=params.cost_bps,
        progress=progress,
    )
    summary = result.summary()
    summary["strategies"] = {
        name: {k: _clean(v) if isinstance(v, float) else v for k, v in figures.items()}
        for name, figures in summary["strategies"].items()
    }
    return summary


def _optimize_work(n_assets: int, req: OptimizeRequest) -> int:
    return n_assets * (1 + req.frontier_points)


def _backtest_work(params: BacktestParams, window: Window, universe: Universe) -> int:
    """Estimated rebalances × assets, from the date span of the universe's bars."""
    n_assets = len(universe.symbols)
    start, end = window_bounds(window, universe)
    bars = PriceBar.objects.filter(asset_id__in=universe.symbols)
    if start:
        bars = bars.filter(date__gte=start)
    if end:
        bars = bars.filter(date__lte=end)
    span = bars.aggregate(first=Min("date"), last=Max("date"))
    if not span["first"]:
        return 0
    rows = (span["last"] - span["first"]).days * 252 / 365
    return n_assets * max(int((rows - params.window) / params.rebalance_every), 0)


def _finish(job, compute: Callable[[], None]) -> None:
    """Run ``compute`` for a started job and record success or the failure on the row: a domain
    error with its fields and code, anything else (a time limit included) through ``jobs.running``."""
    with jobs.running(job):
        try:
            compute()
        except DomainError as exc:
            type(job).objects.filter(pk=job.pk).update(error_fields=exc.fields, result={"code": exc.code})
            raise
        job.save()
        jobs.succeed(job, result=job.result)


def perform_optimization(run: OptimizationRun, universe: Universe | None = None) -> OptimizationRun:
    """Compute a queued run once (a repeated delivery of a finished run does nothing).

    ``universe`` is given by a request computing the run synchronously: it already loaded the
    holdings, and nobody polls the run's progress, so none is written.
    """
    if not jobs.start(run):
        return run

    def report(percent: int, message: str) -> None:
        if universe is None:
            jobs.report_progress(run, percent, message)

    _finish(run, lambda: compute_run(run, report, universe))
    return run


def request_optimization(*, portfolio: Portfolio, user, request: OptimizeRequest) -> tuple[OptimizationRun, bool]:
    """Create a run; compute it now when small, else queue it. Returns (run, queued).

    Raises ``ValidationFailed`` for inputs that cannot run (unknown symbols, bad settings, fewer than
    two assets). A run that fails while computing synchronously raises its ``DomainError`` after
    the failure is stored on the row.
    """
    universe = universe_of(portfolio, request.candidates)
    optimization.validate(request.settings, n_assets=len(universe.symbols))
    work = _optimize_work(len(universe.symbols), request)
    queued = work > django_settings.QV_OPTIMIZE_SYNC_BUDGET or (
        request.backtest is not None
        and _backtest_work(request.backtest, request.window, universe) > django_settings.QV_BACKTEST_SYNC_BUDGET
    )
    run = OptimizationRun.objects.create(
        portfolio=portfolio, user=user, objective=request.settings.objective, inputs=request.as_json()
    )
    if queued:
        from apps.portfolios.tasks import run_optimization

        return jobs.submit(run, run_optimization), True
    perform_optimization(run, universe)
    if run.state == jobs.JobState.FAILED:
        raise ValidationFailed(run.error, fields=run.error_fields, code=run.result.get("code"))
    return run, False


# --- Backtest ------------------------------------------------------------------------------------


def perform_backtest(job: BacktestRun) -> BacktestRun:
    if not jobs.start(job):
        return job

    def compute() -> None:
        req = OptimizeRequest.from_json(job.inputs)
        universe = universe_of(job.portfolio, req.candidates)
        prices, frequency, notes = load_prices(universe, req.window)
        settings = optimization.Settings(**{**asdict(req.settings), "frequency": frequency})
        weights = {p.asset.id: float(p.market_value) for p in universe.book.positions if p.market_value is not None}
        summary = run_backtest_on(
            prices,
            settings,
            req.backtest or BacktestParams(),
            weights,
            lambda f: jobs.report_progress(job, int(99 * f), "Backtesting"),
        )
        summary["notes"] = notes
        job.result = summary

    _finish(job, compute)
    return job


def request_backtest(*, portfolio: Portfolio, user, request: OptimizeRequest) -> tuple[BacktestRun, bool]:
    """A walk-forward backtest of the request's settings; computed now when small, else queued."""
    params = request.backtest or BacktestParams()
    universe = universe_of(portfolio, request.candidates)
    optimization.validate(request.settings, n_assets=len(universe.symbols))
    if request.settings.objective == "black_litterman":
        raise ValidationFailed(
            "A walk-forward backtest of Black-Litterman would use today's predictions in the past.",
            fields={"objective": ["Backtest another objective."]},
        )
    job = BacktestRun.objects.create(
        portfolio=portfolio, user=user, inputs={**request.as_json(), "backtest": asdict(params)}
    )
    work = _backtest_work(params, request.window, universe)
    if work > django_settings.QV_BACKTEST_SYNC_BUDGET:
        from apps.portfolios.tasks import run_backtest

        return jobs.submit(job, run_backtest), True
    perform_backtest(job)
    if job.state == jobs.JobState.FAILED:
        raise ValidationFailed(job.error, fields=job.error_fields, code=job.result.get("code"))
    return job, False
