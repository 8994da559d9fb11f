"""The cache is an accelerator: when Redis is unreachable, reads miss and writes are dropped.

``ResilientRedisCache`` is django-redis' ``RedisCache`` that never raises for a connection
failure: ``get`` answers its default, ``get_many`` ``{}``, ``set``/``add``/``delete`` nothing
(django-redis' ``IGNORE_EXCEPTIONS``). Callers then read the database, as on a cache miss.

A per-process circuit breaker keeps an outage cheap: after a failure the cache skips Redis for
``CACHE_BREAKER_SECONDS`` instead of paying the socket timeout on every call, then tries again;
the first success closes it. So a page costs at most one failed connection attempt every few
seconds, and the cache works again as soon as Redis is back, without a restart.

What falls through (see README, "Without Redis"): cached market data (rebuilt from the database),
DRF throttles (their counters read as empty: fail-open). Sessions and django-axes lockouts are in
the database and do not depend on the cache. ``check()`` bypasses all this for ``/readyz``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger(__name__)


class CircuitBreaker:
    """Open for ``cooldown`` seconds after a failure; shared by every thread of the process."""

    def __init__(self, cooldown: float):
        self.cooldown = cooldown
        self._open_until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self, error: Exception, location: str) -> None:
        with self._lock:
            was_closed = self._open_until == 0.0
            self._open_until = time.monotonic() + self.cooldown
        if was_closed:
            logger.warning(
                "Cache %s unavailable (%s); serving from the database, next try in %s s",
                location,
                error,
                self.cooldown,
            )

    def reset(self, location: str) -> None:
        if self._open_until == 0.0:
            return
        with self._lock:
            self._open_until = 0.0
        logger.warning("Cache %s is back", location)


# One breaker per Redis location and process: Django makes a cache object per thread.
_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, cooldown: float) -> CircuitBreaker:
    with _breakers_lock:
        breaker = _breakers.get(location)
        if breaker is None or breaker.cooldown != cooldown:
            breaker = _breakers[location] = CircuitBreaker(cooldown)
        return breaker


# Client methods that do not talk to Redis: they pass through without touching the breaker.
_LOCAL_METHODS = frozenset(
    {"close", "do_close_clients", "disconnect", "make_key", "make_pattern", "encode", "decode", "parse_timeout"}
)


class _GuardedClient:
    """The django-redis client seen through the breaker: a failure trips it, a success closes it,
    and while it is open every Redis command fails at once with ``ConnectionInterrupted``."""

    def __init__(self, client: Any, breaker: CircuitBreaker, location: str):
        self._client = client
        self._breaker = breaker
        self._location = location

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name in _LOCAL_METHODS or name.startswith("_"):
            return attribute

        def guarded(*args, **kwargs):
            if self._breaker.is_open():
                raise ConnectionInterrupted(connection=None) from ConnectionError("circuit open")
            try:
                result = attribute(*args, **kwargs)
            except ConnectionInterrupted as error:
                self._breaker.trip(error, self._location)
                raise
            self._breaker.reset(self._location)
            return result

        return guarded


class ResilientRedisCache(RedisCache):
    """``RedisCache`` that logs and falls through to "miss / not stored" when Redis is down.

    ``OPTIONS["BREAKER_SECONDS"]`` (default 5) is how long to skip Redis after a failure.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        cooldown = float(options.pop("BREAKER_SECONDS", 5))
        options["IGNORE_EXCEPTIONS"] = True
        super().__init__(server, {**params, "OPTIONS": options})
        self._log_ignored_exceptions = False  # the breaker logs once per outage, not once per call
        self._location = server if isinstance(server, str) else ",".join(server)
        self._breaker = breaker_for(self._location, cooldown)
        self._guarded: _GuardedClient | None = None

    @property
    def client(self) -> Any:
        if self._guarded is None:
            self._guarded = _GuardedClient(super().client, self._breaker, self._location)
        return self._guarded

    def check(self) -> None:
        """Write and read a probe key on Redis itself, raising on any failure (for ``/readyz``)."""
        raw = super().client
        key = "readyz:probe"
        try:
            raw.set(key, "ok", 10)
            value = raw.get(key)
        except ConnectionInterrupted as error:
            raise error.__cause__ or error from None
        if value != "ok":
            raise RuntimeError("cache did not return the value it was given")
