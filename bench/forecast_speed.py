"""Forecast speed: all four horizons for one asset with 10 years of history, per served model.

Selections are precomputed by training (not timed here); what is timed is ``forecast()`` as the
nightly job and the "forecast now" button call it: fit the served model once on the full
history, calibrate, and return four horizons. Target: ≤ 3 s on 2 cores.

Run: .venv/bin/python bench/forecast_speed.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.predictions.forecasting import HORIZONS_STOCK, Selection, forecast

DATA = Path(__file__).resolve().parent.parent / "data" / "sample" / "pypfopt_stock_prices.csv"
REPEATS = 3


def selections_for(model: str) -> dict[str, Selection]:
    # Calibration contents do not change the cost; 48 errors is what training stores.
    scores = list(np.random.default_rng(0).standard_normal(48))
    return {
        key: Selection(h, model, model != "naive", {}, {"scores": scores, "shrink": 0.5})
        for key, h in HORIZONS_STOCK.items()
    }


def main() -> None:
    frame = pd.read_csv(DATA, parse_dates=["date"], index_col="date")
    prices = frame["AAPL"].dropna().iloc[-2520:]
    print(f"AAPL, {len(prices)} daily closes ({prices.index[0].date()} to {prices.index[-1].date()}), 4 horizons")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    forecast(prices, horizons=HORIZONS_STOCK)  # imports and first-call costs, not timed
    results = {}
    for model in ("naive", "drift", "sklearn", "prophet"):
        sels = selections_for(model)
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            out = forecast(prices, horizons=HORIZONS_STOCK, selections=sels)
            times.append(time.perf_counter() - start)
            assert all(fc.lower <= fc.point <= fc.upper for fc in out.values())
        results[model] = min(times)
        print(f"  {model:8s} best of {REPEATS}: {min(times):6.3f} s  (median {np.median(times):.3f} s)")
    worst = max(results.values())
    print(f"slowest served model: {worst:.3f} s; target 3 s -> {'OK' if worst <= 3 else 'OVER'}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
