"""Shared set-up for the portfolio benchmarks: a throwaway PostgreSQL database and input universes.

Benchmarks run Django in-process against their own database (default ``qv_bench_portfolios``),
created and migrated on first use. Requests go through the real URL routing, middleware,
authentication, serializers, services and database (DRF's test client, no network socket).

Universes larger than the real data (20 symbols) are SYNTHETIC BENCHMARK INPUT: each synthetic
asset's daily return is a mix of two real stocks' returns on the same day (keeps realistic
cross-correlation) plus a block-resampled real return from other dates (idiosyncratic part).
They exist only in the benchmark database, are named ``SYN<n>-<i>`` and are never shown to users.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quantumvest.settings")
os.environ.setdefault("DJANGO_DEBUG", "True")
os.environ.setdefault("QV_VAR_DIR", "/tmp/qv-bench")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qv_bench_portfolios")
os.environ.setdefault("CELERY_BROKER_URL", "")  # tasks run eagerly inside the request


def _ensure_database() -> None:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


_ensure_database()

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

from apps.accounts.models import User  # noqa: E402
from apps.assets.models import Asset, PriceBar, quantize_price  # noqa: E402
from apps.portfolios.models import Portfolio, PortfolioAsset  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "sample" / "pypfopt_stock_prices.csv"


def real_prices() -> pd.DataFrame:
    return pd.read_csv(DATA, parse_dates=True, index_col="date")


def synthetic_prices(n_assets: int, days: int, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC BENCHMARK INPUT built from real return blocks (see the module docstring)."""
    real = real_prices().loc["2005-01-01":].dropna(axis=1).pct_change().dropna().to_numpy()
    rng = np.random.default_rng(seed)
    t = min(days, len(real))
    recent = real[-t:]
    a, b = rng.integers(0, real.shape[1], (2, n_assets))
    mix = rng.uniform(0.3, 0.8, n_assets)
    idio = np.empty((t, n_assets))
    block = 21
    for i in range(n_assets):
        starts = rng.integers(0, len(real) - block, t // block + 1)
        column = rng.integers(0, real.shape[1])
        idio[:, i] = np.concatenate([real[s : s + block, column] for s in starts])[:t]
    returns = mix * recent[:, a] + (1 - mix) * recent[:, b] * 0.5 + 0.6 * idio
    index = pd.bdate_range(end="2018-04-11", periods=t)
    return pd.DataFrame(
        100 * np.cumprod(1 + returns, axis=0), index=index, columns=[f"SYN{n_assets}-{i:03d}" for i in range(n_assets)]
    )


def store(prices: pd.DataFrame, *, synthetic: bool) -> list[str]:
    """Replace the bars of these symbols with ``prices`` (one bar per non-empty cell)."""
    symbols = [str(c) for c in prices.columns]
    PortfolioAsset.objects.filter(asset_id__in=symbols).delete()
    PriceBar.objects.filter(asset_id__in=symbols).delete()
    label = "synthetic benchmark input, not real" if synthetic else "sample data"
    Asset.objects.bulk_create([Asset(id=s, name=f"{s} ({label})") for s in symbols], ignore_conflicts=True)
    bars = []
    for symbol in symbols:
        series = prices[symbol].dropna()
        for when, value in zip(series.index, series.to_numpy(), strict=True):
            p = quantize_price(Decimal(repr(float(value))))
            bars.append(PriceBar(asset_id=symbol, date=when.date(), open=p, high=p, low=p, close=p))
    PriceBar.objects.bulk_create(bars, batch_size=20_000)
    return symbols


def portfolio_holding(symbols: list[str], name: str) -> Portfolio:
    user, _ = User.objects.get_or_create(email="bench@example.com", defaults={"name": "Benchmark"})
    Portfolio.objects.filter(user=user, name=name).delete()
    portfolio = Portfolio.objects.create(user=user, name=name)
    PortfolioAsset.objects.bulk_create(
        [
            PortfolioAsset(
                portfolio=portfolio,
                asset_id=s,
                quantity=Decimal(10),
                purchase_price=Decimal(50),
                purchase_date="2017-01-03",
            )
            for s in symbols
        ]
    )
    return portfolio


def api_client():
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User.objects.get(email="bench@example.com"))
    return client


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(median, best, last result) of ``repeat`` calls, in seconds."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"
