"""gunicorn settings for QuantumVest: `gunicorn -c gunicorn.conf.py quantumvest.asgi:application`.

Every value can be overridden from the environment (GUNICORN_*); each says why it is what it is.
Work that can outlast a request (large imports, forecasts, optimisation) runs as Celery jobs, so
every request is expected to end well inside ``timeout``: the synchronous API import is capped
by QV_IMPORT_SYNC_MAX_BYTES, uploads are refused unread over their limit.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# ASGI workers (uvicorn's, from the uvicorn-worker package): the live-updates stream holds a
# connection open per page without holding a thread; ordinary (sync) views still run one at a time
# per worker in Django's sync thread, as a sync worker would. `sync` with quantumvest.wsgi also
# works, without live updates (pages fall back to polling).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "uvicorn_worker.UvicornWorker")
# Sync workers: the app is CPU-light per request and blocking I/O is bounded by timeouts
# (database connect 3 s, cache socket, broker publish). 2 per core + 1 keeps a core busy while
# another worker waits on PostgreSQL; capped so a large host does not open hundreds of DB connections.
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 12))
threads = _int("GUNICORN_THREADS", 1)
# A request still running after 30 s is stuck (the slowest legitimate request, a synchronous API
# import at QV_IMPORT_SYNC_MAX_BYTES = 1 MB, takes about 6 s on 2 busy cores): the arbiter kills the
# worker rather than let it hold a slot forever.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (deploys, scale-down) in-flight requests get as long to finish as they may run at all;
# open live streams are cut then, and the browsers reconnect to another worker.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind a proxy that reuses connections: a short keep-alive frees sync workers quickly.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle each worker after ~1000 requests so slow leaks (numpy/pandas caches, fragmentation)
# cannot grow without bound; the jitter keeps all workers from restarting at the same moment.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The application is loaded once, in the arbiter, and every worker is forked from it. Without this,
# each recycled worker imports Django, pandas and the models again (3 to 4 s on 2 cores) and serves
# nothing meanwhile; workers recycled at nearly the same count stalled every request for seconds
# (bench/prices_api.py: p95 of a trivial view 3.9 s). Forked, a new worker serves within
# milliseconds, and the workers share the imported code's memory. Safe because nothing connects at
# import time (database, cache, broker and chain connections open on first use, in the worker).
# GUNICORN_PRELOAD=false loads the application in each worker instead.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").strip().lower() not in {"false", "0", "no", "off"}
# Request line: our longest legitimate URLs (filters, pagination) are far below 4 kB; longer is abuse.
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 4094)
# Header count and size: browsers send ~20 headers; 8 kB per field fits a JWT and large cookies.
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 50)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)
# The heartbeat file lives in memory where available: a slow or full disk must not look like a
# hung worker and get it killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - a tmpfs, not a shared temp file
# Logs to stdout/stderr for the process manager or container runtime to collect.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"


def when_ready(server) -> None:
    """In the arbiter, once the preloaded application is loaded and before the first fork: import the
    URLconf, and with it every view module and what they import (pandas, the optimiser, the
    forecasting models). Django does that on a process's first request; done here, a forked worker's
    first request is as fast as its thousandth (a recycled worker otherwise answered it 1.3 s late)."""
    if preload_app:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - evaluated for its imports


def worker_exit(server, worker) -> None:
    """In a worker that booted and is now leaving (recycled after ``max_requests``, or stopped): close
    its database connections, flush the logs and end the process at once. Python's own shutdown of a
    process holding this application (3,700 modules) takes about a second, during which the arbiter
    has not yet been told the worker is gone and forks no replacement; skipping it is what
    Instagram does for the same reason. A worker that failed to boot exits normally, with its code."""
    if not getattr(worker, "booted", False):
        return
    import logging

    from django.db import connections

    connections.close_all()
    logging.shutdown()
    os._exit(0)
