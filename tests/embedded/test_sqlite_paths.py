"""The portable (non-PostgreSQL) code paths on a real SQLite database: the import without COPY,
price reads and resampling without ArrayAgg/json_agg, and exact decimals through SQLite's storage."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from django.db import connection

from apps.assets.models import PriceBar, quantize_price
from apps.assets.services import import_price_file
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

SPY = Path(__file__).resolve().parents[2] / "data" / "sample" / "yahoo_SPY_2008_2017.csv"


@pytest.fixture
def spy(db):
    assert connection.vendor == "sqlite"
    report = import_price_file(SPY, format="ohlcv", symbol="SPY", create_assets=True, asset_type="etf")
    assert report.created == 2519
    frame = pd.read_csv(SPY, dtype=str)
    frame.columns = [column.strip().lower() for column in frame.columns]
    return frame.set_index("date")


@pytest.fixture
def api(client):
    client.force_login(UserFactory())
    return client


def test_imported_bars_keep_every_decimal_of_the_file(spy):
    stored = {bar.date.isoformat(): bar for bar in PriceBar.objects.filter(asset_id="SPY")}
    assert len(stored) == len(spy)
    for day, row in spy.iterrows():
        bar = stored[day]
        assert (bar.open, bar.close, bar.adj_close) == tuple(
            quantize_price(Decimal(row[column])) for column in ("open", "close", "adj close")
        ), day


def test_daily_prices_api_answers_the_stored_values_exactly(spy, api):
    body = api.get("/api/v1/assets/SPY/prices/?start=2017-01-01").json()
    expected = spy.loc[spy.index >= "2017-01-01"]
    assert [row[0] for row in body["data"]] == list(expected.index)
    closes = [Decimal(str(row[body["columns"].index("close")])) for row in body["data"]]
    assert closes == [quantize_price(Decimal(value)) for value in expected["close"]]


@pytest.mark.parametrize(("interval", "rule"), [("1w", "W-MON"), ("1mo", "MS")])
def test_resampled_prices_match_pandas_on_sqlite(spy, api, interval, rule):
    frame = spy.astype({c: float for c in ("open", "high", "low", "close", "adj close", "volume")})
    frame.index = pd.to_datetime(frame.index)
    aggregation = {"open": "first", "high": "max", "low": "min", "close": "last", "adj close": "last", "volume": "sum"}
    expected = frame.resample(rule, closed="left", label="left").agg(aggregation).dropna(subset=["close"])

    body = api.get(f"/api/v1/assets/SPY/prices/?interval={interval}").json()

    result = pd.DataFrame(body["data"], columns=body["columns"]).set_index("date")
    assert list(result.index) == [day.date().isoformat() for day in expected.index]
    pd.testing.assert_frame_equal(
        result[["open", "high", "low", "close", "adj_close", "volume"]].astype(float).reset_index(drop=True),
        expected.rename(columns={"adj close": "adj_close"}).reset_index(drop=True),
        atol=5e-8,
    )


def test_stats_and_the_asset_page_answer_on_sqlite(spy, api):
    assert api.get("/api/v1/assets/SPY/stats/").status_code == 200
    page = api.get("/assets/SPY/")
    assert page.status_code == 200
    assert b"SPY" in page.content


def test_reimport_changes_nothing_and_a_changed_close_is_updated(spy, tmp_path):
    again = import_price_file(SPY, format="ohlcv", symbol="SPY")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2519)
    changed = tmp_path / "SPY.csv"
    lines = SPY.read_text().splitlines()
    header, last = lines[0].split(","), lines[-1].split(",")
    last[header.index("Close")] = "999.125"
    changed.write_text("\n".join([lines[0], ",".join(last)]) + "\n")
    report = import_price_file(changed, format="ohlcv", symbol="SPY")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert PriceBar.objects.get(asset_id="SPY", date=last[0]).close == Decimal("999.125")
    assert PriceBar.objects.filter(asset_id="SPY").count() == 2519


def test_a_refresh_token_rotates_once_on_sqlite(db, client):
    user = UserFactory()
    pair = client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}, content_type="application/json"
    ).json()
    rotated = client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, content_type="application/json")
    assert rotated.status_code == 200, rotated.json()
    reused = client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, content_type="application/json")
    assert reused.status_code == 401
    assert set(reused.json()) == {"detail", "code", "fields"}
