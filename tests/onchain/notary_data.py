"""Issued predictions for the notarisation tests, stored as the predictions service stores them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.assets.models import Asset
from apps.predictions.models import Prediction
from tests.predictions.conftest import version_row


def issue(count: int, *, symbol: str = "NTRY", start: dt.date = dt.date(2014, 1, 2)) -> list[Prediction]:
    """``count`` issued 1d predictions of one asset (distinct as-of dates, varied exact prices)."""
    asset, _ = Asset.objects.get_or_create(id=symbol, defaults={"name": f"{symbol} notary test asset"})
    version = version_row(asset)
    rows = []
    for i in range(count):
        as_of = start + dt.timedelta(days=i)
        point = Decimal("100") + Decimal(i % 997) / Decimal(100)
        rows.append(
            Prediction(
                asset=asset,
                model_version=version,
                model_name="drift",
                timeframe="1d",
                horizon_periods=1,
                as_of=as_of,
                as_of_price=Decimal("100.12345678"),
                target_date=as_of + dt.timedelta(days=1),
                predicted_price=point,
                confidence_lower=point - Decimal("2.5"),
                confidence_upper=point + Decimal("2.5"),
                direction="up" if i % 2 else "down",
                confidence_score=Decimal("0.5512"),
            )
        )
    return Prediction.objects.bulk_create(rows, batch_size=2000)


def issue_set(*, symbol: str = "NTRY", as_of: dt.date = dt.date(2014, 12, 30)) -> list[Prediction]:
    """One issued set, as the forecast panel shows it: the four timeframes from one as-of date."""
    asset, _ = Asset.objects.get_or_create(id=symbol, defaults={"name": f"{symbol} notary test asset"})
    version = version_row(asset)
    rows = [
        Prediction(
            asset=asset,
            model_version=version,
            model_name="drift",
            timeframe=timeframe,
            horizon_periods=periods,
            as_of=as_of,
            as_of_price=Decimal("100.5"),
            target_date=as_of + dt.timedelta(days=periods),
            predicted_price=Decimal("101.25"),
            confidence_lower=Decimal("95"),
            confidence_upper=Decimal("107.125"),
            direction="up",
            confidence_score=Decimal("0.6"),
        )
        for timeframe, periods in (("1d", 1), ("1w", 7), ("1m", 30), ("3m", 90))
    ]
    return Prediction.objects.bulk_create(rows)
