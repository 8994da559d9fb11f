"""Reads of portfolios: the per-user lookups every face calls, holdings with their valuation, and
the performance figures fed from the ORM.

Every lookup of a portfolio or a lot by id goes through ``get_portfolio_for_user`` or
``get_lot_for_user``: another user's object answers ``Http404``, exactly like a missing one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from apps.assets.market import market_date
from apps.assets.models import Asset, AssetType, PriceBar
from apps.assets.selectors import close_frame, close_series
from apps.portfolios import performance
from apps.portfolios.models import BacktestRun, OptimizationRun, Portfolio, PortfolioAsset, PortfolioShare

DEFAULT_BENCHMARK = "SPY"


def _as_uuid(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError) as exc:
        raise Http404("No such portfolio.") from exc


def portfolios_for_user(user) -> QuerySet[Portfolio]:
    """The user's own portfolios only, with their number of lots."""
    if not getattr(user, "is_authenticated", False):
        return Portfolio.objects.none()
    return Portfolio.objects.filter(user=user).annotate(lot_count=Count("lots")).order_by("name", "id")


def get_portfolio_for_user(user, portfolio_id) -> Portfolio:
    """The user's portfolio ``portfolio_id``; ``Http404`` for a missing id or another user's portfolio."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such portfolio.")
    try:
        return Portfolio.objects.get(pk=_as_uuid(portfolio_id), user=user)
    except Portfolio.DoesNotExist as exc:
        raise Http404("No such portfolio.") from exc


def get_lot_for_user(user, portfolio_id, lot_id) -> PortfolioAsset:
    """The lot ``lot_id`` of the user's portfolio ``portfolio_id``; ``Http404`` otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such lot.")
    try:
        return PortfolioAsset.objects.select_related("portfolio", "asset").get(
            pk=_as_uuid(lot_id), portfolio_id=_as_uuid(portfolio_id), portfolio__user=user
        )
    except PortfolioAsset.DoesNotExist as exc:
        raise Http404("No such lot.") from exc


def lots_of(portfolio: Portfolio) -> QuerySet[PortfolioAsset]:
    return portfolio.lots.select_related("asset").order_by("asset_id", "purchase_date", "created_at", "id")


def existing_symbols(symbols: set[str]) -> set[str]:
    return set(Asset.objects.filter(id__in=symbols).values_list("id", flat=True))


def latest_closes(symbols: set[str]) -> dict[str, tuple[Decimal, date]]:
    """Latest close and its date per symbol, in one query (one backward index scan per asset)."""
    latest = PriceBar.objects.filter(asset=OuterRef("pk")).order_by("-date")
    rows = (
        Asset.objects.filter(id__in=symbols)
        .annotate(last_close=Subquery(latest.values("close")[:1]), last_date=Subquery(latest.values("date")[:1]))
        .values_list("id", "last_close", "last_date")
    )
    return {symbol: (close, day) for symbol, close, day in rows if close is not None}


@dataclass
class Position:
    """Every lot of one asset, aggregated; money is Decimal."""

    asset: Asset
    lots: list[PortfolioAsset] = field(default_factory=list)
    quantity: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    price: Decimal | None = None
    price_date: date | None = None
    weight: Decimal | None = None

    @property
    def average_price(self) -> Decimal:
        return self.cost / self.quantity if self.quantity else Decimal(0)

    @property
    def market_value(self) -> Decimal | None:
        return None if self.price is None else self.quantity * self.price

    @property
    def unrealised(self) -> Decimal | None:
        value = self.market_value
        return None if value is None else value - self.cost

    @property
    def unrealised_pct(self) -> Decimal | None:
        gain = self.unrealised
        return None if gain is None or not self.cost else gain / self.cost


