"""The forecast panel shows what its claims rest on: measured coverage with its n (backtested and
matured, live and replayed apart), the number of forecasts behind "no edge", the model of each
horizon, and replayed forecasts labelled as replayed."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.predictions.models import ModelVersion
from tests.accounts.factories import UserFactory
from tests.predictions.conftest import prediction_row, version_row

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
OLD_CLAIM = "as measured on past forecasts"


@pytest.fixture
def logged_in(client, db):
    client.force_login(UserFactory())
    return client


def _selection(model: str, *, coverage: float, n: int, rel_mae: float, beats: bool) -> dict:
    metrics = {"n_forecasts": n, "coverage": coverage, "level": 0.8, "rel_mae": rel_mae}
    return {"model": model, "beats_random_walk": beats, "metrics": metrics}


@pytest.fixture
def version(aapl) -> ModelVersion:
    """What the admin shows for this version: coverage 0.67–0.75 of a nominal 80%."""
    return version_row(
        aapl,
        metrics={
            "1d": _selection("naive", coverage=0.6667, n=48, rel_mae=1.0, beats=False),
            "1w": _selection("drift", coverage=0.75, n=40, rel_mae=0.9, beats=True),
        },
    )


def _issue(asset, version, *, as_of=date(2014, 12, 30), replayed=False, **extra):
    return [
        prediction_row(
            asset,
            version,
            timeframe=timeframe,
            horizon_periods=periods,
            model_name=model,
            as_of=as_of,
            target_date=as_of + timedelta(days=periods),
            replayed=replayed,
            **extra,
        )
        for timeframe, periods, model in (("1d", 1, "naive"), ("1w", 5, "drift"))
    ]


def _matured(asset, version, *, as_of: date, inside: bool, replayed: bool):
    scored = {
        "realised_price": Decimal("101") if inside else Decimal("150"),
        "abs_error": Decimal("1"),
        "naive_abs_error": Decimal("1"),
        "in_interval": inside,
        "direction_correct": True,
        "scored_at": "2015-01-01T00:00:00Z",
    }
    return prediction_row(
        asset,
        version,
        as_of=as_of,
        target_date=as_of + timedelta(days=1),
        realised_at=as_of + timedelta(days=1),
        replayed=replayed,
        timestamp="2014-01-01T00:00:00Z",  # older than the panel's batch
        **scored,
    )


def _panel(client) -> str:
    response = client.get("/predictions/assets/AAPL/panel/", **HTMX)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_the_interval_claim_is_the_versions_measured_coverage_and_n(logged_in, aapl, version):
    _issue(aapl, version)

    html = _panel(logged_in)

    assert OLD_CLAIM not in html
    assert "held 67% of 48 backtest forecasts" in html
    assert "held 75% of 40 backtest forecasts" in html
    assert "it held the price 67% of 48 forecasts (1d), 75% of 40 forecasts (1w)" in html


def test_matured_forecasts_add_their_realised_coverage_live_and_replayed_apart(logged_in, aapl, version):
    _matured(aapl, version, as_of=date(2014, 6, 2), inside=True, replayed=False)
    _matured(aapl, version, as_of=date(2014, 6, 3), inside=False, replayed=False)
    for day in range(4, 8):
        _matured(aapl, version, as_of=date(2014, 6, day), inside=day != 7, replayed=True)
    _issue(aapl, version)

    cell = re.search(r'data-coverage="1d">(.*?)</span>', _panel(logged_in)).group(1)

    assert "held 67% of 48 backtest forecasts" in cell
    assert "live: 1 of 2 matured (50%)" in cell
    assert "replayed: 3 of 4 matured (75%)" in cell


def test_no_edge_states_how_many_forecasts_it_rests_on(logged_in, aapl, version):
    _issue(aapl, version)

    html = _panel(logged_in)

    assert "no edge over 48 backtest forecasts" in html
    assert "10% smaller error over 40 backtest forecasts" in html


def test_the_model_of_each_horizon_is_named(logged_in, aapl, version):
    _issue(aapl, version)

    html = _panel(logged_in)

    assert '<strong>naive</strong> <span class="small">(random walk: the last price)</span>' in html
    assert '<strong>drift</strong> <span class="small">(random walk with drift)</span>' in html


def test_replayed_forecasts_are_labelled_as_replayed(logged_in, aapl, version):
    _issue(aapl, version, replayed=True)

    html = _panel(logged_in)

    assert 'id="forecast-replayed"' in html and "not a live forecast" in html
    assert html.count('<span class="badge">replayed</span>') == 2


def test_live_forecasts_carry_no_replay_label(logged_in, aapl, version):
    _issue(aapl, version)

    html = _panel(logged_in)

    assert 'id="forecast-replayed"' not in html and "replayed</span>" not in html
    assert html.count("none of its forecasts has matured yet") == 2


def test_a_forecast_older_than_the_assets_prices_says_so(logged_in, aapl, version):
    _issue(aapl, version, as_of=date(2014, 12, 1))

    html = _panel(logged_in)

    assert "AAPL's prices now reach 2014-12-31: this forecast is older than the data" in html


def test_a_trained_versions_own_figures_are_shown(logged_in, aapl):
    call_command("predict", "--symbol", "AAPL", stdout=io.StringIO())
    version = ModelVersion.objects.get(asset=aapl)

    html = _panel(logged_in)

    assert OLD_CLAIM not in html
    for timeframe in ("1d", "1w", "1m", "3m"):
        metrics = version.selection_summary(timeframe).get("metrics") or {}
        cell = re.search(rf'data-coverage="{timeframe}">(.*?)</span>', html).group(1)
        if metrics.get("coverage") is None:
            assert "coverage not backtested" in cell
        else:
            expected = f"held {round(100 * metrics['coverage'])}% of {metrics['n_forecasts']} backtest forecasts"
            assert expected in cell
