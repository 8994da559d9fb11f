"""A 40-origin walk-forward backtest of one asset and horizon with Prophet (target ≤ 60 s).

Prophet is refitted at every origin on prices up to that origin: 40 scored origins plus the
warm-up origins whose errors calibrate the first intervals (see forecasting.walk.WARMUP).

Run: .venv/bin/python bench/backtest_prophet.py [n_jobs ...]   (default: 1 2)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.predictions.forecasting import evaluate
from apps.predictions.forecasting.walk import WARMUP

DATA = Path(__file__).resolve().parent.parent / "data" / "sample" / "pypfopt_stock_prices.csv"


def main() -> None:
    frame = pd.read_csv(DATA, parse_dates=["date"], index_col="date")
    prices = frame["AAPL"].dropna().iloc[-2520:].rename("AAPL")
    jobs = [int(a) for a in sys.argv[1:]] or [1, 2]
    print(f"AAPL 10 years, horizon 5, 40 scored origins + {WARMUP} warm-up = {40 + WARMUP} Prophet fits")
    start = time.perf_counter()
    naive = evaluate(prices, horizon=5, model="naive", origins=40)
    naive_s = time.perf_counter() - start
    print(f"  naive (reference): {naive_s:.2f} s")
    for n_jobs in jobs:
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        start = time.perf_counter()
        ev = evaluate(prices, horizon=5, model="prophet", origins=40, n_jobs=n_jobs)
        elapsed = time.perf_counter() - start
        m = ev.metrics
        print(
            f"  prophet n_jobs={n_jobs}: {elapsed:.1f} s ({elapsed / (40 + WARMUP):.2f} s per fit); "
            f"target 60 s -> {'OK' if elapsed <= 60 else 'OVER'}; {elapsed / naive_s:.0f}x the naive backtest"
        )
        print(
            f"    relMAE {m['rel_mae']:.3f}, coverage {m['coverage']:.2f} (level {m['level']}), "
            f"naive coverage {naive.metrics['coverage']:.2f}"
        )


if __name__ == "__main__":
    main()
