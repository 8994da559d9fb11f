"""Alert rules: each kind fires on what it watches, once per triggering event, however often the
evaluation runs; crossing kinds re-arm when crossed back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.assets.models import PriceBar, quantize_price
from apps.home import evaluation
from apps.home.models import AlertKind, AlertTrigger, Notification
from apps.home.services.alerts import create_alert
from apps.home.tasks import alerts as tasks
from apps.portfolios.models import OptimizationRun
from apps.predictions.models import PredictionJob
from apps.predictions.services import score_matured_predictions
from quantumvest import events, jobs
from quantumvest.jobs import JobState
from tests.assets.factories import AssetFactory, price_history
from tests.onchain.factories import TokenFactory, TrackedAddressFactory, TransferFactory
from tests.portfolios.factories import LotFactory, PortfolioFactory, UserFactory
from tests.predictions.conftest import prediction_row, version_row

pytestmark = pytest.mark.django_db

START = date(2021, 1, 4)


def PredictionFactory(asset, **fields):
    return prediction_row(asset, version_row(asset), **fields)


def _bar(asset, day: date, close) -> None:
    price = quantize_price(Decimal(str(close)))
    PriceBar.objects.create(asset=asset, date=day, open=price, high=price, low=price, close=price)


def _titles(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("title", flat=True))


def test_a_price_alert_fires_once_when_the_close_crosses_and_again_only_after_crossing_back():
    user, asset = UserFactory(), AssetFactory(id="ACME")
    price_history(asset, [95], start=START)
    alert = create_alert(user=user, kind="price_above", symbol="ACME", threshold="100")
    assert alert.armed
    for offset, close in enumerate([99, 101, 102], start=1):
        _bar(asset, START + timedelta(days=offset), close)
    assert evaluation.after_bars(["ACME"]) == 1
    assert evaluation.after_bars(["ACME"]) == 0 and evaluation.evaluate_all() == 0  # nothing twice
    assert _titles(user) == ["ACME closed above 100.00 at 101.00 on 2021-01-06"]
    alert.refresh_from_db()
    assert not alert.armed and alert.evaluated_through == START + timedelta(days=3)
    _bar(asset, START + timedelta(days=4), 98)  # back below: re-armed
    _bar(asset, START + timedelta(days=5), 105)  # crosses again: fires again
    assert evaluation.after_bars(["ACME"]) == 1
    assert len(_titles(user)) == 2 and AlertTrigger.objects.filter(alert=alert).count() == 2


def test_a_price_alert_made_beyond_its_level_waits_for_a_crossing():
    user, asset = UserFactory(), AssetFactory(id="HIGH")
    price_history(asset, [120], start=START)
    alert = create_alert(user=user, kind="price_above", symbol="HIGH", threshold="100")
    assert not alert.armed
    _bar(asset, START + timedelta(days=1), 125)
    assert evaluation.after_bars(["HIGH"]) == 0


def test_price_below_fires_on_a_close_under_the_level():
    user, asset = UserFactory(), AssetFactory(id="LOW")
    price_history(asset, [50], start=START)
    create_alert(user=user, kind="price_below", symbol="LOW", threshold="45")
    _bar(asset, START + timedelta(days=1), 44.5)
    assert evaluation.after_bars(["LOW"]) == 1
    assert _titles(user) == ["LOW closed below 45.00 at 44.50 on 2021-01-05"]


def test_a_daily_move_alert_fires_once_per_bar_date_beyond_the_threshold_either_way():
    user, asset = UserFactory(), AssetFactory(id="MOVE")
    price_history(asset, [100], start=START)
    create_alert(user=user, kind="daily_move", symbol="MOVE", threshold="5")
    for offset, close in enumerate([104, 98, 92, 93], start=1):  # +4 %, -5.77 %, -6.12 %, +1.09 %
        _bar(asset, START + timedelta(days=offset), close)
    assert evaluation.after_bars(["MOVE"]) == 2
    assert evaluation.after_bars(["MOVE"]) == 0
    assert _titles(user) == [
        "MOVE moved −5.77% on 2021-01-06 (close 98.00)",
        "MOVE moved −6.12% on 2021-01-07 (close 92.00)",
    ]


def test_outside_forecast_fires_once_per_forecast_when_a_close_leaves_its_interval():
    user, asset = UserFactory(), AssetFactory(id="FCST")
    price_history(asset, [100], start=START)
    PredictionFactory(
        asset=asset,
        as_of=START,
        target_date=START + timedelta(days=5),
        confidence_lower=Decimal(95),
        confidence_upper=Decimal(105),
    )
    create_alert(user=user, kind="outside_forecast", symbol="FCST")
    _bar(asset, START + timedelta(days=1), 103)  # inside
    _bar(asset, START + timedelta(days=2), 107)  # outside: fires
    _bar(asset, START + timedelta(days=3), 110)  # still outside the same forecast: nothing new
    assert evaluation.after_bars(["FCST"]) == 1
    assert evaluation.after_bars(["FCST"]) == 0
    assert _titles(user)[0].startswith("FCST at 107.00 on 2021-01-06 is above its forecast's 80% interval")


def test_forecast_matured_says_whether_the_price_landed_inside_and_fires_once_per_forecast():
    user, asset = UserFactory(), AssetFactory(id="MAT")
    price_history(asset, [100], start=START)
    alert = create_alert(user=user, kind="forecast_matured", symbol="MAT")
    prediction = PredictionFactory(
        asset=asset,
        as_of=START,
        target_date=START + timedelta(days=1),
        predicted_price=Decimal(100),
        confidence_lower=Decimal(98),
        confidence_upper=Decimal(102),
        as_of_price=Decimal(100),
    )
    _bar(asset, START + timedelta(days=1), 101)
    with events.capture() as published:
        assert score_matured_predictions(asset_ids=["MAT"]) == 1
    assert published == [events.Event("forecasts_scored", {"prediction_ids": [str(prediction.pk)]})]
    assert tasks.on_forecasts_scored(**published[0].payload) == 1  # what the worker runs
    assert tasks.on_forecasts_scored(**published[0].payload) == 0  # delivered twice: nothing twice
    assert evaluation.evaluate_all() == 0
    (title,) = _titles(user)
    assert "matured inside its interval: 101.00 vs 100.00" in title
    assert Notification.objects.get(user=user).alert_id == alert.pk


def test_portfolio_drift_fires_on_crossing_the_threshold_and_rearms_within_it():
    user = UserFactory()
    a, b = AssetFactory(id="DA"), AssetFactory(id="DB")
    price_history(a, [10], start=START)
    price_history(b, [10], start=START)
    portfolio = PortfolioFactory(user=user, name="Drifty")
    LotFactory(portfolio=portfolio, asset=a, quantity=Decimal(10), purchase_price=Decimal(10), purchase_date=START)
    LotFactory(portfolio=portfolio, asset=b, quantity=Decimal(10), purchase_price=Decimal(10), purchase_date=START)
    OptimizationRun.objects.create(
        portfolio=portfolio, user=user, objective="max_sharpe", state=JobState.SUCCEEDED, weights={"DA": 0.5, "DB": 0.5}
    )
    alert = create_alert(user=user, kind="portfolio_drift", portfolio=portfolio, threshold="10")
    assert alert.armed
    _bar(a, START + timedelta(days=1), 20)  # DA now 2/3 of the value: 16.7 points from 50 %
    _bar(b, START + timedelta(days=1), 10)
    assert evaluation.after_bars(["DA", "DB"]) == 1
    assert evaluation.after_bars(["DA", "DB"]) == 0
    assert _titles(user) == ["Drifty drifted 16.7 points from its optimisation (DA)"]
    _bar(a, START + timedelta(days=2), 11)
    _bar(b, START + timedelta(days=2), 10)
    evaluation.after_bars(["DA"])
    alert.refresh_from_db()
    assert alert.armed


def test_large_transfer_fires_once_per_transfer_at_or_above_the_threshold_in_token_units():
    user = UserFactory()
    token = TokenFactory(decimals=6, symbol="USDX")
    tracked = TrackedAddressFactory(owner=user, chain_id=token.chain_id)
    create_alert(user=user, kind="large_transfer", address=tracked.address, threshold="1000")
    now = timezone.now()
    small = TransferFactory(
        chain_id=token.chain_id, token=token, from_address=tracked.address, value=999_999_999, timestamp=now
    )
    big = TransferFactory(
        chain_id=token.chain_id, token=token, to_address=tracked.address, value=1_000_000_000, timestamp=now
    )
    assert evaluation.after_chain_sync(token.chain_id) == 1
    assert evaluation.after_chain_sync(token.chain_id) == 0
    assert AlertTrigger.objects.get().key == f"transfer:{big.pk}" != f"transfer:{small.pk}"
    assert "1,000 USDX" in _titles(user)[0]


def test_job_finished_fires_once_per_ended_job_of_its_owner_only():
    user, other = UserFactory(), UserFactory()
    create_alert(user=user, kind="job_finished")
    mine = PredictionJob.objects.create(
        user=user, asset=AssetFactory(), state=JobState.RUNNING, started_at=timezone.now()
    )
    theirs = PredictionJob.objects.create(user=other, asset=AssetFactory(), state=JobState.RUNNING)
    with events.capture() as published:
        jobs.succeed(mine, {}, message="3 forecasts")
        jobs.succeed(theirs, {})
        jobs.succeed(mine, {})  # a second delivery finishes nothing and publishes nothing
    assert [event.payload["job_id"] for event in published] == [str(mine.pk), str(theirs.pk)]
    for event in published:
        tasks.on_job_ended(**event.payload)
    assert evaluation.after_job() == 0  # the catch-up finds them notified
    assert _titles(user) == [f"Your prediction job of {mine.asset_id} finished: 3 forecasts"]
    assert not Notification.objects.filter(user=other).exists()


def test_an_inactive_alert_does_not_fire():
    user, asset = UserFactory(), AssetFactory(id="OFF")
    price_history(asset, [100], start=START)
    create_alert(user=user, kind="daily_move", symbol="OFF", threshold="1", active=False)
    _bar(asset, START + timedelta(days=1), 150)
    assert evaluation.evaluate_all() == 0


def test_notifications_of_a_firing_follow_the_alert_kind_and_link_to_what_fired():
    user, asset = UserFactory(), AssetFactory(id="LINK")
    price_history(asset, [100], start=START)
    create_alert(user=user, kind="daily_move", symbol="LINK", threshold="1", channels=["in_app", "email"])
    _bar(asset, START + timedelta(days=1), 110)
    evaluation.after_bars(["LINK"])
    notification = Notification.objects.get(user=user)
    assert notification.kind == AlertKind.DAILY_MOVE and notification.url == "/assets/LINK/"
    assert notification.trigger.key == "move:2021-01-05"
