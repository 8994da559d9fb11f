"""Efficient frontier of 30 points for 50 assets (target ≤ 3 s).

Input: SYNTHETIC BENCHMARK INPUT built from real return blocks (bench/portfolio_bench.py), 756
trading days; mean historical returns, sample covariance, long-only. Timed: the numerical module
(``optimization.frontier``: one min-volatility solve, then 29 efficient_return solves of one
re-parametrised Clarabel problem), and the same through the API (POST optimize with
frontier_points=30, which also computes max Sharpe, allocation and trades).

Usage: .venv/bin/python bench/frontier.py [--repeat 5]
"""

from __future__ import annotations

import argparse

import portfolio_bench as pb

from apps.portfolios import optimization

TARGET = 3.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("SYNTHETIC BENCHMARK INPUT (real return blocks resampled; never shown to users)")
    print(pb.load_average())
    prices = pb.synthetic_prices(50, 756, seed=50)
    settings = optimization.Settings(objective="max_sharpe")
    result = optimization.optimize(prices, settings)
    median, best, points = pb.timed(lambda: optimization.frontier(result.mu, result.cov, settings, 30), args.repeat)
    print(
        f"module: 30-point frontier, 50 assets: median {median:.3f} s, best {best:.3f} s, {len(points)} points; target {TARGET} s → ratio {median / TARGET:.2f}"
    )

    symbols = pb.store(prices, synthetic=True)
    portfolio = pb.portfolio_holding(symbols, "bench-frontier-50")
    client = pb.api_client()
    body = {"objective": "max_sharpe", "frontier_points": 30}
    url = f"/api/v1/portfolios/{portfolio.id}/optimize/"
    median, best, response = pb.timed(lambda: client.post(url, body, format="json"), args.repeat)
    assert response.status_code == 200, response.json()
    print(
        f"API: optimize with 30-point frontier, 50 assets: median {median:.3f} s, best {best:.3f} s; target {TARGET} s → ratio {median / TARGET:.2f}"
    )


if __name__ == "__main__":
    main()
