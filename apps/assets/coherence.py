"""Keeping a process-local cache coherent with bar writes made by other processes.

The embedded default's cache (``LocMemCache``) lives in each process's memory. A price import in
the serving process invalidates it directly; the market replay, running in a background process,
and commands run from another shell cannot. So, only while the cache is process-local, every bar
write also bumps ``DataEpoch`` in the database (``note_write``), and ``LocalCacheCoherenceMiddleware``
(installed by settings only in that configuration) reads it once per request and clears this
process's cache when it has moved: cached prices, statistics, summaries and the market date are
then rebuilt from the database, as after any import.
"""

from __future__ import annotations

import threading

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db.models import F

from apps.assets.models import DataEpoch


def cache_is_process_local() -> bool:
    return isinstance(caches["default"], LocMemCache)


def note_write() -> None:
    """Record a bar write for the other processes (a no-op with a shared cache)."""
    if not cache_is_process_local():
        return
    if not DataEpoch.objects.filter(pk=1).update(value=F("value") + 1):
        DataEpoch.objects.get_or_create(pk=1, defaults={"value": 1})


def current_epoch() -> int:
    return DataEpoch.objects.filter(pk=1).values_list("value", flat=True).first() or 0


class LocalCacheCoherenceMiddleware:
    """Clears this process's cache when another process has written bars since the last request."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._seen: int | None = None
        self._lock = threading.Lock()

    def __call__(self, request):
        epoch = current_epoch()
        with self._lock:
            if self._seen is not None and epoch != self._seen:
                cache.clear()
            self._seen = epoch
        return self.get_response(request)