@dataclass
class Holdings:
    portfolio: Portfolio
    positions: list[Position]
    cost: Decimal
    market_value: Decimal
    unpriced: list[str]
    currency_mismatch: list[str]

    @property
    def unrealised(self) -> Decimal:
        return self.market_value - self.priced_cost

    @property
    def priced_cost(self) -> Decimal:
        return sum((p.cost for p in self.positions if p.price is not None), Decimal(0))

    @property
    def unrealised_pct(self) -> Decimal | None:
        return self.unrealised / self.priced_cost if self.priced_cost else None

    @property
    def lot_count(self) -> int:
        return sum(len(p.lots) for p in self.positions)

    def allocation_by_asset(self) -> list[dict]:
        return [
            {"name": p.asset.id, "value": float(p.market_value)} for p in self.positions if p.market_value is not None
        ]

    def allocation_by_type(self) -> list[dict]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for p in self.positions:
            if p.market_value is not None:
                totals[AssetType(p.asset.type).label] += p.market_value
        return [{"name": name, "value": float(value)} for name, value in sorted(totals.items())]

    @property
    def holds_crypto(self) -> bool:
        return any(p.asset.type == AssetType.CRYPTO for p in self.positions)


def holdings(portfolio: Portfolio) -> Holdings:
    """Lots aggregated per asset and valued at each asset's latest close. Two queries whatever the
    number of lots. Market value assumes the asset is priced in the portfolio's base currency (no FX
    data yet): assets in another currency are listed in ``currency_mismatch``."""
    positions: dict[str, Position] = {}
    for lot in lots_of(portfolio):
        position = positions.setdefault(lot.asset_id, Position(asset=lot.asset))
        position.lots.append(lot)
        position.quantity += lot.quantity
        position.cost += lot.quantity * lot.purchase_price
    closes = latest_closes(set(positions)) if positions else {}
    for symbol, position in positions.items():
        if symbol in closes:
            position.price, position.price_date = closes[symbol]
    market_value = sum((p.market_value for p in positions.values() if p.market_value is not None), Decimal(0))
    for position in positions.values():
        if position.market_value is not None and market_value:
            position.weight = position.market_value / market_value
    ordered = sorted(positions.values(), key=lambda p: (-(p.market_value or 0), p.asset.id))
    return Holdings(
        portfolio=portfolio,
        positions=ordered,
        cost=sum((p.cost for p in ordered), Decimal(0)),
        market_value=market_value,
        unpriced=[p.asset.id for p in ordered if p.price is None],
        currency_mismatch=[p.asset.id for p in ordered if p.asset.currency != portfolio.base_currency],
    )


@dataclass
class PortfolioSummary:
    portfolio: Portfolio
    lot_count: int = 0
    cost: Decimal = Decimal(0)
    market_value: Decimal = Decimal(0)
    priced_cost: Decimal = Decimal(0)

    @property
    def unrealised(self) -> Decimal:
        return self.market_value - self.priced_cost

    @property
    def unrealised_pct(self) -> Decimal | None:
        return self.unrealised / self.priced_cost if self.priced_cost else None


def portfolio_summaries(user) -> list[PortfolioSummary]:
    """Each of the user's portfolios with cost and market value at the latest closes: three
    queries whatever the number of portfolios and lots."""
    summaries = {p.id: PortfolioSummary(portfolio=p) for p in portfolios_for_user(user)}
    if not summaries:
        return []
    lots = list(
        PortfolioAsset.objects.filter(portfolio_id__in=summaries).values_list(
            "portfolio_id", "asset_id", "quantity", "purchase_price"
        )
    )
    closes = latest_closes({symbol for _, symbol, _, _ in lots})
    for portfolio_id, symbol, quantity, price in lots:
        summary = summaries[portfolio_id]
        summary.lot_count += 1
        summary.cost += quantity * price
        if symbol in closes:
            summary.market_value += quantity * closes[symbol][0]
            summary.priced_cost += quantity * price
    return list(summaries.values())


def benchmark_choices() -> list[str]:
    """Symbols with prices, offered as benchmarks (the index/ETF ones first)."""
    kinds = [AssetType.INDEX, AssetType.ETF]
    assets = Asset.objects.filter(Exists(PriceBar.objects.filter(asset=OuterRef("pk")))).values_list("id", "type")
    return [symbol for symbol, _ in sorted(assets, key=lambda row: (row[1] not in kinds, row[0]))]


