"""Portfolio performance figures: numerical code on arrays and frames, no ORM, no HTTP.

Conventions (shown to users beside every figure):

- A lot adds ``quantity × price`` to the portfolio value from its purchase date on; prices are the
  daily (adjusted where the vendor adjusts) closes, carried forward over days an asset did not trade.
  Before an asset's first price bar a lot is valued at its purchase price.
- Each purchase is an external cash flow of ``quantity × purchase price`` made at that day's close.
  It splits the day into two sub-periods: the lots held before move from ``V_{t-1}`` to their
  close value ``H_t``, then the money ``P_t`` paid for the day's purchases becomes their close
  value. The day's chained return is ``r_t = (H_t / V_{t-1}) × (V_t / (H_t + P_t)) − 1`` (the first
  factor is 1 on the first day); money put in is never counted as a gain.
- Annualisation: 365 periods a year when the portfolio holds a crypto asset (its calendar then has
  every day, and stocks are carried over weekends), else 252 trading days. Under a year of history
  (``MIN_ANNUAL_DAYS``) the money-weighted return is the period's, not an annual rate: an annual rate
  from a few months extrapolates a short run into a year. Sharpe and Sortino carry their standard
  error, which says how little a short window tells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from scipy import optimize

TRADING_DAYS = 252
CALENDAR_DAYS = 365
DEFAULT_RISK_FREE_RATE = 0.02
MIN_ANNUAL_DAYS = 365


@dataclass(frozen=True)
class Lot:
    symbol: str
    quantity: float
    price: float
    purchase_date: date


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: float | None
    unit: str  # "ratio" (0.12 = 12 %), "number" or "money"
    annualisation: str
    formula: str
    # Whether the value is an annual rate or ratio; and what a person must know to read it (why it is
    # missing, how uncertain it is), shown under the value.
    annualised: bool = False
    note: str = ""


@dataclass
class Performance:
    figures: list[Figure]
    periods_per_year: int
    risk_free_rate: float
    start: date | None
    end: date | None
    value: pd.Series  # portfolio value per day
    benchmark_value: pd.Series  # the same purchases made in the benchmark instead
    notes: list[str] = field(default_factory=list)
    # The chained daily returns r_t and the benchmark's own daily returns (from its prices): the
    # time-weighted path, which shows performance without the money put in.
    returns: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    benchmark_returns: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


# ---------------------------------------------------------------- the series


def value_and_flows(
    lots: list[Lot], prices: pd.DataFrame, *, end: date | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Daily portfolio value, money paid in, and the close value of that day's purchases.

    ``prices`` is a wide frame of closes (one column per symbol, ``DatetimeIndex``). A purchase on
    a day without a row lands on the next row. Returns ``(value, flows, bought)`` from the first
    purchase on.
    """
    if not lots:
        empty = pd.Series(dtype=float, index=pd.DatetimeIndex([]))
        return empty, empty, empty
    first = pd.Timestamp(min(lot.purchase_date for lot in lots))
    index = prices.index[prices.index >= first]
    if end is not None:
        index = index[index <= pd.Timestamp(end)]
    if len(index) == 0 or index[0] != first:
        index = index.union(pd.DatetimeIndex([first]))
    frame = prices.reindex(prices.index.union(index)).sort_index().ffill().reindex(index)

    value = np.zeros(len(index))
    flows = np.zeros(len(index))
    bought = np.zeros(len(index))
    for lot in lots:
        start = int(index.searchsorted(pd.Timestamp(lot.purchase_date)))
        if start >= len(index):
            continue
        column = frame[lot.symbol].to_numpy(dtype=float) if lot.symbol in frame else np.full(len(index), np.nan)
        held = column[start:]
        # Before the asset's first bar the lot is worth what was paid for it.
        held = np.where(np.isnan(held), lot.price, held)
        value[start:] += lot.quantity * held
        flows[start] += lot.quantity * lot.price
        bought[start] += lot.quantity * held[0]
    return pd.Series(value, index=index), pd.Series(flows, index=index), pd.Series(bought, index=index)


def flow_adjusted_returns(value: pd.Series, flows: pd.Series, bought: pd.Series) -> pd.Series:
    """Daily returns chained across purchases: r_t = (H_t / V_{t-1}) × (V_t / (H_t + P_t)) − 1, with
    H_t = V_t − bought_t the close value of the lots held before day t and P_t the money paid on t.

    Chaining them gives the time-weighted return: every purchase closes one sub-period and opens
    the next, so the money put in is never a gain.
    """
    previous = value.shift(1).fillna(0.0)
    held = value - bought
    before = (held / previous.where(previous > 0)).fillna(1.0)
    after = value / (held + flows).where(held + flows > 0)
    return (before * after - 1.0).dropna()


