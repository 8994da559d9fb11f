"""Pushes to open pages: small events for one user, crossing processes through Redis.

Decision: Server-Sent Events from an async Django view (``apps/home/views/live.py``), served by
uvicorn (``make run``) and by gunicorn with uvicorn's worker in production. The browser only ever
receives from the server (a notification arrived, one was read, the session ended), which is what
SSE is for: plain HTTP with the session cookie, automatic reconnection, no second protocol through
proxies, and no Channels layer to run beside Celery. WebSockets would add nothing we need.

Transport between processes:
- **With Redis** (real services): ``publish_to_user`` PUBLISHes a JSON message on the user's
  channel; every stream of that user, in any web process, is SUBSCRIBEd to it. A Celery worker's
  notification reaches a browser connected to another web process this way. Every Redis call has
  a short timeout; publishing never fails the caller (a lost push is caught up by the page's next
  badge refresh).
- **Without Redis** (``make run``): the stream polls the database once a second for the user's
  newest in-app notification and unread count (one indexed query), so a notification created by
  another process (the background market replay, a management command) still arrives.

Connections are counted per user (``QV_STREAMS_PER_USER``): in Redis as a sorted set of connection
ids scored by their last heartbeat (a crashed process's entries expire), in process memory without
Redis (``make run`` is one web process).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from functools import lru_cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 1.0
SOCKET_TIMEOUT = 2.0


class StreamUnavailable(Exception):
    """Redis, which carries the events between processes, is not there."""


def _prefix() -> str:
    return settings.CACHES["default"].get("KEY_PREFIX") or "qv"


def channel(user_id) -> str:
    return f"{_prefix()}:live:user:{user_id}"


def _streams_key(user_id) -> str:
    return f"{_prefix()}:live:streams:{user_id}"


def uses_redis() -> bool:
    return bool(settings.REDIS_URL)


@lru_cache(maxsize=1)
def _client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=SOCKET_TIMEOUT
    )


def session_tag(session_key: str | None) -> str:
    """A short, non-reversible name of a session, for telling a stream that its session ended."""
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:16]


def encode(event: str, data: dict | None = None) -> str:
    return json.dumps({"event": event, "data": data or {}}, separators=(",", ":"))


def publish_to_user(user_id, event: str, data: dict | None = None) -> None:
    """Send ``event`` (``notification``, ``read``, ``logout``) with ``data`` (ids only) to the user's
    open pages. Without Redis the streams find new notifications in the database themselves."""
    if not uses_redis():
        return
    try:
        _client().publish(channel(user_id), encode(event, data))
    except (redis.RedisError, OSError) as exc:
        logger.warning("live event %s for user %s not published: %s", event, user_id, exc)


# --- Open streams per user -----------------------------------------------------------------------

_local_streams: dict[str, set[str]] = {}
_local_lock = threading.Lock()


def acquire_stream(user_id) -> str | None:
    """Register a new stream of the user; its id, or None when the user has as many open as allowed.
    Raises ``StreamUnavailable`` when Redis is configured and not there."""
    limit = settings.QV_STREAMS_PER_USER
    stream_id = uuid.uuid4().hex
    if not uses_redis():
        with _local_lock:
            streams = _local_streams.setdefault(str(user_id), set())
            if len(streams) >= limit:
                return None
            streams.add(stream_id)
        return stream_id
    key, now = _streams_key(user_id), time.time()
    try:
        pipe = _client().pipeline()
        pipe.zremrangebyscore(key, 0, now - 3 * settings.QV_STREAM_HEARTBEAT)
        pipe.zcard(key)
        _removed, open_streams = pipe.execute()
        if open_streams >= limit:
            return None
        pipe = _client().pipeline()
        pipe.zadd(key, {stream_id: now})
        pipe.expire(key, 3 * settings.QV_STREAM_HEARTBEAT + 60)
        pipe.execute()
    except (redis.RedisError, OSError) as exc:
        raise StreamUnavailable(f"Redis is unavailable: {exc}") from exc
    return stream_id


def refresh_stream(user_id, stream_id: str) -> None:
    if uses_redis():
        try:
            _client().zadd(_streams_key(user_id), {stream_id: time.time()})
        except (redis.RedisError, OSError) as exc:
            logger.warning("live stream %s not refreshed: %s", stream_id, exc)


def release_stream(user_id, stream_id: str) -> None:
    if not uses_redis():
        with _local_lock:
            _local_streams.get(str(user_id), set()).discard(stream_id)
        return
    try:
        _client().zrem(_streams_key(user_id), stream_id)
    except (redis.RedisError, OSError) as exc:  # it expires after three heartbeats anyway
        logger.warning("live stream %s not released: %s", stream_id, exc)
