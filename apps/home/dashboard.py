"""The dashboard's read model: everything the investor's home shows, in a constant number of queries
whatever the number of portfolios, lots and watched assets.

Money is Decimal (net worth, day change, P/L, from each asset's latest close as the portfolio pages
value them); the value chart's series are floats (a drawing). The chart's benchmark line is what
the same purchases would be worth had each lot's cost bought the benchmark (SPY) on its purchase
date: both lines then include every purchase, so they compare like for like.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from apps.assets.market import market_date
from apps.assets.models import AssetType, PriceBar
from apps.assets.views import sparkline_points  # the asset list's sparklines, same box
from apps.home.models import WatchlistEntry
from apps.onchain.models import TrackedAddress, Transfer
from apps.portfolios.models import Portfolio, PortfolioAsset
from apps.portfolios.selectors import DEFAULT_BENCHMARK
from apps.predictions import scoring
from apps.predictions.models import Prediction
from apps.predictions.track_record import FIGURE_FIELDS
from quantumvest.jobs import job_models, unfinished

SPARKLINE_BARS = 63  # about three months of trading days, ending at each asset's last bar
MOVERS = 6
JOBS = 8
TRANSFERS = 5


@dataclass
class Movement:
    symbol: str
    name: str
    close: Decimal
    previous: Decimal | None
    day: date

    @property
    def change(self) -> Decimal | None:
        return None if not self.previous else self.close / self.previous - 1


@dataclass
class Holding:
    symbol: str
    name: str
    type: str
    quantity: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    value: Decimal | None = None
    day_change: Decimal | None = None


@dataclass
class ForecastRow:
    symbol: str
    prediction: Prediction
    figures: scoring.Figures | None


@dataclass
class WatchRow:
    symbol: str
    name: str
    movement: Movement | None
    sparkline: str  # SVG polyline points, "" without enough bars
    forecast: Prediction | None


@dataclass
class Dashboard:
    market_date: date
    portfolio_count: int
    lot_count: int
    currencies: list[str]
    net_worth: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    priced_cost: Decimal = Decimal(0)
    day_change: Decimal | None = None
    holdings: list[Holding] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    movers: list[Movement] = field(default_factory=list)
    forecasts: list[ForecastRow] = field(default_factory=list)
    watchlist: list[WatchRow] = field(default_factory=list)
    chart: dict = field(default_factory=dict)
    allocation: dict = field(default_factory=dict)
    jobs: list = field(default_factory=list)
    addresses: list = field(default_factory=list)
    transfers: list = field(default_factory=list)

    @property
    def pl(self) -> Decimal:
        return self.net_worth - self.priced_cost

    @property
    def pl_pct(self) -> Decimal | None:
        return self.pl / self.priced_cost if self.priced_cost else None

    @property
    def day_change_pct(self) -> Decimal | None:
        if self.day_change is None:
            return None
        before = self.net_worth - self.day_change
        return self.day_change / before if before else None


def _bars(symbols: set[str]) -> dict[str, list[tuple[date, Decimal]]]:
    """Every bar (date, close) of these assets, oldest first: one query."""
    series: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    if symbols:
        rows = PriceBar.objects.filter(asset_id__in=symbols).order_by("asset_id", "date")
        for symbol, day, close in rows.values_list("asset_id", "date", "close").iterator(chunk_size=5000):
            series[symbol].append((day, close))
    return series


def _movement(symbol: str, name: str, bars: list[tuple[date, Decimal]]) -> Movement | None:
    if not bars:
        return None
    day, close = bars[-1]
    previous = bars[-2][1] if len(bars) > 1 else None
    return Movement(symbol, name, close, previous, day)


def _value_chart(lots: list[PortfolioAsset], bars: dict, benchmark: str) -> dict:
    """Daily total value of every lot held (from its purchase date, at the last close known that
    day) and the benchmark line; dates as ISO strings, values as floats rounded to cents."""
    if not lots:
        return {}
    days = sorted({day for symbol in {lot.asset_id for lot in lots} for day, _ in bars.get(symbol, [])})
    first = min(lot.purchase_date for lot in lots)
    days = [day for day in days if day >= first]
    if not days:
        return {}

    def filled(symbol: str, hold_last: bool = True) -> list[float | None]:
        """The symbol's close on each day, the last one carried forward (as the portfolio pages value a
        holding); without ``hold_last`` nothing after the symbol's own last bar."""
        values: list[float | None] = [None] * len(days)
        last = None
        own = bars.get(symbol, [])
        known = {day: float(close) for day, close in own}
        final = own[-1][0] if own else None
        for i, day in enumerate(days):
            if not hold_last and final is not None and day > final:
                break
            last = known.get(day, last)
            values[i] = last
        return values

    closes = {symbol: filled(symbol) for symbol in {lot.asset_id for lot in lots}}
    bench = filled(benchmark, hold_last=False) if bars.get(benchmark) else None
    total = [0.0] * len(days)
    bench_total = [0.0] * len(days) if bench else None
    for lot in lots:
        start = next((i for i, day in enumerate(days) if day >= lot.purchase_date), None)
        if start is None:
            continue
        quantity, series = float(lot.quantity), closes[lot.asset_id]
        for i in range(start, len(days)):
            if series[i] is not None:
                total[i] += quantity * series[i]
        if bench_total is not None and bench[start]:
            units = float(lot.quantity * lot.purchase_price) / bench[start]
            for i in range(start, len(days)):
                if bench[i] is not None:
                    bench_total[i] += units * bench[i]
    chart = {"dates": [day.isoformat() for day in days], "value": [round(v, 2) for v in total]}
    if bench_total is not None:
        # The benchmark line ends with the benchmark's own prices: carried on, it would claim a flat market.
        last = max((i for i, close in enumerate(bench) if close is not None), default=-1)
        chart["benchmark"] = [round(v, 2) if i <= last else None for i, v in enumerate(bench_total)]
        chart["benchmark_label"] = f"Same purchases in {benchmark}"
    return chart