def benchmark_value(lots: list[Lot], benchmark: pd.Series, index: pd.DatetimeIndex) -> pd.Series:
    """Value of making the same purchases (same money, same days) in the benchmark instead."""
    if benchmark.empty or len(index) == 0:
        return pd.Series(dtype=float, index=index)
    prices = benchmark.reindex(benchmark.index.union(index)).sort_index().ffill().reindex(index)
    units = np.zeros(len(index))
    for lot in lots:
        start = int(index.searchsorted(pd.Timestamp(lot.purchase_date)))
        if start >= len(index) or np.isnan(prices.iloc[start]):
            continue
        units[start:] += lot.quantity * lot.price / prices.iloc[start]
    return pd.Series(units * prices.to_numpy(dtype=float), index=index)


# ---------------------------------------------------------------- the figures


def time_weighted_return(returns: pd.Series) -> float | None:
    """Product of (1 + r_t) − 1 over the sub-periods."""
    if returns.empty:
        return None
    return float(np.prod(1.0 + returns.to_numpy()) - 1.0)


def xirr(flows: list[tuple[date, float]]) -> float | None:
    """Annual rate r with Σ CF_i / (1 + r)^((d_i − d_0) / 365) = 0 (Excel's XIRR convention).

    Flows are signed from the investor's side: purchases negative, the current value positive.
    Solved with Brent's method for g = ln(1 + r) on [−20, 40] (r from −100 % to ~10^17, which
    keeps very short holding periods finite). ``None`` when no rate exists in that range (all
    flows on one day, all of one sign).
    """
    flows = [(d, amount) for d, amount in flows if amount != 0]
    if len(flows) < 2 or all(a > 0 for _, a in flows) or all(a < 0 for _, a in flows):
        return None
    d0 = min(d for d, _ in flows)
    years = np.array([(d - d0).days / 365.0 for d, _ in flows])
    amounts = np.array([a for _, a in flows])
    if np.all(years == years[0]):
        return None

    def npv(growth: float) -> float:
        # Σ CF_i × (1 + r)^(−t_i) with 1 + r = e^g, divided by the largest e^(−g t_i): a positive
        # factor, so the sign and the root are unchanged, and e^(20 × 38 years) cannot overflow to
        # inf − inf = NaN (a lot bought decades ago made the portfolio page answer 500).
        exponents = -growth * years
        return float(np.sum(amounts * np.exp(exponents - exponents.max())))

    low, high = -20.0, 40.0
    if npv(low) * npv(high) > 0:
        return None
    growth = optimize.brentq(npv, low, high, xtol=1e-15, rtol=1e-15, maxiter=500)
    return float(math.expm1(growth))


def sharpe_standard_error(sharpe: float | None, observations: int, periods: int) -> float | None:
    """Lo (2002), i.i.d. returns: SE(SR_annual) ≈ √((1 + SR²/2) / years), years = observations / periods."""
    if sharpe is None or observations < 2:
        return None
    return math.sqrt((1.0 + sharpe * sharpe / 2.0) / (observations / periods))


def annualised_volatility(returns: pd.Series, periods: int) -> float | None:
    if len(returns) < 2:
        return None
    return float(returns.std(ddof=1) * math.sqrt(periods))


def sharpe_ratio(returns: pd.Series, periods: int, risk_free_rate: float) -> float | None:
    """mean(r − rf/N) / std(r) × √N."""
    if len(returns) < 2:
        return None
    std = returns.std(ddof=1)
    if not std:
        return None
    return float((returns - risk_free_rate / periods).mean() / std * math.sqrt(periods))


def sortino_ratio(returns: pd.Series, periods: int, risk_free_rate: float) -> float | None:
    """mean(r − rf/N) × N / (√(mean(min(0, r − rf/N)²)) × √N)."""
    if len(returns) < 2:
        return None
    excess = returns - risk_free_rate / periods
    downside = math.sqrt(float((excess.clip(upper=0.0) ** 2).mean()))
    if not downside:
        return None
    return float(excess.mean() * periods / (downside * math.sqrt(periods)))


def max_drawdown(returns: pd.Series) -> float | None:
    """Worst fall of the time-weighted index from its running peak (a negative ratio)."""
    if returns.empty:
        return None
    index = np.concatenate([[1.0], np.cumprod(1.0 + returns.to_numpy())])
    peaks = np.maximum.accumulate(index)
    return float(np.min(index / peaks - 1.0))


