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
    "coverage_by_volatility",
    "coverage_by_volatility_detail",
    "coverage_by_year",
    "vol_model",
    "calibration",
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


def test_json_reports_coverage_by_volatility_tercile_and_by_year(aapl):
    payload = json.loads(run(symbol="AAPL", horizon="1w", model="naive", origins=30, json=True))
    detail = payload["coverage_by_volatility_detail"]
    assert list(payload["coverage_by_volatility"]) == ["low", "mid", "high"]
    assert [detail[name]["n"] for name in ("low", "mid", "high")] == [10, 10, 10]
    assert detail["low"]["volatility"] <= detail["mid"]["volatility"] <= detail["high"]["volatility"]
    # The terciles and the years each split the same forecasts: their coverages average to the pooled one.
    pooled = payload["coverage"]
    assert sum(detail[name]["coverage"] * detail[name]["n"] for name in detail) / 30 == pytest.approx(pooled)
    years = payload["coverage_by_year"]
    assert sum(part["n"] for part in years.values()) == 30
    assert sum(part["coverage"] * part["n"] for part in years.values()) / 30 == pytest.approx(pooled)
    assert payload["vol_model"] == "blend"


def test_records_file_lets_anyone_recompute_the_metrics(aapl, tmp_path):
    import csv

    path = tmp_path / "records.csv"
    payload = json.loads(run(symbol="AAPL", horizon="1d", model="drift", origins=25, json=True, records=str(path)))
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["origin", "target", "last", "actual", "point", "lower", "upper", "model", "vol_model"]
    assert (
        len(rows) == 25
        and {row["model"] for row in rows} == {"drift"}
        and {row["vol_model"] for row in rows} == {"blend"}
    )
    actual = [float(row["actual"]) for row in rows]
    inside = [float(r["lower"]) <= a <= float(r["upper"]) for r, a in zip(rows, actual, strict=True)]
    mae = sum(abs(a - float(r["point"])) for r, a in zip(rows, actual, strict=True)) / 25
    naive = sum(abs(a - float(r["last"])) for r, a in zip(rows, actual, strict=True)) / 25
    assert sum(inside) / 25 == pytest.approx(payload["coverage"])
    assert mae / naive == pytest.approx(payload["rel_mae"], rel=1e-8)
    assert all(row["origin"] < row["target"] for row in rows) and len(rows[0]["origin"]) == 10


def test_an_unwritable_records_file_is_a_command_error(aapl, tmp_path):
    with pytest.raises(CommandError, match="Cannot write the records"):
        run(symbol="AAPL", horizon="1d", model="naive", origins=10, records=str(tmp_path / "missing" / "r.csv"))


def test_too_few_origins_is_said_as_such_not_as_too_few_prices(aapl):
    with pytest.raises(CommandError, match="at least 10 origins; 5 were asked for"):
        run(symbol="AAPL", horizon="1d", model="naive", origins=5)


def test_without_a_model_it_scores_the_selection_in_plain_words(aapl):
    text = run(symbol="AAPL", horizon="1d", origins=20, candidates="naive,drift")
    assert "the selection users get" in text
    assert "1 trading days ahead" in text
    assert "relMAE" in text and "random walk" in text
    assert "The 80% interval held the outcome" in text
    assert "By volatility at the origin: low " in text
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
