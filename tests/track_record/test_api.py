"""GET /api/v1/track-record/ and /api/v1/track-record/forecasts/ anonymously: every figure is
recomputed here from the listed forecasts alone; filters, 400s, pagination, caching, throttling."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.assets.models import Asset
from apps.predictions.models import Prediction
from tests.predictions.conftest import prediction_row, version_row
from tests.track_record.data import scored

pytestmark = pytest.mark.django_db

RECORD = "/api/v1/track-record/"
FORECASTS = "/api/v1/track-record/forecasts/"
Z = 1.959963984540054
FIGURES = ("n", "coverage", "coverage_low", "coverage_high", "rel_mae", "brier", "base_rate_up", "brier_base_rate")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def record(db):
    assert scored("AAPL", "AMZN", "GE") == Prediction.objects.count() > 200
    return Prediction.objects.scored()


def every_forecast(api, **filters) -> list[dict]:
    rows, url, params = [], FORECASTS, {**filters, "page_size": 100}
    while url:
        response = api.get(url, params)
        assert response.status_code == 200
        body = response.json()
        rows.extend(body["results"])
        url, params = body["next"], None
    return rows


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def recompute(forecasts: list[dict]) -> dict:
    """The published figures of a group, from the published fields of its forecasts only."""
    n = len(forecasts)
    inside = errors = naive = squared = ups = 0
    for f in forecasts:
        origin, actual = Decimal(f["as_of_price"]), Decimal(f["actual_price"])
        inside += Decimal(f["confidence_lower"]) <= actual <= Decimal(f["confidence_upper"])
        errors += abs(Decimal(f["predicted_price"]) - actual) / origin
        naive += abs(origin - actual) / origin
        up = 1 if actual > origin else 0
        score = float(f["confidence_score"])
        p_up = score if f["direction"] == "up" else 1 - score
        squared += (p_up - up) ** 2
        ups += up
    low, high = wilson(inside, n)
    base = ups / n
    return {
        "n": n,
        "coverage": inside / n,
        "coverage_low": low,
        "coverage_high": high,
        "rel_mae": float(errors / naive),
        "brier": squared / n,
        "base_rate_up": base,
        "brier_base_rate": base * (1 - base),
    }


def assert_figures(row: dict, expected: dict) -> None:
    for name in FIGURES:
        assert row[name] == pytest.approx(expected[name], rel=1e-9, abs=1e-12), name


def test_every_figure_is_recomputed_from_the_listed_forecasts(api, record):
    body = api.get(RECORD).json()
    forecasts = every_forecast(api)

    assert len(forecasts) == record.count() == sum(row["n"] for row in body["overall"])
    by_asset, by_horizon = defaultdict(list), defaultdict(list)
    for f in forecasts:
        by_asset[(f["symbol"], f["timeframe"], f["replayed"])].append(f)
        by_horizon[(f["timeframe"], f["replayed"])].append(f)
    assert {(r["symbol"], r["horizon"], r["replayed"]) for r in body["assets"]} == set(by_asset)
    assert {(r["horizon"], r["replayed"]) for r in body["overall"]} == set(by_horizon)
    for row in body["assets"]:
        group = by_asset[(row["symbol"], row["horizon"], row["replayed"])]
        assert_figures(row, recompute(group))
        assert row["first_target"] == min(f["target_date"] for f in group)
        assert row["last_target"] == max(f["target_date"] for f in group)
    for row in body["overall"]:
        assert_figures(row, recompute(by_horizon[(row["horizon"], row["replayed"])]))
    # The data are varied enough for the figures to mean something (not all 0 or all 1).
    assert all(0 < row["coverage"] < 1 and 0 < row["base_rate_up"] < 1 for row in body["overall"])


def test_reliability_bins_are_recomputed_from_the_listed_forecasts(api, record):
    bins = api.get(RECORD).json()["reliability"]
    expected = defaultdict(list)
    for f in every_forecast(api):
        score = Decimal(f["confidence_score"])
        p_up = score if f["direction"] == "up" else 1 - score
        up = Decimal(f["actual_price"]) > Decimal(f["as_of_price"])
        expected[(f["replayed"], min(int(p_up * 10), 9))].append((float(p_up), up))

    assert len(bins) == len(expected)
    for row in bins:
        group = expected[(row["replayed"], round(row["bin_lower"] * 10))]
        assert row["n"] == len(group)
        assert row["mean_p_up"] == pytest.approx(sum(p for p, _ in group) / len(group))
        assert row["observed_up"] == pytest.approx(sum(up for _, up in group) / len(group))


def test_a_scored_forecast_lists_every_field_needed_to_recompute_it(api, record):
    prediction = record.order_by("-target_date", "asset_id", "horizon_periods", "replayed", "as_of", "id").first()
    row = api.get(FORECASTS, {"page_size": 1}).json()["results"][0]

    assert row["id"] == str(prediction.pk)
    assert row["symbol"] == prediction.asset_id and row["timeframe"] == prediction.timeframe
    assert row["model"] == prediction.model_name and row["replayed"] is prediction.replayed
    assert (row["as_of"], row["target_date"]) == (prediction.as_of.isoformat(), prediction.target_date.isoformat())
    for field in ("as_of_price", "predicted_price", "confidence_lower", "confidence_upper"):
        assert row[field] == f"{getattr(prediction, field):.8f}"  # decimals as exact strings
    assert row["actual_price"] == f"{prediction.realised_price:.8f}"
    assert row["confidence_score"] == f"{prediction.confidence_score:.4f}" and row["level"] == "0.800"
    assert row["notarisation_status"] == "pending"
    assert row["verification_url"].endswith(f"/api/v1/track-record/forecasts/{prediction.pk}/verification/")
    assert row["verification_page"].endswith(f"/track-record/forecasts/{prediction.pk}/")


def test_replayed_and_live_forecasts_are_never_pooled(api, record):
    body = api.get(RECORD).json()
    live = record.filter(replayed=False)

    assert {row["replayed"] for row in body["overall"]} == {True, False}
    assert sum(row["n"] for row in body["overall"] if not row["replayed"]) == live.count()
    only_replayed = api.get(RECORD, {"replayed": "true"}).json()
    assert {row["replayed"] for row in only_replayed["overall"] + only_replayed["assets"]} == {True}
    assert {f["replayed"] for f in every_forecast(api, replayed="false")} == {False}
    assert len(every_forecast(api, replayed="false")) == live.count()


def test_filters_by_symbol_and_horizon(api, record):
    body = api.get(RECORD, {"symbol": "amzn", "horizon": "1w"}).json()

    assert {(row["symbol"], row["horizon"]) for row in body["assets"]} == {("AMZN", "1w")}
    assert {row["horizon"] for row in body["overall"]} == {"1w"}
    expected = record.filter(asset_id="AMZN", timeframe="1w").count()
    assert sum(row["n"] for row in body["overall"]) == expected
    listed = every_forecast(api, symbol="AMZN", horizon="1w")
    assert len(listed) == expected and {(f["symbol"], f["timeframe"]) for f in listed} == {("AMZN", "1w")}
    assert body["forecasts"].endswith("/api/v1/track-record/forecasts/?symbol=AMZN&horizon=1w")


@pytest.mark.parametrize("url", [RECORD, FORECASTS])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"horizon": "5y"}, "horizon"),
        ({"replayed": "maybe"}, "replayed"),
        ({"replayed": "1"}, "replayed"),
        ({"symbol": "NOPE"}, "symbol"),
        ({"symbol": "A\u00e9"}, "symbol"),
    ],
)
def test_a_bad_filter_answers_400_naming_it(api, db, url, params, field):
    response = api.get(url, params)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "code", "fields"} and list(body["fields"]) == [field]
    assert response["Cache-Control"] == "no-store, private"


def test_pagination_pages_through_every_forecast_once(api, record):
    first = api.get(FORECASTS, {"page_size": 40}).json()
    ids = [f["id"] for f in every_forecast(api)]

    assert first["count"] == record.count() == len(ids) == len(set(ids))
    assert len(first["results"]) == 40 and first["next"] and first["previous"] is None
    assert api.get(FORECASTS, {"page": 10_000}).status_code == 404
    assert api.get(FORECASTS, {"page_size": 0}).status_code == 400


def test_unscored_forecasts_are_counted_as_pending_and_never_listed(api, db):
    asset = Asset.objects.create(id="TSTA", name="Test asset")
    pending = prediction_row(asset, version_row(asset), as_of=date(2030, 1, 1), target_date=date(2030, 1, 2))

    body = api.get(RECORD).json()

    assert body["pending"] == 1 and body["overall"] == [] and body["assets"] == []
    assert api.get(FORECASTS).json()["count"] == 0
    assert api.get(f"{FORECASTS}{pending.pk}/verification/").status_code == 404


def _queries(api, url) -> int:
    cache.clear()  # the market date is cached: count from cold each time
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_number_of_assets(api, db):
    scored("AAPL")
    one = _queries(api, RECORD), _queries(api, FORECASTS)
    scored("AMZN", "GE", "WMT")
    four = _queries(api, RECORD), _queries(api, FORECASTS)

    assert len({row["symbol"] for row in api.get(RECORD).json()["assets"]}) == 4
    assert four == one
    assert one[0] <= 3  # the matured forecasts in one pass, the pending count, the market date
    with CaptureQueriesContext(connection) as warm:
        assert api.get(RECORD).status_code == 200
    assert len(warm) == 0  # the figures are cached for a minute


def test_answers_are_public_and_cacheable_for_a_minute(api, record):
    for url in (RECORD, FORECASTS):
        response = api.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=60"


def test_credentials_are_not_needed_nor_read(api, record):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert api.get(RECORD).status_code == 200


def test_the_anonymous_throttle_applies(api, db, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon": "2/min"})

    statuses = [api.get(RECORD).status_code for _ in range(2)]
    response = api.get(FORECASTS)

    assert statuses == [200, 200] and response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_the_market_date_is_the_latest_bar(api, record):
    from apps.assets.models import PriceBar

    latest = PriceBar.objects.order_by("-date").first().date
    assert api.get(RECORD).json()["market_date"] == latest.isoformat()
    assert latest < date.today() - timedelta(days=365)


def test_the_schema_documents_the_public_endpoints(api, db):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    for path in (RECORD, FORECASTS, "/api/v1/track-record/forecasts/{id}/verification/"):
        operation = schema["paths"][path]["get"]
        assert operation["security"] == [{}] or {} in operation["security"], path
        assert "401" not in operation["responses"] and "429" in operation["responses"]
    parameters = {p["name"] for p in schema["paths"][FORECASTS]["get"]["parameters"]}
    assert {"symbol", "horizon", "replayed", "page", "page_size"} <= parameters
    assert "400" in schema["paths"][RECORD]["get"]["responses"]
