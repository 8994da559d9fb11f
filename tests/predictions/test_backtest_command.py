"""`manage.py backtest` on real prices stored in the database."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.assets.models import Asset, PriceBar
from apps.assets.selectors import close_series
from apps.predictions import forecasting

JSON_KEYS = [
    "symbol",
    "horizon",
    "model",
    "n_forecasts",
    "mae",
    "naive_mae",
    "rel_mae",
    "mase",
    "level",
    "coverage",
    "mean_width",
    "winkler",
    "pinball",
    "directional_accuracy",
    "base_rate_up",
    "brier",
]


def run(**options) -> str:
    out = StringIO()
    call_command("backtest", stdout=out, **options)
    return out.getvalue()


def test_json_is_one_object_with_exactly_the_documented_keys(aapl):
    payload = json.loads(run(symbol="aapl", horizon="1w", model="drift", origins=12, json=True))
    assert list(payload) == JSON_KEYS
    assert payload["symbol"] == "AAPL" and payload["horizon"] == "1w" and payload["model"] == "drift"
    expected = forecasting.evaluate(close_series("AAPL"), horizon=5, model="drift", origins=12).metrics
    assert payload["n_forecasts"] == 12
    for key in ("mae", "naive_mae", "rel_mae", "coverage", "brier"):
        assert payload[key] == pytest.approx(expected[key])


def test_without_a_model_it_scores_the_selection_in_plain_words(aapl):
    text = run(symbol="AAPL", horizon="1d", origins=20, candidates="naive,drift")
    assert "the selection users get" in text
    assert "1 trading days ahead" in text
    assert "relMAE" in text and "random walk" in text
    assert "The 80% interval held the outcome" in text
    assert "Reliability of the confidence" in text


def test_crypto_horizons_are_calendar_days(btc):
    text = run(symbol="BTC", horizon="1w", model="naive", origins=12)
    assert "(7 days ahead)" in text
    assert "relMAE 1.00: no better and no worse than a random walk" in text


@pytest.mark.django_db
def test_bad_requests_are_command_errors_with_a_reason(aapl):
    with pytest.raises(CommandError, match="Unknown symbol 'NOPE'"):
        run(symbol="NOPE", horizon="1d")
    with pytest.raises(CommandError, match="Unknown horizon '2y'; choose from 1d, 1w, 1m, 3m"):
        run(symbol="AAPL", horizon="2y")
    with pytest.raises(CommandError, match="Unknown model 'oracle'"):
        run(symbol="AAPL", horizon="1d", model="oracle")
    with pytest.raises(CommandError, match="Unknown model 'ghost'"):
        run(symbol="AAPL", horizon="1d", candidates="naive,ghost")
    young = Asset.objects.create(id="NEW", name="Listed a year ago")
    PriceBar.objects.bulk_create(
        PriceBar(asset=young, date=bar.date, open=bar.close, high=bar.close, low=bar.close, close=bar.close)
        for bar in aapl.bars.order_by("-date")[:300]
    )
    with pytest.raises(CommandError, match=r"NEW 1d: .*needs at least 586 prices .*got 300"):
        run(symbol="NEW", horizon="1d", model="naive")
