"""The forecasts API through real URLs: status codes, shapes, filters, permissions."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.predictions import services
from apps.predictions.models import PredictionJob
from tests.accounts.factories import UserFactory
from tests.predictions.conftest import prediction_row, version_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def predicted(aapl):
    call_command("predict", "--symbol", "AAPL", stdout=io.StringIO())
    return aapl


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/predictions/"),
        ("get", "/api/v1/predictions/track-record/"),
        ("get", "/api/v1/assets/AAPL/predictions/latest/"),
        ("post", "/api/v1/assets/AAPL/predictions/"),
        ("get", "/api/v1/models/"),
        ("get", "/api/v1/jobs/predictions/7d3f4a52-3a3c-4a4f-9a41-4a7c1bb7a0a1/"),
    ],
)
def test_anonymous_requests_are_refused(aapl, method, url):
    response = getattr(APIClient(), method)(url)

    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code", "fields"}


def test_latest_returns_the_four_forecasts_the_command_stored(client, predicted):
    response = client.get("/api/v1/assets/aapl/predictions/latest/")

    assert response.status_code == 200
    body = response.json()
    assert [item["timeframe"] for item in body] == ["1d", "1w", "1m", "3m"]
    for item in body:
        assert float(item["confidence_lower"]) <= float(item["predicted_price"]) <= float(item["confidence_upper"])
        assert 0 <= float(item["confidence_score"]) <= 1
        assert item["as_of"] == "2014-12-31"
        assert item["is_scored"] is False and item["realised_price"] is None


def test_latest_of_an_asset_without_forecasts_is_empty(client, aapl):
    assert client.get("/api/v1/assets/AAPL/predictions/latest/").json() == []


def test_unknown_asset_is_404_in_the_error_shape(client, db):
    response = client.get("/api/v1/assets/NOPE/predictions/latest/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_list_is_paginated_and_filtered(client, predicted, plain_asset):
    version = version_row(plain_asset)
    prediction_row(plain_asset, version)

    everything = client.get("/api/v1/predictions/").json()
    assert everything["count"] == 5 and len(everything["results"]) == 5
    by_asset = client.get("/api/v1/predictions/", {"asset": "aapl", "timeframe": "1m"}).json()
    assert [(item["asset"], item["timeframe"]) for item in by_asset["results"]] == [("AAPL", "1m")]
    assert client.get("/api/v1/predictions/", {"since": "2999-01-01"}).json()["count"] == 0
    assert client.get("/api/v1/predictions/", {"page_size": 2}).json()["next"]


def test_a_bad_filter_value_is_a_400_naming_the_field(client, db):
    response = client.get("/api/v1/predictions/", {"timeframe": "2d"})

    assert response.status_code == 400
    assert "timeframe" in response.json()["fields"]


def test_detail_returns_one_prediction(client, predicted):
    listed = client.get("/api/v1/predictions/", {"timeframe": "1w"}).json()["results"][0]

    response = client.get(f"/api/v1/predictions/{listed['id']}/")

    assert response.status_code == 200
    assert response.json() == listed


def test_requesting_a_forecast_answers_202_with_the_job_to_poll(client, aapl, user):
    response = client.post("/api/v1/assets/AAPL/predictions/")

    assert response.status_code == 202
    body = response.json()
    job = PredictionJob.objects.get(pk=body["id"])
    assert job.user == user and job.asset == aapl and body["state"] == "queued"
    assert body["url"].endswith(f"/api/v1/jobs/predictions/{job.pk}/")
    assert response["Location"] == body["url"]
    # An unfinished job is reused rather than queued twice.
    assert client.post("/api/v1/assets/AAPL/predictions/").json()["id"] == body["id"]


def test_requesting_a_forecast_for_an_asset_without_prices_is_400(client, plain_asset):
    response = client.post(f"/api/v1/assets/{plain_asset.id}/predictions/")

    assert response.status_code == 400
    assert response.json()["code"] == "no_prices"
    assert not PredictionJob.objects.exists()


def test_requesting_a_forecast_for_an_unknown_asset_is_404(client, db):
    assert client.post("/api/v1/assets/NOPE/predictions/").status_code == 404


def test_a_job_is_visible_to_its_owner_only(client, aapl, user):
    job = services.request_predictions(asset=aapl, by=user)
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())

    assert client.get(f"/api/v1/jobs/predictions/{job.pk}/").json()["state"] == "queued"
    response = stranger.get(f"/api/v1/jobs/predictions/{job.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_models_lists_versions_with_their_metrics(client, predicted):
    body = client.get("/api/v1/models/", {"asset": "AAPL"}).json()

    assert body["count"] == 1
    version = body["results"][0]
    assert version["status"] == "candidate"
    assert set(version["metrics"]) == {"1d", "1w", "1m", "3m"}
    assert "rel_mae" in version["metrics"]["1d"]["metrics"]
    assert client.get("/api/v1/models/", {"status": "approved"}).json()["count"] == 0


def test_track_record_reports_pending_and_scored(client, predicted, plain_asset):
    version = version_row(plain_asset)
    prediction_row(
        plain_asset,
        version,
        realised_price="101",
        realised_at=date(2014, 12, 31),
        abs_error="1",
        naive_abs_error="1",
        in_interval=True,
        direction_correct=True,
        scored_at="2015-01-01T00:00:00Z",
    )

    overall = client.get("/api/v1/predictions/track-record/").json()
    assert overall["asset"] is None and overall["pending"] == 4
    assert overall["overall"]["count"] == 1 and overall["overall"]["hit_rate"] == 1.0
    assert [row["timeframe"] for row in overall["by_timeframe"]] == ["1d", "1w", "1m", "3m"]
    one = client.get("/api/v1/predictions/track-record/", {"asset": "AAPL"}).json()
    assert one["asset"] == "AAPL" and one["overall"]["count"] == 0 and one["overall"]["hit_rate"] is None
    assert client.get("/api/v1/predictions/track-record/", {"asset": "NOPE"}).status_code == 404


def test_the_schema_documents_every_forecast_endpoint(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/predictions/",
        "/api/v1/predictions/{id}/",
        "/api/v1/predictions/track-record/",
        "/api/v1/assets/{symbol}/predictions/",
        "/api/v1/assets/{symbol}/predictions/latest/",
        "/api/v1/jobs/predictions/{job_id}/",
        "/api/v1/models/",
    ]:
        assert path in paths
    assert "202" in paths["/api/v1/assets/{symbol}/predictions/"]["post"]["responses"]
    parameters = {p["name"] for p in paths["/api/v1/predictions/"]["get"]["parameters"]}
    assert {"asset", "timeframe", "since", "page"} <= parameters