def portfolio_performance(
    portfolio: Portfolio,
    *,
    benchmark: str = DEFAULT_BENCHMARK,
    risk_free_rate: float = performance.DEFAULT_RISK_FREE_RATE,
    positions: Holdings | None = None,
) -> performance.Performance:
    """Performance figures from the lots and the price history; a constant number of queries."""
    book = positions or holdings(portfolio)
    lots = [
        performance.Lot(lot.asset_id, float(lot.quantity), float(lot.purchase_price), lot.purchase_date)
        for position in book.positions
        for lot in position.lots
    ]
    if not lots:
        empty = close_frame([])
        return performance.compute([], empty, close_series(benchmark), holds_crypto=False)
    # A few days before the first purchase, so that a purchase on a holiday finds the last close.
    start = min(lot.purchase_date for lot in lots) - timedelta(days=10)
    symbols = [p.asset.id for p in book.positions]
    # One query for the holdings and the benchmark together.
    frame = close_frame([*symbols, benchmark], start=start)
    prices = frame[symbols].dropna(how="all")
    bench = frame[benchmark].dropna()
    return performance.compute(lots, prices, bench, holds_crypto=book.holds_crypto, risk_free_rate=risk_free_rate)


def performance_report(
    portfolio: Portfolio,
    *,
    benchmark: str = DEFAULT_BENCHMARK,
    risk_free_rate: float = performance.DEFAULT_RISK_FREE_RATE,
) -> dict:
    """Valuation, labelled figures and the value series, in the shape of ``PerformanceOutput``."""
    book = holdings(portfolio)
    perf = portfolio_performance(portfolio, benchmark=benchmark, risk_free_rate=risk_free_rate, positions=book)
    bench = perf.benchmark_value.reindex(perf.value.index)
    return {
        "holdings": book,
        "performance": perf,
        "portfolio": portfolio.id,
        "base_currency": portfolio.base_currency,
        "benchmark": benchmark,
        "start": perf.start,
        "end": perf.end,
        "periods_per_year": perf.periods_per_year,
        "risk_free_rate": perf.risk_free_rate,
        "cost": book.cost,
        "market_value": book.market_value,
        "unrealised": book.unrealised,
        "unrealised_pct": book.unrealised_pct,
        "figures": perf.figures,
        "positions": [
            {
                "symbol": p.asset.id,
                "type": p.asset.type,
                "quantity": p.quantity,
                "cost": p.cost,
                "price": p.price,
                "price_date": p.price_date,
                "market_value": p.market_value,
                "unrealised": p.unrealised,
                "unrealised_pct": p.unrealised_pct,
                "weight": p.weight,
            }
            for p in book.positions
        ],
        "series": [
            {"date": when.date(), "value": value, "benchmark_value": None if b != b else b}
            for (when, value), b in zip(perf.value.items(), bench.to_numpy(), strict=True)
        ],
        "notes": perf.notes,
    }


def get_run_for_user(user, run_id) -> OptimizationRun:
    """The user's optimisation run ``run_id``; ``Http404`` for a missing id or another user's run."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such optimisation run.")
    try:
        return OptimizationRun.objects.select_related("portfolio").get(pk=_as_uuid(run_id), portfolio__user=user)
    except OptimizationRun.DoesNotExist as exc:
        raise Http404("No such optimisation run.") from exc


def get_backtest_for_user(user, job_id) -> BacktestRun:
    """The user's backtest ``job_id``; ``Http404`` for a missing id or another user's backtest."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such backtest.")
    try:
        return BacktestRun.objects.select_related("portfolio").get(pk=_as_uuid(job_id), portfolio__user=user)
    except BacktestRun.DoesNotExist as exc:
        raise Http404("No such backtest.") from exc


def latest_run(portfolio: Portfolio) -> OptimizationRun | None:
    return portfolio.optimization_runs.order_by("-created_at").first()


# --- Share links ---------------------------------------------------------------------------------


def shares_of(portfolio: Portfolio) -> QuerySet[PortfolioShare]:
    """Every link of the portfolio, revoked ones included, newest first."""
    return portfolio.shares.order_by("-created_at", "id")