def _latest_forecasts(symbols: set[str]) -> dict[str, Prediction]:
    """The latest-issued forecast of each asset, its nearest horizon: one query."""
    chosen: dict[str, Prediction] = {}
    if symbols:
        newest = Prediction.objects.filter(asset_id=OuterRef("asset_id")).order_by("-as_of").values("as_of")[:1]
        rows = Prediction.objects.filter(asset_id__in=symbols, as_of=Subquery(newest)).order_by(
            "asset_id", "horizon_periods", "-timestamp"
        )
        for prediction in rows:
            chosen.setdefault(prediction.asset_id, prediction)
    return chosen


def _records(symbols: set[str]) -> dict[str, scoring.Figures]:
    """The measured record (every scored forecast) of each asset: one query."""
    grouped: dict[str, list[scoring.ScoredForecast]] = defaultdict(list)
    if symbols:
        # The public track record's figure fields (its definitions), the asset first.
        scored = FIGURE_FIELDS[FIGURE_FIELDS.index("as_of_price") :]
        rows = Prediction.objects.filter(asset_id__in=symbols, realised_price__isnull=False).values_list(
            "asset_id", *scored
        )
        for symbol, *fields in rows.iterator(chunk_size=5000):
            grouped[symbol].append(scoring.ScoredForecast(*fields))
    return {symbol: scoring.figures_of(forecasts) for symbol, forecasts in grouped.items()}


def running_jobs(user) -> list:
    """The user's unfinished jobs of every kind, newest first (one query per job model)."""
    found = []
    for model in job_models():
        found += list(unfinished(model._default_manager.filter(user=user)).order_by("-created_at")[:JOBS])
    return sorted(found, key=lambda job: job.created_at, reverse=True)[:JOBS]


def _watch_rows(watched: list[WatchlistEntry], bars: dict, forecasts: dict) -> list[WatchRow]:
    return [
        WatchRow(
            entry.asset_id,
            entry.asset.name,
            _movement(entry.asset_id, entry.asset.name, bars.get(entry.asset_id, [])),
            sparkline_points(tuple(float(close) for _day, close in bars.get(entry.asset_id, [])[-SPARKLINE_BARS:])),
            forecasts.get(entry.asset_id),
        )
        for entry in watched
    ]


