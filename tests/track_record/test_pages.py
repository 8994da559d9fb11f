"""The public track record pages, logged out: figures, live and replayed apart, the forecasts with
their notarisation and a link to verify them, filters, 400s; the old logged-in pages redirect."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.test import Client

from apps.onchain.services import notary
from apps.onchain.services.deployment import deploy_contracts
from apps.predictions.models import Prediction
from tests.accounts.factories import UserFactory
from tests.track_record.data import scored

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def record(db):
    scored("AAPL", "AMZN")
    return Prediction.objects.scored()


def test_the_page_renders_logged_out_with_live_and_replayed_apart(anonymous, record):
    response = anonymous.get("/track-record/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="live"' in html and 'id="replayed"' in html
    assert html.index("Live forecasts") < html.index("Replayed forecasts")
    assert "issued by the market replay <strong>as of a past market date</strong>" in html
    assert "Wilson score interval" in html and "base rate" in html.lower()
    assert "Log in" in html  # really logged out
    charts = [json.loads(unescape(raw)) for raw in re.findall(r'data-reliability-chart="([^"]*)"', html)]
    assert [chart["kind"] for chart in charts] == ["live", "replayed"] and all(chart["bins"] for chart in charts)
    assert "js/reliability.js" in html and "vendor/echarts-5.6.0.min.js" in html


def test_the_forecast_lists_are_paginated_per_kind_with_a_verify_link(anonymous, record):
    html = anonymous.get("/track-record/").content.decode()
    live = record.filter(replayed=False).count()

    assert f"Page 1 of {-(-live // 25)} · {live} forecasts" in html
    newest = record.filter(replayed=False).order_by("-target_date", "asset_id", "horizon_periods", "as_of").first()
    assert f'href="/track-record/forecasts/{newest.pk}/"' in html
    assert "Pending notarisation" in html
    second = anonymous.get("/track-record/", {"live_page": 2}).content.decode()
    assert f"Page 2 of {-(-live // 25)}" in second and 'rel="prev"' in second


def test_the_nav_links_the_public_page_when_logged_out(anonymous, db):
    html = anonymous.get("/accounts/login/").content.decode()

    assert '<a href="/track-record/">Track record</a>' in html


def test_the_per_asset_page_shows_only_that_asset(anonymous, record):
    html = anonymous.get("/track-record/amzn/").content.decode()

    assert "Forecast track record: AMZN" in html
    assert "/track-record/AAPL/" not in html.split("<form")[1].split("</form>")[1]
    assert anonymous.get("/track-record/NOPE/").status_code == 404


def test_filters_on_the_page(anonymous, record):
    html = anonymous.get("/track-record/", {"replayed": "true", "horizon": "1w"}).content.decode()

    assert 'id="replayed"' in html and 'id="live"' not in html
    assert '<option value="1w" selected>' in html and '<option value="true" selected>' in html


@pytest.mark.parametrize(
    ("params", "message"), [({"horizon": "5y"}, "One of 1d"), ({"replayed": "maybe"}, "true or false")]
)
def test_a_bad_filter_on_the_page_answers_400_with_the_reason(anonymous, record, params, message):
    response = anonymous.get("/track-record/", params)

    assert response.status_code == 400
    assert message in response.content.decode() and 'aria-invalid="true"' in response.content.decode()


def test_without_matured_forecasts_the_page_says_so(anonymous, db):
    html = anonymous.get("/track-record/").content.decode()

    assert "No live forecast has matured yet" in html and "No replayed forecast has matured yet" in html


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/predictions/track-record/", "/track-record/"),
        ("/predictions/track-record/AAPL/", "/track-record/AAPL/"),
        ("/predictions/track-record/?horizon=1d", "/track-record/?horizon=1d"),
    ],
)
def test_the_old_pages_redirect_for_good(anonymous, db, old, new):
    for client in (anonymous, _logged_in()):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == new


def _logged_in() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def test_the_old_api_keeps_answering_signed_in_users(record):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(UserFactory())
    body = api.get("/api/v1/predictions/track-record/").json()

    assert body["overall"]["count"] == record.count()


def test_the_verification_page_of_a_forecast_not_notarised_says_why(anonymous, record):
    prediction = record.first()

    html = anonymous.get(f"/track-record/forecasts/{prediction.pk}/").content.decode()

    assert "Not verified" in html and "Not notarised yet" in html
    assert f"/api/v1/track-record/forecasts/{prediction.pk}/verification/" in html
    if prediction.replayed:
        assert "Issued by the market replay" in html


def test_a_notarised_forecast_verifies_publicly(anonymous, record, chain):
    deploy_contracts(chain=chain)
    notary.notarize_pending(chain=chain)
    prediction = record.filter(replayed=False).first()

    page = anonymous.get(f"/track-record/forecasts/{prediction.pk}/").content.decode()
    api = anonymous.get(f"/api/v1/track-record/forecasts/{prediction.pk}/verification/")

    assert "Verified" in page and "has not been changed since" in page
    record_page = anonymous.get("/track-record/").content.decode()
    assert "/api/v1/predictions/" not in page + record_page  # no link to a route that needs a login
    assert api.status_code == 200 and api.json()["verified"] is True and api.json()["status"] == "notarised"
    listed = anonymous.get("/api/v1/track-record/forecasts/", {"page_size": 500}).json()["results"]
    assert {row["notarisation_status"] for row in listed} == {"notarised"}
    assert "Notarised on chain" in anonymous.get("/track-record/").content.decode()


def test_a_changed_forecast_no_longer_verifies_publicly(anonymous, record, chain):
    deploy_contracts(chain=chain)
    notary.notarize_pending(chain=chain)
    prediction = record.first()
    Prediction.objects.filter(pk=prediction.pk).update(predicted_price=prediction.predicted_price + 1)

    body = anonymous.get(f"/api/v1/track-record/forecasts/{prediction.pk}/verification/").json()

    assert body["verified"] is False and body["status"] == "mismatch"
    assert "Not verified" in anonymous.get(f"/track-record/forecasts/{prediction.pk}/").content.decode()


def test_a_forecast_that_has_not_matured_has_no_public_page(anonymous, db):
    from tests.onchain.notary_data import issue

    (prediction,) = issue(1)

    assert anonymous.get(f"/track-record/forecasts/{prediction.pk}/").status_code == 404


def test_with_the_node_down_the_page_still_shows_the_forecast_and_says_why(anonymous, record, chain, settings):
    import time

    from apps.onchain.chain import reset_chains
    from tests.anvil import free_port

    deploy_contracts(chain=chain)
    notary.notarize_pending(chain=chain)
    prediction = record.first()
    settings.ONCHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    settings.ONCHAIN_CHAIN_ID = None
    reset_chains()
    started = time.monotonic()

    page = anonymous.get(f"/track-record/forecasts/{prediction.pk}/")
    api = anonymous.get(f"/api/v1/track-record/forecasts/{prediction.pk}/verification/")

    assert page.status_code == 200 and "The chain could not be read just now" in page.content.decode()
    assert str(prediction.predicted_price) in page.content.decode()
    assert api.status_code == 503 and api.json()["code"] == "chain_unavailable"
    assert api["Cache-Control"] == "no-store, private"
    assert time.monotonic() - started < 4
    reset_chains()
