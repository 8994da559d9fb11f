"""The live stream: Server-Sent Events relaying a user's events to an open page (see realtime.py).

It only relays: what happened and to whom was decided by the service that published. Events sent:
``notification`` (data: the notification id), ``read`` (notifications were marked read) and
``logout`` (this session ended; the page stops listening). A comment line every
``QV_STREAM_HEARTBEAT`` seconds keeps proxies from closing the connection and re-checks the
session; after ``QV_STREAM_LIFETIME`` seconds the stream ends and the browser reconnects.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import redis
import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import SessionBase
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.crypto import constant_time_compare

from apps.home import realtime
from apps.home.models import Notification
from quantumvest.api import error_body

logger = logging.getLogger(__name__)

RETRY_MS = 3000  # how long the browser waits before reconnecting after a normal end


def _frame(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _session_valid(session: SessionBase, user_id) -> bool:
    """Whether the session still exists and still belongs to the user (logout, a password change or
    a deactivation end it)."""
    store = type(session)(session.session_key)
    if not store.exists(session.session_key) or str(store.get(SESSION_KEY)) != str(user_id):
        return False
    backend_path = store.get(BACKEND_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    user = load_backend(backend_path).get_user(user_id)
    if user is None or not user.is_active:
        return False
    return constant_time_compare(store.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())


def _newest(user_id) -> tuple[int, int]:
    """The user's newest in-app notification id and unread count (the stream's view without Redis)."""
    rows = Notification.objects.filter(user_id=user_id, in_app=True)
    newest = rows.order_by("-id").values_list("id", flat=True).first() or 0
    return newest, rows.filter(read_at__isnull=True).count()


def _refused(status: int, detail: str, code: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse(error_body(detail, code), status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


async def stream(request: HttpRequest):
    user = await request.auser()
    if not user.is_authenticated:  # like every page (pages show the stream only to signed-in users)
        return redirect_to_login(request.get_full_path())
    if not isinstance(request, ASGIRequest):
        # Under a WSGI server (gunicorn's sync workers, the test server) an endless stream would hold
        # a worker and be buffered whole. 204 tells EventSource not to reconnect; the page polls.
        return HttpResponse(status=204)
    try:
        stream_id = await sync_to_async(realtime.acquire_stream, thread_sensitive=False)(user.pk)
    except realtime.StreamUnavailable:
        return _refused(
            503, "Live updates are unavailable (Redis is not reachable); the page polls.", "redis_unavailable", 10
        )
    if stream_id is None:
        detail = f"At most {settings.QV_STREAMS_PER_USER} live connections per user; close a tab or wait."
        return _refused(429, detail, "too_many_streams", 30)
    pubsub = None
    if realtime.uses_redis():
        client = aioredis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=realtime.CONNECT_TIMEOUT, socket_timeout=None
        )
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await asyncio.wait_for(pubsub.subscribe(realtime.channel(user.pk)), realtime.SOCKET_TIMEOUT)
        except (redis.RedisError, OSError, TimeoutError):
            await sync_to_async(realtime.release_stream, thread_sensitive=False)(user.pk, stream_id)
            await client.aclose()
            return _refused(
                503, "Live updates are unavailable (Redis is not reachable); the page polls.", "redis_unavailable", 10
            )
    response = StreamingHttpResponse(
        _events(request.session, user.pk, stream_id, pubsub), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache, no-store, private"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


async def _events(session: SessionBase, user_id, stream_id: str, pubsub):
    tag = realtime.session_tag(session.session_key)
    started = time.monotonic()
    next_beat = started + settings.QV_STREAM_HEARTBEAT
    newest, unread = (await sync_to_async(_newest)(user_id)) if pubsub is None else (0, 0)
    ticks = 0
    try:
        yield f"retry: {RETRY_MS}\n" + _frame("ready", {})
        while time.monotonic() - started < settings.QV_STREAM_LIFETIME:
            if pubsub is not None:
                message = await pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message":
                    payload = json.loads(message["data"])
                    event, data = payload.get("event"), payload.get("data") or {}
                    if event == "logout":
                        if data.get("session") == tag:
                            yield _frame("logout", {})
                            return
                        continue
                    yield _frame(event, data)
            else:
                await asyncio.sleep(1.0)
                ticks += 1
                latest, now_unread = await sync_to_async(_newest)(user_id)
                if latest > newest:
                    yield _frame("notification", {"id": latest})
                elif now_unread != unread:
                    yield _frame("read", {"unread": now_unread})
                newest, unread = latest, now_unread
                # No logout event crosses processes without Redis: look at the session every 3 s.
                if ticks % 3 == 0 and not await sync_to_async(_session_valid)(session, user_id):
                    yield _frame("logout", {})
                    return
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + settings.QV_STREAM_HEARTBEAT
                if not await sync_to_async(_session_valid)(session, user_id):
                    yield _frame("logout", {})
                    return
                await sync_to_async(realtime.refresh_stream, thread_sensitive=False)(user_id, stream_id)
                yield ": heartbeat\n\n"
        yield _frame("reconnect", {})
    except (redis.RedisError, OSError) as exc:
        logger.warning("live stream of user %s ended: Redis: %s", user_id, exc)
    finally:
        await sync_to_async(realtime.release_stream, thread_sensitive=False)(user_id, stream_id)
        if pubsub is not None:
            try:
                await pubsub.aclose()
                await pubsub.connection_pool.disconnect()
            except (redis.RedisError, OSError) as exc:
                logger.info("live stream of user %s: closing Redis: %s", user_id, exc)
