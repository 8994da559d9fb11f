"""The replay's pages: public, read-only, and the banner on every page while a replay runs.

Public by choice: a run says which period of history was replayed and how far it got (facts about
the public track record's data, nothing about any user), and the banner shows on every page, the
login page included. Nothing here starts, stops or changes a replay: every route answers 405 to
anything but GET and HEAD, for anyone.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from apps.replay.models import ReplayRun
from quantumvest.jobs import JobState
from tests.accounts.factories import UserFactory
from tests.url_walk import walk

pytestmark = pytest.mark.django_db


def replay_run(**fields) -> ReplayRun:
    values = {
        "start": date(2016, 12, 30),
        "end": date(2019, 12, 31),
        "issue_every": 5,
        "state": JobState.RUNNING,
        "started_at": timezone.now(),
        "current_day": date(2018, 3, 4),
        "days_done": 494,
        "days_total": 1097,
        "progress": 45,
    } | fields
    return ReplayRun.objects.create(**values)


def replay_routes() -> list[str]:
    return ["/" + route for route, namespaces, _pattern in walk(get_resolver().url_patterns) if "replay" in namespaces]


def test_every_replay_route_is_public_and_read_only():
    routes = replay_routes()
    assert routes == ["/replay/", "/replay/banner/"]
    replay_run()
    for client in (Client(), _logged_in()):
        for route in routes:
            assert client.get(route).status_code == 200, route
            for method in ("post", "put", "patch", "delete"):
                assert getattr(client, method)(route).status_code == 405, (method, route)
    assert ReplayRun.objects.count() == 1


def _logged_in() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def test_a_running_replay_shows_its_progress_on_every_page_and_polls():
    replay_run()

    page = Client().get(reverse("accounts:login")).content.decode()

    assert "Market replay: 2018-03-04 of 2019-12-31 (45%) — replayed forecasts are marked as such." in page
    assert 'hx-get="/replay/banner/" hx-trigger="every 5s"' in page


def test_the_banner_stops_polling_once_the_replay_finished():
    run = replay_run()
    ReplayRun.objects.filter(pk=run.pk).update(state=JobState.SUCCEEDED, progress=100)

    fragment = Client().get(reverse("replay:banner"), HTTP_HX_REQUEST="true").content.decode()

    assert 'id="replay-banner" hidden' in fragment
    assert "hx-get" not in fragment and "Market replay" not in fragment


def test_an_interrupted_replay_tells_staff_how_to_resume_it_and_investors_what_it_means():
    replay_run(state=JobState.FAILED, error="Running for more than 2100 s: the worker was lost.")
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))

    page = Client().get(reverse("replay:runs")).content.decode()
    staff_page = staff.get(reverse("replay:runs")).content.decode()

    assert "Market replay interrupted at 2018-03-04 of 2019-12-31 (45%)" in page
    assert "the prices shown stop there until it resumes" in page and "manage.py" not in page
    assert "manage.py replay --start 2016-12-30 --end 2019-12-31 --issue-every 5" in staff_page
    assert "the worker was lost" in page


def test_a_replay_without_progress_for_minutes_is_shown_as_stalled():
    replay_run(started_at=timezone.now() - timedelta(minutes=10))

    fragment = Client().get(reverse("replay:banner")).content.decode()

    assert "Market replay stalled at 2018-03-04" in fragment
    assert "hx-get" in fragment  # it may resume: keep looking


def test_the_runs_page_lists_runs_and_counts_replayed_forecasts():
    from apps.predictions.models import Prediction
    from tests.onchain.notary_data import issue

    replay_run()
    first, _live = issue(2)
    Prediction.objects.filter(pk=first.pk).update(replayed=True)

    response = Client().get(reverse("replay:runs"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "2016-12-30 – 2019-12-31" in page and "494 / 1097" in page
    assert "1 replayed forecast issued, 0 of them scored" in page


def test_no_replay_no_banner():
    page = Client().get(reverse("accounts:login")).content.decode()

    assert "Market replay" not in page