def active_shares_of(portfolio: Portfolio) -> QuerySet[PortfolioShare]:
    return shares_of(portfolio).filter(revoked_at__isnull=True)


def get_share_for_user(user, portfolio_id, share_id) -> PortfolioShare:
    """The link ``share_id`` of the user's portfolio ``portfolio_id``; ``Http404`` otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such link.")
    try:
        return PortfolioShare.objects.select_related("portfolio").get(
            pk=_as_uuid(share_id), portfolio_id=_as_uuid(portfolio_id), portfolio__user=user
        )
    except PortfolioShare.DoesNotExist as exc:
        raise Http404("No such link.") from exc


def get_shared_portfolio(token: str) -> PortfolioShare:
    """The active link whose token is ``token``, with its portfolio.

    An unknown and a revoked token raise the same ``Http404`` after the same single query (an
    equality lookup on the token's digest), so neither the answer nor its timing tells them apart.
    """
    try:
        return PortfolioShare.objects.select_related("portfolio").get(
            token_hash=PortfolioShare.digest(token), revoked_at__isnull=True
        )
    except PortfolioShare.DoesNotExist as exc:
        raise Http404("No such shared portfolio.") from exc


def _growth(returns, index) -> list[float | None]:
    """100 × Π(1 + r) along ``index``; a day without a return keeps the previous level."""
    if returns.empty:
        return [None] * len(index)
    path = (1.0 + returns.reindex(index).fillna(0.0)).cumprod() * 100.0
    return [round(float(level), 4) for level in path.to_numpy()]


def shared_report(share: PortfolioShare, *, benchmark: str = DEFAULT_BENCHMARK) -> dict:
    """What a share link shows: returns, risk figures, the growth of 100 and weights.

    Computed by ``performance_report``'s code, and stripped of everything that is not a ratio:
    no purchase price, amount paid, lot, lot date or money value is in it. Quantities (and the
    market values they imply at public closes) only when the owner chose ``include_quantities``.
    The owner's identity is never part of it.
    """
    portfolio = share.portfolio
    book = holdings(portfolio)
    perf = portfolio_performance(portfolio, benchmark=benchmark, positions=book)
    dates = perf.returns.index
    show = share.include_quantities
    positions = [
        {
            "symbol": p.asset.id,
            "name": p.asset.name,
            "type": p.asset.type,
            "type_label": AssetType(p.asset.type).label,
            "weight": None if p.weight is None else float(p.weight),
            "price": p.price,
            "price_date": p.price_date,
            "quantity": p.quantity if show else None,
            "market_value": p.market_value if show else None,
        }
        for p in book.positions
    ]
    by_type: dict[str, float] = defaultdict(float)
    for position in positions:
        if position["weight"] is not None:
            by_type[position["type_label"]] += position["weight"]
    notes = list(perf.notes)
    if book.unpriced:
        notes.append(f"No price yet for {', '.join(book.unpriced)}: left out of the weights.")
    if book.currency_mismatch:
        notes.append(
            f"{', '.join(book.currency_mismatch)} priced in another currency than {portfolio.base_currency}; "
            "weights are computed without FX conversion."
        )
    return {
        "name": portfolio.name,
        "base_currency": portfolio.base_currency,
        "include_quantities": show,
        "as_of": perf.end,
        "market_date": market_date(),
        "start": perf.start,
        "end": perf.end,
        "benchmark": benchmark,
        "periods_per_year": perf.periods_per_year,
        "risk_free_rate": perf.risk_free_rate,
        "figures": [figure for figure in perf.figures if figure.unit != "money"],
        "positions": positions,
        "allocation_by_type": [{"type": name, "weight": weight} for name, weight in sorted(by_type.items())],
        "market_value": book.market_value if show else None,
        "growth": [
            {"date": when.date(), "portfolio": value, "benchmark": bench}
            for when, value, bench in zip(
                dates, _growth(perf.returns, dates), _growth(perf.benchmark_returns, dates), strict=True
            )
        ],
        "notes": notes,
    }
