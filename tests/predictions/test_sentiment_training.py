"""News sentiment offered to the scikit-learn forecaster: kept per horizon only if it lowers relMAE.

The headlines here are test input written for the test (two fixed sentences), attached to real AAPL
prices; they only exercise the mechanism and are never shown to users.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from apps.predictions import news, services

pytestmark = pytest.mark.django_db

HEADER = "published_at,source,title,url,symbols\n"


def _news_every_day(asset, *, start: date, days: int) -> None:
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        title = "Apple beats estimates" if offset % 3 else "Apple misses estimates"
        rows.append(f"{day.isoformat()}T12:00:00Z,Test,{title},https://test.example/{offset},{asset.id}\n")
    report = news.import_news_csv(content=(HEADER + "".join(rows)).encode())
    assert not report.errors and report.created == days


def test_sentiment_frame_is_lagged_one_day_and_zero_without_news(aapl):
    _news_every_day(aapl, start=date(2014, 6, 2), days=3)
    frame, news_days = news.sentiment_frame(symbol="AAPL", start=date(2014, 6, 1), end=date(2014, 6, 10))
    assert news_days == 3
    assert frame.loc["2014-06-02", "sentiment"] == 0.0  # the day's own news is not used that day
    assert frame.loc["2014-06-03", "sentiment"] < 0  # "misses" on 06-02, seen from the next day
    assert frame.loc["2014-06-10", "sentiment"] == 0.0


def test_without_enough_news_sentiment_is_not_offered_and_says_why(aapl):
    version = services.train_model_version(asset=aapl, models=["naive", "sklearn"], origins=12)
    assert version.parameters["sentiment_horizons"] == []
    reason = version.metrics["1d"]["sentiment"]
    assert reason["offered"] is False and "Not enough news" in reason["reason"]


def test_sentiment_is_measured_per_horizon_and_kept_only_where_it_lowers_the_error(aapl):
    _news_every_day(aapl, start=date(2013, 1, 1), days=700)
    version = services.train_model_version(asset=aapl, models=["naive", "sklearn"], origins=12)

    measured = {name: m["sentiment"] for name, m in version.metrics.items() if "sentiment" in m}
    assert measured, "every backtested horizon reports the effect"
    for name, effect in measured.items():
        assert effect["offered"] is True
        assert math.isfinite(effect["rel_mae_with"]) and math.isfinite(effect["rel_mae_without"])
        # Kept only when clearly better: relMAE at least 1% lower and a paired t of at least 2.
        clearly_better = effect["rel_mae_with"] <= 0.99 * effect["rel_mae_without"] and effect["t"] >= 2
        assert effect["kept"] == clearly_better
        assert (name in version.parameters["sentiment_horizons"]) == effect["kept"]

    predictions = services.generate_predictions(asset=aapl)
    assert len(predictions) == 4
    assert all(p.confidence_lower <= p.predicted_price <= p.confidence_upper for p in predictions)
