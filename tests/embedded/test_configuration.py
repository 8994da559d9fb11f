"""The lane really is the embedded default, checked once more per test process from inside a test."""

from __future__ import annotations

from django.core.cache import caches
from django.db import connection

from tests.embedded.conftest import _embedded_configuration_problems


def test_the_lane_runs_on_sqlite_locmem_and_eager_tasks():
    assert _embedded_configuration_problems() == []
    assert connection.vendor == "sqlite"
    assert type(caches["default"]).__name__ == "LocMemCache"
