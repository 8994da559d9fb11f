"""Liveness and readiness probes.

``/healthz`` answers 200 while the process serves requests. ``/readyz`` checks the database, the
cache and the broker, each within a deadline, and answers 503 naming what failed: a hung
dependency cannot hold the probe longer than about 3 seconds.
"""

from __future__ import annotations

import concurrent.futures
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

CHECK_TIMEOUT_SECONDS = 2.5

# Checks run in a small shared pool so that a hung dependency costs a thread, not the request.
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")


def _check_database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connections.close_all()  # connections are per thread; do not leak the pool thread's


def _check_cache() -> None:
    # A fresh client each time: the probe must see the cache as configured now, not a pooled
    # connection that a worker thread happened to keep.
    cache = caches.create_connection("default")
    try:
        if hasattr(cache, "check"):
            cache.check()  # quantumvest.cache.ResilientRedisCache hides failures from its callers
            return
        key = "readyz:probe"
        cache.set(key, "ok", 10)
        if cache.get(key) != "ok":
            raise RuntimeError("cache did not return the value it was given")
    finally:
        cache.close()


def _check_broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # development: tasks run eagerly, there is no broker to reach
    from quantumvest.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    started = time.monotonic()
    futures = {name: _pool.submit(check) for name, check in CHECKS.items()}
    results: dict[str, str] = {}
    for name, future in futures.items():
        remaining = max(0.0, CHECK_TIMEOUT_SECONDS - (time.monotonic() - started))
        try:
            future.result(timeout=remaining)
            results[name] = "ok"
        except concurrent.futures.TimeoutError:
            results[name] = "timeout"
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency means not ready
            results[name] = f"error: {type(exc).__name__}"
    failed = sorted(name for name, outcome in results.items() if outcome != "ok")
    body = {"status": "ok" if not failed else "unavailable", "checks": results, "failed": failed}
    return JsonResponse(body, status=200 if not failed else 503)
