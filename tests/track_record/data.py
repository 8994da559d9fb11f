"""Matured forecasts for the track-record tests: issued on real closes, scored by the real scoring.

Each asset gets real daily closes (data/sample); forecasts are issued every other trading day for
two horizons with varied points, intervals, directions and stated chances (seeded), and then
``score_matured_predictions`` scores them against the real closes, as the nightly job does.
"""

from __future__ import annotations

import random
from decimal import Decimal

from apps.assets.models import PriceBar, quantize_price
from apps.predictions import services
from apps.predictions.models import Prediction
from tests.predictions.conftest import make_asset, version_row

HORIZONS = (("1d", 1), ("1w", 5))


def issue(symbol: str, *, start: str = "2014-01-01", end: str = "2014-04-30", seed: int = 7) -> list[Prediction]:
    """Issued (not yet scored) forecasts of one asset with real prices; every third as-of date is replayed."""
    asset = make_asset(symbol, start=start, end=end)
    version = version_row(asset)
    bars = list(PriceBar.objects.filter(asset=asset).order_by("date").values_list("date", "close"))
    rng = random.Random(f"{symbol}-{seed}")
    rows = []
    for index in range(0, len(bars), 2):
        as_of, price = bars[index]
        for timeframe, periods in HORIZONS:
            if index + periods >= len(bars):
                continue
            point = quantize_price(price * Decimal(str(1 + rng.uniform(-0.03, 0.03))))
            half = quantize_price(price * Decimal(str(rng.uniform(0.002, 0.05))))
            rows.append(
                Prediction(
                    asset=asset,
                    model_version=version,
                    model_name=rng.choice(["drift", "naive", "ets"]),
                    timeframe=timeframe,
                    horizon_periods=periods,
                    as_of=as_of,
                    as_of_price=price,
                    target_date=bars[index + periods][0],
                    predicted_price=point,
                    confidence_lower=point - half,
                    confidence_upper=point + half,
                    direction="up" if point >= price else "down",
                    confidence_score=Decimal(str(round(rng.uniform(0.3, 0.95), 4))),
                    replayed=index % 3 == 0,
                )
            )
    return Prediction.objects.bulk_create(rows)


def scored(*symbols: str) -> int:
    """Issue forecasts for each symbol (real closes) and score them all; returns how many matured."""
    for symbol in symbols:
        issue(symbol)
    return services.score_matured_predictions()
