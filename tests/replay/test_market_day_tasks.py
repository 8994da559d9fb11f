"""One list of market-day tasks (QV_MARKET_DAY_TASKS): Celery beat schedules it, the replay runs it."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings

from apps.replay import steps

pytestmark = pytest.mark.django_db


def test_beat_schedules_every_market_day_task_in_the_lists_order():
    entries = settings.QV_MARKET_DAY_TASKS
    assert [task for _, task, _ in entries] == [
        "apps.predictions.tasks.score_matured",
        "apps.predictions.tasks.generate_nightly",
        "onchain.notarize_predictions",
        "home.evaluate_alerts",
    ]
    times = []
    for name, task, schedule in entries:
        assert settings.CELERY_BEAT_SCHEDULE[name] == {"task": task, "schedule": schedule}
        times.append((min(schedule.hour), min(schedule.minute)))
    assert times == sorted(times)  # the nightly order is the list's order


def test_the_replay_runs_the_list_in_order_and_a_task_added_to_it_in_process(settings, monkeypatch):
    calls = []
    for name in list(steps.IN_PROCESS):
        monkeypatch.setitem(steps.IN_PROCESS, name, lambda day, name=name: calls.append(name) or 0)
    # A later nightly task (say, alert evaluation) is added to the list once, and only there.
    settings.QV_MARKET_DAY_TASKS = [*settings.QV_MARKET_DAY_TASKS, ("later-task", "quantumvest.ping", None)]

    results = steps.run_market_day(steps.MarketDay(day=date(2017, 12, 1), symbols=("AAPL",), due=()))

    assert calls == [
        "apps.predictions.tasks.score_matured",
        "apps.predictions.tasks.generate_nightly",
        "onchain.notarize_predictions",
    ]
    assert list(results) == [*calls, "home.evaluate_alerts", "quantumvest.ping"]  # the alerts run as their task
    assert results["quantumvest.ping"] == "pong"  # its body ran here, not through the broker