def beta(returns: pd.Series, benchmark_returns: pd.Series) -> float | None:
    """cov(r_p, r_b) / var(r_b) on the days both have a return."""
    joined = pd.concat([returns, benchmark_returns], axis=1, join="inner").dropna()
    if len(joined) < 2:
        return None
    variance = joined.iloc[:, 1].var(ddof=1)
    if not variance:
        return None
    return float(joined.iloc[:, 0].cov(joined.iloc[:, 1]) / variance)


def compute(
    lots: list[Lot],
    prices: pd.DataFrame,
    benchmark: pd.Series,
    *,
    holds_crypto: bool,
    valuation_date: date | None = None,
    risk_free_rate: float = DEFAULT_RISK_FREE_RATE,
) -> Performance:
    """Every figure of the portfolio page, labelled, with its formula and annualisation."""
    periods = CALENDAR_DAYS if holds_crypto else TRADING_DAYS
    if not holds_crypto:
        # Stock portfolios live on exchange days: drop days on which none of the holdings traded.
        prices = prices.dropna(how="all")
    value, flows, bought = value_and_flows(lots, prices, end=valuation_date)
    returns = flow_adjusted_returns(value, flows, bought)
    bench_value = benchmark_value(lots, benchmark, value.index)
    # The benchmark's own daily return (from its prices), not the growth of money put into it.
    bench_prices = benchmark.reindex(benchmark.index.union(value.index)).sort_index().ffill().reindex(value.index)
    bench_returns = bench_prices.pct_change().dropna()

    cost = float(sum(lot.quantity * lot.price for lot in lots))
    current = float(value.iloc[-1]) if len(value) else None
    end = value.index[-1].date() if len(value) else None
    cash_flows = [(lot.purchase_date, -lot.quantity * lot.price) for lot in lots]
    if current is not None and end is not None:
        cash_flows.append((end, current))
    n = "252" if periods == TRADING_DAYS else "365"
    rf = f"{risk_free_rate:.2%}"
    start = value.index[0].date() if len(value) else None
    days = (end - start).days if start is not None and end is not None else 0
    short = days < MIN_ANNUAL_DAYS
    money_weighted, money_weighted_annualised, money_weighted_note = _money_weighted(cash_flows, days)
    sharpe = sharpe_ratio(returns, periods, risk_free_rate)
    sortino = sortino_ratio(returns, periods, risk_free_rate)
    per_period = "daily returns r_t = (H_t / V_(t−1)) × (V_t / (H_t + P_t)) − 1 (H_t: close value of lots held before day t, P_t: money paid for that day's purchases)"
    figures = [
        Figure(
            "twr",
            "Time-weighted return",
            time_weighted_return(returns),
            "ratio",
            "cumulative, not annualised",
            f"Π(1 + r_t) − 1 over {per_period}: each purchase ends one sub-period and starts the next, "
            "so money put in is not a gain.",
        ),
        Figure(
            "xirr",
            "Money-weighted return (XIRR)",
            money_weighted,
            "ratio",
            "annual rate, actual/365 days"
            if money_weighted_annualised
            else f"over the period ({days} days), not annualised: under a year of history",
            "The rate r solving Σ CF_i / (1 + r)^(days_i / 365) = 0 with each purchase as a negative flow on its "
            "date and today's market value as the final positive flow (Brent's method). Under a year of history "
            "it is shown for the period, (1 + r)^(days / 365) − 1: an annual rate from a few months would "
            "extrapolate a short run into a year.",
            annualised=money_weighted_annualised,
            note=money_weighted_note,
        ),
        Figure(
            "simple_return",
            "Simple return",
            (current - cost) / cost if current is not None and cost else None,
            "ratio",
            "cumulative, not annualised",
            "(market value − cost) / cost, ignoring when the money went in.",
        ),
        Figure(
            "volatility",
            "Annualised volatility",
            annualised_volatility(returns, periods),
            "ratio",
            f"× √{n}",
            f"Sample standard deviation of {per_period}, × √{n}.",
            annualised=True,
            note=_missing(returns, 2, "needs at least two daily returns"),
        ),
        Figure(
            "sharpe",
            "Sharpe ratio",
            sharpe,
            "number",
            f"× √{n}",
            f"mean(r_t − rf/{n}) / std(r_t) × √{n}, risk-free rate rf = {rf} a year. Its standard error "
            "(Lo 2002, for independent returns) is √((1 + SR²/2) / years).",
            annualised=True,
            note=_ratio_note(sharpe, len(returns), periods, days, short)
            or _missing(returns, 2, "needs at least two daily returns"),
        ),
        Figure(
            "sortino",
            "Sortino ratio",
            sortino,
            "number",
            f"× √{n}",
            f"mean(r_t − rf/{n}) × {n} / (√mean(min(0, r_t − rf/{n})²) × √{n}), rf = {rf} a year.",
            annualised=True,
            note=(f"from {days} days: under a year, a short window" if short and sortino is not None else "")
            or (
                "no day fell short of the risk-free rate"
                if sortino is None and len(returns) >= 2
                else _missing(returns, 2, "needs at least two daily returns")
            ),
        ),
        Figure(
            "max_drawdown",
            "Maximum drawdown",
            max_drawdown(returns),
            "ratio",
            "none (a path measure)",
            "The worst fall of the time-weighted index Π(1 + r_t) from its running peak.",
        ),
        Figure(
            "beta",
            "Beta to the benchmark",
            beta(returns, bench_returns),
            "number",
            "none (a ratio of daily moments)",
            "cov(r_portfolio, r_benchmark) / var(r_benchmark) on daily returns over the same days.",
        ),
    ]
    notes = []
    if len(returns) < 2:
        notes.append("Fewer than two daily returns: volatility, Sharpe, Sortino and beta need more history.")
    if benchmark.empty:
        notes.append("The benchmark has no prices: beta and the comparison are not available.")
    elif end is not None and benchmark.index[-1].date() < end and not _held_and_stale(benchmark, lots, prices, end):
        # (A benchmark that is also a holding is named once, in the holdings' note below.)
        notes.append(
            f"The benchmark's last price is from {benchmark.index[-1].date():%Y-%m-%d}; "
            "it is carried forward to the end of the period."
        )
    if end is not None:
        stale: dict[date, list[str]] = {}
        for symbol in sorted({lot.symbol for lot in lots}):
            last = prices[symbol].last_valid_index() if symbol in prices else None
            if last is not None and last.date() < end:
                stale.setdefault(last.date(), []).append(symbol)
        for last_day, symbols in sorted(stale.items()):
            benchmark_too = " (also the benchmark)" if benchmark.name in symbols else ""
            notes.append(
                f"Last price of {', '.join(symbols)}{benchmark_too} is from {last_day:%Y-%m-%d}; carried forward to "
                f"{end:%Y-%m-%d}."
            )
    return Performance(
        figures=figures,
        periods_per_year=periods,
        risk_free_rate=risk_free_rate,
        start=start,
        end=end,
        value=value,
        benchmark_value=bench_value,
        notes=notes,
        returns=returns,
        benchmark_returns=bench_returns,
    )


