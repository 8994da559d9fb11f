"""The embedded default's cache is each process's own memory: bars written by another process (the
market replay runs in one beside `make run`'s server) must still reach the pages, through the
database epoch that ``apps.assets.coherence`` keeps."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.db.models import F

from apps.assets.cache import invalidate_price_cache
from apps.assets.market import market_date
from apps.assets.models import DataEpoch
from tests.assets.factories import AssetFactory

pytestmark = pytest.mark.django_db


def test_a_bar_write_bumps_the_epoch_that_other_processes_read():
    asset = AssetFactory(id="QVX")
    before = DataEpoch.objects.filter(pk=1).values_list("value", flat=True).first() or 0
    invalidate_price_cache([asset.pk])
    assert DataEpoch.objects.get(pk=1).value > before


def test_a_write_by_another_process_clears_this_processes_cache_on_the_next_request(client):
    client.get("/healthz")  # the middleware has seen the current epoch
    cache.set("assets:market-date", date(2001, 1, 1), None)
    cache.set("some-entry", "stale", None)
    client.get("/healthz")
    assert cache.get("some-entry") == "stale"  # nothing moved: the cache is kept

    # What the replay's process does to the shared database (its own cache is not ours).
    if not DataEpoch.objects.filter(pk=1).update(value=F("value") + 1):
        DataEpoch.objects.create(pk=1, value=1)
    client.get("/healthz")
    assert cache.get("some-entry") is None
    assert market_date() != date(2001, 1, 1)