def build_watchlist(user) -> list[WatchRow]:
    """The watchlist page's rows: three queries whatever its length."""
    watched = list(WatchlistEntry.objects.filter(user=user).select_related("asset").order_by("asset_id"))
    symbols = {entry.asset_id for entry in watched}
    return _watch_rows(watched, _bars(symbols), _latest_forecasts(symbols))


def build(user) -> Dashboard:
    portfolios = list(Portfolio.objects.filter(user=user).order_by("name"))
    lots = list(PortfolioAsset.objects.filter(portfolio__user=user).select_related("asset"))
    watched = list(WatchlistEntry.objects.filter(user=user).select_related("asset").order_by("asset_id"))
    held = {lot.asset_id for lot in lots}
    watched_symbols = {entry.asset_id for entry in watched}
    benchmark = DEFAULT_BENCHMARK
    bars = _bars(held | watched_symbols | ({benchmark} if lots else set()))
    names = {lot.asset_id: lot.asset.name for lot in lots} | {e.asset_id: e.asset.name for e in watched}
    board = Dashboard(
        market_date=market_date(),
        portfolio_count=len(portfolios),
        lot_count=len(lots),
        currencies=sorted({p.base_currency for p in portfolios}),
    )

    positions: dict[str, Holding] = {}
    day_change = Decimal(0)
    any_change = False
    for lot in lots:
        holding = positions.setdefault(lot.asset_id, Holding(lot.asset_id, lot.asset.name, lot.asset.type))
        holding.quantity += lot.quantity
        holding.cost += lot.quantity * lot.purchase_price
        board.cost += lot.quantity * lot.purchase_price
    for symbol, holding in positions.items():
        movement = _movement(symbol, holding.name, bars.get(symbol, []))
        if movement is None:
            board.unpriced.append(symbol)
            continue
        holding.value = holding.quantity * movement.close
        board.net_worth += holding.value
        board.priced_cost += holding.cost
        if movement.previous is not None:
            holding.day_change = holding.quantity * (movement.close - movement.previous)
            day_change += holding.day_change
            any_change = True
    board.day_change = day_change if any_change else None
    board.holdings = sorted(positions.values(), key=lambda h: (-(h.value or 0), h.symbol))

    movements = [_movement(symbol, names[symbol], bars.get(symbol, [])) for symbol in sorted(held | watched_symbols)]
    board.movers = sorted(
        (m for m in movements if m is not None and m.change is not None), key=lambda m: (-abs(m.change), m.symbol)
    )[:MOVERS]

    forecasts = _latest_forecasts(held | watched_symbols)
    records = _records(held)
    board.forecasts = [ForecastRow(s, forecasts[s], records.get(s)) for s in sorted(held) if s in forecasts]
    board.watchlist = _watch_rows(watched, bars, forecasts)

    board.chart = _value_chart(lots, bars, benchmark)
    by_type: dict[str, Decimal] = defaultdict(Decimal)
    for holding in board.holdings:
        if holding.value is not None:
            by_type[AssetType(holding.type).label] += holding.value
    board.allocation = {
        "assets": [{"name": h.symbol, "value": float(h.value)} for h in board.holdings if h.value],
        "types": [{"name": name, "value": float(value)} for name, value in sorted(by_type.items())],
    }
    board.jobs = running_jobs(user)
    board.addresses = list(TrackedAddress.objects.filter(owner=user).order_by("label", "address")[:10])
    if board.addresses:
        condition = Q()
        for address in board.addresses:
            condition |= Q(chain_id=address.chain_id, from_address=address.address) | Q(
                chain_id=address.chain_id, to_address=address.address
            )
        labels = {address.address.lower(): address.label or address.address[:10] for address in board.addresses}
        recent = Transfer.objects.filter(condition).select_related("token").order_by("-block_number", "-log_index")
        for transfer in recent[:TRANSFERS]:
            decimals = (transfer.token.decimals or 0) if transfer.token_id else 18
            board.transfers.append(
                {
                    "transfer": transfer,
                    "amount": Decimal(transfer.value) / (Decimal(10) ** decimals),
                    "unit": (transfer.token.symbol or "tokens") if transfer.token_id else "ETH",
                    "sender": labels.get(transfer.from_address.lower(), transfer.from_address[:10] + "…"),
                    "receiver": labels.get(transfer.to_address.lower(), transfer.to_address[:10] + "…"),
                }
            )
    return board
