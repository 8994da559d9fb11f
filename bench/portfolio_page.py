"""Portfolio page and performance API with 20 vs 200 lots: queries and time (target: query count
constant in the number of lots; tests/portfolios/test_views.py asserts it).

Input: real sample prices (pypfopt_stock_prices.csv, 20 US stocks, 1990–2018, adjusted closes; see
data/sample/PROVENANCE.md) and SPY (pypfopt_spy_prices.csv) as the benchmark. Lots are
spread over the 20 stocks with purchase dates between 2008 and 2016 (a fixed random seed).
Timed: GET /portfolios/<id>/ (full page: valuation, holdings, metrics, charts' data), the htmx
performance fragment, and GET /api/v1/portfolios/<id>/performance/, in-process through the real
middleware, session, views and PostgreSQL.

Usage: .venv/bin/python bench/portfolio_page.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import portfolio_bench as pb
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.portfolios.models import Portfolio, PortfolioAsset


def build(symbols: list[str], n_lots: int) -> Portfolio:
    user = User.objects.get(email="bench@example.com")
    name = f"bench-page-{n_lots}"
    Portfolio.objects.filter(user=user, name=name).delete()
    portfolio = Portfolio.objects.create(user=user, name=name)
    rng = random.Random(n_lots)
    PortfolioAsset.objects.bulk_create(
        PortfolioAsset(
            portfolio=portfolio,
            asset_id=rng.choice(symbols),
            quantity=Decimal(rng.randint(1, 50)),
            purchase_price=Decimal(rng.randint(10, 200)),
            purchase_date=date(2008, 1, 2) + timedelta(days=rng.randint(0, 3200)),
        )
        for _ in range(n_lots)
    )
    return portfolio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("Real sample prices (see PROVENANCE.md);", pb.load_average())
    stocks = pb.real_prices().loc["2007-01-01":].dropna(axis=1, how="all")
    symbols = pb.store(stocks, synthetic=False)
    pb.store(
        pd.read_csv(pb.DATA.with_name("pypfopt_spy_prices.csv"), parse_dates=True, index_col="date"), synthetic=False
    )
    pb.portfolio_holding([], "bench-page-user")  # creates the bench user
    client = Client()
    client.force_login(User.objects.get(email="bench@example.com"))
    for n_lots in (20, 200):
        portfolio = build(symbols, n_lots)
        for label, url in [
            ("page", f"/portfolios/{portfolio.id}/"),
            ("htmx performance fragment", f"/portfolios/{portfolio.id}/performance/"),
            ("API performance", f"/api/v1/portfolios/{portfolio.id}/performance/"),
        ]:
            headers = {"HTTP_HX_REQUEST": "true"} if "fragment" in label else {}
            client.get(url, **headers)
            queries: list[str] = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                status = client.get(url, **headers).status_code
            median, best, _ = pb.timed(lambda url=url, headers=headers: client.get(url, **headers), args.repeat)
            print(
                f"{n_lots:>3} lots, {label}: HTTP {status}, {len(queries)} queries, median {median:.3f} s, best {best:.3f} s"
            )


if __name__ == "__main__":
    main()
