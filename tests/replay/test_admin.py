"""Replay runs and replayed forecasts in the admin: analysts read them; replays start only from the
command line; replayed forecasts can be told (and filtered) apart from live ones."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.replay.models import ReplayRun
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _analyst() -> Client:
    client = Client()
    client.force_login(UserFactory(role=Role.ANALYST))
    return client


def test_analysts_read_replay_runs_and_cannot_start_or_change_one():
    run = ReplayRun.objects.create(start=date(2017, 1, 3), end=date(2017, 2, 1), issue_every=5, days_total=21)
    client = _analyst()
    listing = client.get("/admin/replay/replayrun/")
    assert listing.status_code == 200 and "2017-01-03" in listing.content.decode().replace("Jan. 3, 2017", "2017-01-03")
    assert client.get(f"/admin/replay/replayrun/{run.pk}/change/").status_code == 200  # the read-only view
    assert client.get("/admin/replay/replayrun/add/").status_code == 403
    assert client.post(f"/admin/replay/replayrun/{run.pk}/change/", {"issue_every": 1}).status_code == 403
    run.refresh_from_db()
    assert run.issue_every == 5


def test_the_prediction_list_filters_replayed_forecasts():
    page = _analyst().get("/admin/predictions/prediction/", {"replayed__exact": "1"})
    assert page.status_code == 200
    assert "replayed" in page.content.decode().lower()