def _money_weighted(cash_flows: list[tuple[date, float]], days: int) -> tuple[float | None, bool, str]:
    """The XIRR figure: (value, annualised, note). Under a year, the period's money-weighted return."""
    rate = xirr(cash_flows)
    if rate is None:
        if len({d for d, amount in cash_flows if amount}) < 2:
            return None, True, "needs money in and a value on different days: everything is from one day"
        return None, True, "no single rate reproduces these cash flows"
    if days >= MIN_ANNUAL_DAYS:
        return rate, True, ""
    first = min(d for d, _ in cash_flows)
    last = max(d for d, _ in cash_flows)
    period = math.expm1(math.log1p(rate) * (last - first).days / 365.0) if rate > -1 else -1.0
    return period, False, f"for the {days} days held, not a yearly rate: under a year of history"


def _ratio_note(ratio: float | None, observations: int, periods: int, days: int, short: bool) -> str:
    error = sharpe_standard_error(ratio, observations, periods)
    if error is None:
        return ""
    window = f"from {days} days: under a year, a short window" if short else f"over {days / 365:.1f} years"
    return f"± {error:.2f} (one standard error) {window}"


def _missing(returns: pd.Series, needed: int, reason: str) -> str:
    return reason if len(returns) < needed else ""


def _held_and_stale(benchmark: pd.Series, lots: list[Lot], prices: pd.DataFrame, end: date) -> bool:
    """Is the benchmark one of the holdings, whose stale last price the holdings' note already names?"""
    symbol = benchmark.name
    if symbol not in {lot.symbol for lot in lots} or symbol not in prices:
        return False
    last = prices[symbol].last_valid_index()
    return last is not None and last.date() == benchmark.index[-1].date() and last.date() < end
