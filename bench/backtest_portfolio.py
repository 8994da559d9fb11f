"""Walk-forward backtest of 20 assets over 25 years, monthly rebalancing (target ≤ 30 s).

Input: REAL data, PyPortfolioOpt's 20-stock price file (data/sample/pypfopt_stock_prices.csv,
MIT), 1993-01-01 to 2018-04-11 (assets listed later join once they have a window of history).
Settings: max Sharpe, mean historical returns, sample covariance, 252-day trailing window,
rebalance every 21 trading days, 10 bp costs, against 1/N and buy-and-hold of equal current
holdings. Timed twice: the numerical module alone, and POST /api/v1/portfolios/{id}/backtest/ end
to end (above QV_BACKTEST_SYNC_BUDGET it is a job; here the task runs eagerly inside the request
and the finished job is fetched).

Usage: .venv/bin/python bench/backtest_portfolio.py
"""

from __future__ import annotations

import time

import portfolio_bench as pb

from apps.portfolios import backtest, optimization

TARGET = 30.0


def main() -> None:
    print("REAL DATA: PyPortfolioOpt stock_prices.csv, 20 symbols")
    print(pb.load_average())
    prices = pb.real_prices().loc["1993-01-01":]
    settings = optimization.Settings(objective="max_sharpe")
    start = time.perf_counter()
    result = backtest.walk_forward(prices, settings, current_weights=dict.fromkeys(prices.columns, 1.0))
    elapsed = time.perf_counter() - start
    summary = result.summary()
    years = (result.end - result.start).days / 365.25
    print(
        f"module: {years:.1f} years out of sample, {summary['strategies']['optimized']['rebalances']} rebalances: {elapsed:.2f} s; target {TARGET} s → ratio {elapsed / TARGET:.2f}"
    )
    for name, figures in summary["strategies"].items():
        print(
            f"  {name:13s} annual {figures['annual_return']:.2%}  vol {figures['volatility']:.2%}  "
            f"Sharpe {figures['sharpe']:.2f}  maxDD {figures['max_drawdown']:.2%}  turnover {figures['turnover']:.2f}/yr"
        )
    print(f"  verdict: {summary['verdict']}")

    symbols = pb.store(pb.real_prices(), synthetic=False)
    portfolio = pb.portfolio_holding(symbols, "bench-backtest-20")
    client = pb.api_client()
    body = {
        "objective": "max_sharpe",
        "start": "1993-01-01",
        "backtest": {"window": 252, "rebalance_every": 21, "cost_bps": 10},
    }
    start = time.perf_counter()
    response = client.post(f"/api/v1/portfolios/{portfolio.id}/backtest/", body, format="json")
    if response.status_code == 202:
        response = client.get(response.json()["job_url"])
    elapsed = time.perf_counter() - start
    job = response.json()
    assert job["status"] == "succeeded", job
    print(
        f"API: POST backtest (job, eager) end to end: {elapsed:.2f} s; target {TARGET} s → ratio {elapsed / TARGET:.2f}"
    )


if __name__ == "__main__":
    main()
