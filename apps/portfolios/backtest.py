"""Walk-forward backtest of an optimiser against 1/N and buy-and-hold (no HTTP, no ORM).

How it runs (and what makes it out of sample):

- the first rebalance is on the first date with ``window`` rows of history before it; after that
  every ``rebalance_every`` rows (trading days of the price frame);
- at a rebalance on date t the optimiser sees only prices dated ≤ t (the trailing ``window`` rows
  ending at t), and the new weights earn the returns from t+1 onwards: trades happen at t's close;
- an asset is eligible at t when it has a return on at least 90% of the window's days (assets
  listed later join once they have that history); 1/N spreads over the eligible assets too;
- between rebalances weights drift with prices; a rebalance pays ``cost_bps`` basis points on the
  traded value (the sum of |target − drifted| weights); every strategy starts in cash and pays the
  cost of its first purchase;
- buy-and-hold buys the given weights once (renormalised over the assets priced at the start) and
  never trades again;
- a rebalance where the optimiser fails (e.g. no asset beats the risk-free rate for max Sharpe)
  keeps the previous weights and is counted in ``failed_rebalances``.

Metrics, from daily portfolio returns r over the out-of-sample period (frequency f = 252 or 365):
annual return = (∏(1+r))^(f/len(r)) − 1 (CAGR); period return = ∏(1+r) − 1 over the whole test;
``annualised`` is false when the test covers less than a year (fewer than f days): an annual rate
extrapolated from a few months is noise (three months of −33% read as −80% a year), so pages show
the period return instead; volatility = std(r)·√f; Sharpe = (mean(r)·f − risk-free rate) /
volatility; max drawdown = the largest peak-to-trough fall of the value, as a negative fraction
(like ``performance.max_drawdown``); turnover = the traded fraction (sum of |Δw|) summed over the rebalances after the first
purchase, divided by the years covered (2.0 means the whole portfolio was swapped once a year).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from apps.portfolios import optimization
from quantumvest.errors import DomainError, ValidationFailed

ELIGIBLE_COVERAGE = 0.9

# Receives the daily returns of the trailing window (dates ≤ t only) of the eligible assets.
WeightsFn = Callable[[pd.DataFrame], dict[str, float]]


@dataclass
class StrategyResult:
    name: str
    daily_returns: pd.Series
    weights: dict[pd.Timestamp, dict[str, float]] = field(default_factory=dict)
    traded: float = 0.0
    failed_rebalances: int = 0

    def metrics(self, *, frequency: int, risk_free_rate: float) -> dict:
        r = self.daily_returns
        n = len(r)
        growth = float(np.prod(1.0 + r.to_numpy()))
        annual_return = growth ** (frequency / n) - 1 if n and growth > 0 else -1.0
        vol = float(r.std(ddof=1) * math.sqrt(frequency)) if n > 1 else float("nan")
        sharpe = (float(r.mean()) * frequency - risk_free_rate) / vol if vol and vol > 0 else float("nan")
        value = np.cumprod(1.0 + r.to_numpy())
        peaks = np.maximum.accumulate(np.concatenate([[1.0], value]))[1:]
        max_drawdown = float(np.min(value / peaks - 1.0)) if n else 0.0
        years = n / frequency
        return {
            "annual_return": annual_return,
            "period_return": growth - 1.0 if n else 0.0,
            "annualised": n >= frequency,
            "days": n,
            "volatility": vol,
            "sharpe": sharpe,
            "max_drawdown": max_drawdown,
            "turnover": self.traded / years if years else float("nan"),
            "rebalances": len(self.weights),
            "failed_rebalances": self.failed_rebalances,
        }


@dataclass
class BacktestResult:
    start: pd.Timestamp
    end: pd.Timestamp
    strategies: dict[str, StrategyResult]
    frequency: int
    risk_free_rate: float
    settings: dict

    def summary(self) -> dict:
        """JSON-ready figures for each strategy, plus the plain-words verdict against 1/N."""
        metrics = {
            name: s.metrics(frequency=self.frequency, risk_free_rate=self.risk_free_rate)
            for name, s in self.strategies.items()
        }
        days = max((m["days"] for m in metrics.values()), default=0)
        return {
            "start": self.start.date().isoformat(),
            "end": self.end.date().isoformat(),
            "days": days,
            "annualised": days >= self.frequency,
            "settings": self.settings,
            "strategies": metrics,
            "verdict": verdict(metrics),
        }


def _pct(value: float) -> str:
    return f"{value:.1%}".replace("-", "\u2212")


def _ratio(value: float) -> str:
    return f"{value:.2f}".replace("-", "\u2212")


def verdict(metrics: dict[str, dict]) -> str:
    """One sentence comparing the optimiser with 1/N out of sample (the period's return below a year)."""
    opt, eq = metrics.get("optimized"), metrics.get("equal_weight")
    if not opt or not eq:
        return ""
    if opt.get("annualised", True):
        label, key = "annual return", "annual_return"
    else:
        label, key = f"return over the {opt['days']} trading days", "period_return"
    if not (eq["sharpe"] < opt["sharpe"]):
        text = (
            f"Out of sample, simply holding every asset equally (1/N) did better than the optimiser: "
            f"Sharpe {_ratio(eq['sharpe'])} against {_ratio(opt['sharpe'])}, {label} "
            f"{_pct(eq[key])} against {_pct(opt[key])}, with turnover "
            f"{_ratio(eq['turnover'])} against {_ratio(opt['turnover'])} per year."
        )
    else:
        text = (
            f"Out of sample, the optimiser beat 1/N: Sharpe {_ratio(opt['sharpe'])} against {_ratio(eq['sharpe'])}, "
            f"{label} {_pct(opt[key])} against {_pct(eq[key])}. Past outperformance of an optimiser is often "
            "not repeated."
        )
    if not opt.get("annualised", True):
        text += " Less than a year was tested, so this says little."
    return text


def eligible_mask(returns: pd.DataFrame, window: int) -> np.ndarray:
    """Row t, column i: asset i has a return on ≥ 90% of the window's days ending at t."""
    present = np.nan_to_num(returns.notna().to_numpy().cumsum(axis=0).astype(float))
    lagged = np.vstack([np.zeros((window - 1, returns.shape[1])), present[: -(window - 1)]])
    return (present - lagged) >= ELIGIBLE_COVERAGE * (window - 1)


def _run(
    name: str,
    prices: pd.DataFrame,
    returns: np.ndarray,
    rebalance_rows: list[int],
    target_at: Callable[[int], dict[str, float] | None],
    cost: float,
) -> StrategyResult:
    symbols = list(prices.columns)
    index = {s: i for i, s in enumerate(symbols)}
    first = rebalance_rows[0]
    out = np.zeros(len(prices) - first - 1)
    holdings = np.zeros(len(symbols))  # weights of current value, drifted; cash = 1 - sum
    result = StrategyResult(name=name, daily_returns=pd.Series(dtype=float))
    rebalance_set = set(rebalance_rows)
    pending_cost = 0.0
    for row in range(first, len(prices) - 1):
        if row in rebalance_set:
            target = target_at(row)
            if target is None:
                if row != first:
                    result.failed_rebalances += 1
            else:
                new = np.zeros(len(symbols))
                for s, w in target.items():
                    new[index[s]] = w
                traded = float(np.abs(new - holdings).sum())
                if result.weights:  # the first purchase from cash is not turnover
                    result.traded += traded
                pending_cost = traded * cost
                holdings = new
                result.weights[prices.index[row]] = dict(target)
        day = returns[row + 1]
        gross = float(holdings @ day)
        out[row - first] = (1.0 - pending_cost) * (1.0 + gross) - 1.0
        pending_cost = 0.0
        grown = holdings * (1.0 + day)
        total = 1.0 + gross
        holdings = grown / total if total > 0 else grown
    result.daily_returns = pd.Series(out, index=prices.index[first + 1 :])
    return result


def walk_forward(
    prices: pd.DataFrame,
    settings: optimization.Settings,
    *,
    current_weights: dict[str, float],
    window: int = 252,
    rebalance_every: int = 21,
    cost_bps: float = 10.0,
    weights_fn: WeightsFn | None = None,
    progress: Callable[[float], None] | None = None,
) -> BacktestResult:
    """Backtest ``settings`` (or ``weights_fn``) against 1/N and buy-and-hold of ``current_weights``.

    ``weights_fn`` receives the trailing window of returns (dates ≤ t only) and returns weights; by default it
    is ``optimization.optimize`` with ``settings``. Raises ``ValidationFailed`` for bad parameters or
    too little history.
    """
    errors = {}
    if not 20 <= window <= 5000:
        errors["window"] = ["Use a trailing window of 20 to 5000 trading days."]
    if not 1 <= rebalance_every <= 1000:
        errors["rebalance_every"] = ["Rebalance every 1 to 1000 trading days."]
    if not 0 <= cost_bps <= 1000:
        errors["cost_bps"] = ["Transaction cost must be 0 to 1000 basis points."]
    if errors:
        raise ValidationFailed("The backtest settings are not valid.", fields=errors)
    prices = prices.dropna(how="all").sort_index()
    if len(prices) < window + rebalance_every + 1:
        raise ValidationFailed(
            "Not enough price history for this backtest.",
            fields={"window": [f"Need more than {window + rebalance_every} trading days; have {len(prices)}."]},
        )
    # The optimiser sees raw returns (gaps stay gaps, as in ``optimization``); a held asset
    # earns 0 between two of its prices (a holiday on its exchange).
    raw = prices.pct_change(fill_method=None)
    returns = prices.ffill().pct_change(fill_method=None).fillna(0.0).to_numpy()
    mask = eligible_mask(raw, window)
    symbols = np.array([str(c) for c in prices.columns])
    rebalance_rows = list(range(window, len(prices) - 1, rebalance_every))
    cost = cost_bps / 10_000
    window_settings = optimization.Settings(**{**settings.__dict__, "min_observations": 2})

    def default_fn(window_returns: pd.DataFrame) -> dict[str, float]:
        return optimization.optimize_returns(window_returns, window_settings).weights

    fn = weights_fn or default_fn
    done = [0]

    def optimised(row: int) -> dict[str, float] | None:
        assets = list(symbols[mask[row]])
        done[0] += 1
        if progress:
            progress(done[0] / len(rebalance_rows))
        if len(assets) < 2:
            return None
        try:
            return fn(raw.iloc[row - window + 2 : row + 1][assets])
        except DomainError:
            return None

    def equal(row: int) -> dict[str, float] | None:
        assets = list(symbols[mask[row]])
        return {s: 1.0 / len(assets) for s in assets} if assets else None

    start_row = rebalance_rows[0]
    priced = [s for s in prices.columns if not math.isnan(prices.iloc[start_row][s])]
    held = {s: w for s, w in current_weights.items() if s in priced and w > 0}
    total = sum(held.values())

    def hold(row: int) -> dict[str, float] | None:
        return {s: w / total for s, w in held.items()}

    strategies = {
        "optimized": _run("optimized", prices, returns, rebalance_rows, optimised, cost),
        "equal_weight": _run("equal_weight", prices, returns, rebalance_rows, equal, cost),
    }
    if total > 0:
        strategies["buy_and_hold"] = _run("buy_and_hold", prices, returns, [start_row], hold, cost)
    return BacktestResult(
        start=prices.index[start_row],
        end=prices.index[-1],
        strategies=strategies,
        frequency=settings.frequency,
        risk_free_rate=settings.risk_free_rate,
        settings={
            "window": window,
            "rebalance_every": rebalance_every,
            "cost_bps": cost_bps,
            "objective": settings.objective,
            "expected_returns": settings.expected_returns,
            "risk_model": settings.risk_model,
        },
    )
