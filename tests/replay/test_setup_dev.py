"""`make run`'s setup_dev and the replay: the demo up to the cut, the rest replayed in the background."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from apps.assets.models import Asset, PriceBar
from apps.replay import services
from apps.replay.models import ReplayRun
from apps.replay.source import read_demo_history
from quantumvest.jobs import JobState

pytestmark = pytest.mark.django_db


@pytest.fixture
def spawned(replay_settings, monkeypatch):
    """The background processes setup_dev starts (the process boundary: recorded, not started)."""
    started = []

    class Process:
        pid = 4242

        def __init__(self, command, **options):
            started.append((command, options))

    replay_settings.DEBUG = True
    monkeypatch.setattr(services.subprocess, "Popen", Process)
    return started


def setup_dev() -> str:
    out = io.StringIO()
    call_command("setup_dev", stdout=out, skip_checks=True)
    return out.getvalue()


def test_the_demo_replay_covers_the_last_12_months_of_the_asset_that_ends_first():
    history = read_demo_history()

    assert history.last_dates["SPY"] == date(2017, 12, 29)
    assert min(history.last_dates.values()) == date(2017, 12, 29)
    assert services.demo_plan(history) == (date(2016, 12, 30), date(2019, 12, 31))


@pytest.mark.slow
def test_setup_dev_loads_the_demo_up_to_the_cut_and_starts_the_replay_in_the_background(spawned, settings):
    out = setup_dev()

    assert "loading demo prices (20 US stocks, SPY, BTC-USD) up to 2016-12-29" in out
    assert Asset.objects.count() == 22
    assert PriceBar.objects.filter(date__gt=date(2016, 12, 29)).count() == 0
    assert PriceBar.objects.filter(asset_id="BTC-USD", date=date(2016, 12, 29)).exists()
    ((command, options),) = spawned
    assert command[-7:] == ["replay", "--start", "2016-12-30", "--end", "2019-12-31", "--issue-every", "5"]
    assert options["start_new_session"] is True
    assert (settings.VAR_DIR / "replay.log").exists()
    assert "started in the background (process 4242, log var/replay.log)" in out


def test_setup_dev_resumes_an_interrupted_replay_with_its_own_range(spawned):
    from tests.assets.factories import PriceBarFactory

    PriceBarFactory()
    ReplayRun.objects.create(
        start=date(2016, 12, 30), end=date(2019, 12, 31), issue_every=3, state=JobState.FAILED, days_total=10
    )

    setup_dev()

    ((command, _),) = spawned
    assert command[-7:] == ["replay", "--start", "2016-12-30", "--end", "2019-12-31", "--issue-every", "3"]


def test_setup_dev_leaves_a_running_or_finished_replay_alone(spawned):
    from tests.assets.factories import PriceBarFactory

    PriceBarFactory()
    run = ReplayRun.objects.create(
        start=date(2016, 12, 30), end=date(2019, 12, 31), issue_every=5, state=JobState.RUNNING, days_total=10
    )
    with services.exclusive():
        assert "already running" in setup_dev()
    ReplayRun.objects.filter(pk=run.pk).update(state=JobState.SUCCEEDED)
    setup_dev()

    assert spawned == []
