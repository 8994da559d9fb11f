"""The market replay through its command: real bars day by day, then the market-day tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError
from django.db.models import Max

from apps.assets.models import PriceBar
from apps.onchain.models import BatchStatus, NotarisedBatch, PredictionProof
from apps.predictions import services as prediction_services
from apps.predictions.models import ModelVersion, Prediction
from apps.replay import services, source, steps
from apps.replay.models import ReplayRun
from quantumvest.jobs import JobState
from tests.replay.conftest import END, START

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_forecasts_are_issued_every_nth_market_day_of_each_asset_and_marked_replayed(run_replay, source):
    run_replay(issue_every=5)

    history = source_history(source)
    assert len(history.assets) == 22
    for symbol in history.assets:
        days = [day for day in history.dates[symbol] if START <= day <= END]
        issued = sorted(set(Prediction.objects.filter(asset_id=symbol).values_list("as_of", flat=True)))
        assert issued == days[::5], symbol
        assert Prediction.objects.filter(asset_id=symbol).count() == 4 * len(issued)
    assert not Prediction.objects.filter(replayed=False).exists()
    run = ReplayRun.objects.get()
    total = len(history.market_days_between(START, END))
    assert (run.state, run.current_day, run.days_done, run.days_total) == (JobState.SUCCEEDED, END, total, total)


def source_history(directory) -> source.History:
    return source.read_demo_history(directory)


def test_forecasts_are_scored_once_their_target_date_has_a_bar_and_not_before(run_replay):
    run_replay()

    matured = Prediction.objects.filter(target_date__lte=END)
    assert matured.exists() and not matured.filter(realised_price__isnull=True).exists()
    assert not Prediction.objects.filter(target_date__gt=END, realised_price__isnull=False).exists()
    for prediction in matured.filter(asset_id="AAPL"):
        bar = PriceBar.objects.filter(asset_id="AAPL", date__gte=prediction.target_date).order_by("date").first()
        assert prediction.realised_at == bar.date
        assert prediction.realised_price == (bar.adj_close if bar.adj_close is not None else bar.close)


def test_a_replayed_days_forecasts_see_no_bar_after_that_day(run_replay, monkeypatch):
    real = prediction_services.generate_predictions
    seen = []

    def watching(*, asset, **options):
        # What the database holds when the forecast is made: nothing after the day, for any asset.
        seen.append((asset.id, PriceBar.objects.aggregate(last=Max("date"))["last"]))
        return real(asset=asset, **options)

    monkeypatch.setattr(prediction_services, "generate_predictions", watching)
    run_replay()

    assert seen
    for prediction in Prediction.objects.select_related("model_version"):
        assert prediction.model_version.training_end <= prediction.as_of
        bar = PriceBar.objects.get(asset_id=prediction.asset_id, date=prediction.as_of)
        assert prediction.as_of_price == (bar.adj_close if bar.adj_close is not None else bar.close)
    issued_on = {(p.asset_id, p.as_of) for p in Prediction.objects.all()}
    assert len(seen) == len(issued_on)
    for symbol, latest in seen:
        assert (symbol, latest) in issued_on  # the latest bar anywhere is the forecast's own day


def test_model_versions_are_trained_on_data_up_to_the_first_replayed_day(run_replay):
    run_replay()

    versions = ModelVersion.objects.all()
    assert versions.count() == 22
    assert {version.training_end for version in versions} == {START}


def test_replayed_forecasts_are_notarised_on_chain(run_replay):
    run_replay()

    assert PredictionProof.objects.count() == Prediction.objects.count() > 0
    assert not NotarisedBatch.objects.exclude(status=BatchStatus.CONFIRMED).exists()


def test_running_the_same_range_again_creates_nothing(run_replay):
    run_replay()
    counts = (Prediction.objects.count(), PriceBar.objects.count(), NotarisedBatch.objects.count())
    scored = Prediction.objects.filter(realised_price__isnull=False).count()

    again = run_replay()

    assert "nothing new" in again
    assert (Prediction.objects.count(), PriceBar.objects.count(), NotarisedBatch.objects.count()) == counts
    assert Prediction.objects.filter(realised_price__isnull=False).count() == scored
    assert ReplayRun.objects.count() == 1


def test_an_interrupted_run_continues_after_its_last_finished_day(run_replay, monkeypatch):
    real = steps.run_market_day
    days = []

    def killed_on_the_fifth_day(market_day, **options):
        if len(days) == 4:
            raise KeyboardInterrupt  # like kill -9: nothing in the process gets to end the run
        days.append(market_day.day)
        return real(market_day, **options)

    monkeypatch.setattr(steps, "run_market_day", killed_on_the_fifth_day)
    with pytest.raises(KeyboardInterrupt):
        run_replay()
    run = ReplayRun.objects.get()
    assert (run.state, run.current_day, run.days_done) == (JobState.RUNNING, days[-1], 4)
    partial = Prediction.objects.count()

    resumed = []
    monkeypatch.setattr(steps, "run_market_day", lambda day, **o: resumed.append(day.day) or real(day, **o))
    run_replay()

    run.refresh_from_db()
    assert run.state == JobState.SUCCEEDED and run.days_done == run.days_total
    assert resumed[0] > days[-1] and len(resumed) == run.days_total - 4
    assert Prediction.objects.count() > partial
    assert Prediction.objects.values("asset", "as_of", "timeframe").distinct().count() == Prediction.objects.count()


def test_a_run_left_running_by_a_dead_process_is_failed_by_the_sweeper_then_resumed(run_replay, monkeypatch):
    from quantumvest import jobs

    real = steps.run_market_day
    calls = []

    def dies_on_the_second_day(market_day, **options):
        calls.append(market_day.day)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(market_day, **options)

    monkeypatch.setattr(steps, "run_market_day", dies_on_the_second_day)
    with pytest.raises(KeyboardInterrupt):
        run_replay(end=START + timedelta(days=3))
    run = ReplayRun.objects.get()
    assert run.state == JobState.RUNNING
    # Its process is gone: no day finishes any more, and the deadline passes.
    ReplayRun.objects.filter(pk=run.pk).update(started_at=run.started_at - timedelta(seconds=jobs.run_timeout() + 1))
    assert run.is_stalled is False  # (the in-memory row is from before the deadline)
    run.refresh_from_db()
    assert run.is_stalled

    jobs.sweep()
    run.refresh_from_db()
    assert run.state == JobState.FAILED and "was lost" in run.error

    monkeypatch.setattr(steps, "run_market_day", real)
    run_replay(end=START + timedelta(days=3))
    run.refresh_from_db()
    assert (run.state, run.days_done, run.current_day) == (
        JobState.SUCCEEDED,
        run.days_total,
        START + timedelta(days=3),
    )


def test_a_replay_into_a_database_with_later_prices_is_refused(run_replay):
    run_replay(end=START + timedelta(days=3))

    with pytest.raises(CommandError, match="already holds prices after"):
        run_replay(start=START + timedelta(days=1), end=START + timedelta(days=7))


def test_a_second_replay_while_one_runs_is_refused(run_replay):
    with services.exclusive(), pytest.raises(CommandError, match="Another market replay is running"):
        run_replay()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--start", "2017-12-08", "--end", "2017-12-01"], "before the start"),
        (["--start", "08/12/2017"], "is not a date; use YYYY-MM-DD"),
        (["--start", "2017-12-01", "--end", "2017-13-01"], "--end: '2017-13-01' is not a date"),
        (["--start", "2017-12-01", "--issue-every", "0"], "at least 1"),
        (["--start", "2030-01-01"], "No market day from 2030-01-01 to the end of the prices"),
    ],
)
def test_bad_arguments_are_a_clear_command_error(replay_settings, source, arguments, message):
    from django.core.management import call_command

    with pytest.raises(CommandError, match=message):
        call_command("replay", *arguments, "--directory", str(source), skip_checks=True)
    assert not ReplayRun.objects.exists()
