"""Domain events: what happened, published after commit as a small dict of ids, handled by Celery tasks.

A domain app says what happened (``publish("bars_imported", symbols=[...])``) and knows nothing of
who listens; an app that reacts (alerts, notifications) subscribes a Celery task to the event in its
``AppConfig.ready``. Handlers are idempotent (a unique key per effect), because the broker may
deliver twice and periodic catch-up runs may evaluate the same state again.

Publishing happens when the surrounding transaction commits (at once outside one), never inside
it: a handler sees the committed rows. A broker that is not there does not fail the write that
published: the event is logged as dropped, and the handlers' periodic catch-up (Celery beat)
finds the same state later. Without a broker (``make run``) handlers run in-process, after commit.

Events and their payloads (all values JSON):
- ``bars_imported``: ``symbols`` (assets whose bars were created or changed, sorted); sent only when
  some were.
- ``forecasts_scored``: ``prediction_ids`` (UUID strings of the predictions just scored).
- ``chain_synced``: ``chain_id``, ``to_block`` (the block stored up to), ``transfers_new`` (how many
  transfers were stored); sent only when new transfers were stored.
- ``job_ended``: ``model`` (app label.model), ``job_id``, ``state`` (succeeded or failed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

EVENTS = ("bars_imported", "forecasts_scored", "chain_synced", "job_ended")

_handlers: dict[str, list[str]] = {}
_captured: list[list[Event]] = []


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict


def subscribe(event: str, task_name: str) -> None:
    """Have the Celery task ``task_name`` called with ``payload`` as keyword arguments after ``event``."""
    if event not in EVENTS:
        raise ValueError(f"Unknown event {event!r}; known: {', '.join(EVENTS)}.")
    handlers = _handlers.setdefault(event, [])
    if task_name not in handlers:
        handlers.append(task_name)


def handlers(event: str) -> list[str]:
    return list(_handlers.get(event, []))


def publish(event: str, **payload) -> None:
    """Publish ``event`` once the current transaction commits (at once outside one)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown event {event!r}; known: {', '.join(EVENTS)}.")
    happened = Event(event, payload)
    for captured in _captured:
        captured.append(happened)
    transaction.on_commit(lambda: _dispatch(happened))


def send_task(task, **kwargs) -> bool:
    """Queue ``task(**kwargs)`` once, giving up after ``QV_BROKER_PUBLISH_TIMEOUT`` seconds (logged);
    in eager mode (no broker) run it here. Whether it was queued (or ran)."""
    try:
        if task.app.conf.task_always_eager:
            task.apply(kwargs=kwargs)
            return True
        timeout = settings.QV_BROKER_PUBLISH_TIMEOUT
        options = {"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout}
        with (
            task.app.connection_for_write(connect_timeout=timeout, transport_options=options) as connection,
            connection.Producer() as producer,
        ):
            task.apply_async(kwargs=kwargs, retry=False, ignore_result=True, producer=producer)
        return True
    except (OperationalError, OSError) as exc:
        logger.warning("task %s not queued: %s: %s", task.name, type(exc).__name__, exc)
    except Exception:
        # An eager task's failure must not undo or fail the committed write that queued it.
        logger.exception("task %s failed", task.name)
    return False


def _dispatch(event: Event) -> None:
    # A handler that could not be queued is caught up by its app's periodic run.
    for task_name in _handlers.get(event.name, []):
        send_task(current_app.tasks[task_name], **event.payload)


@contextmanager
def capture() -> Iterator[list[Event]]:
    """Record the events published inside the block (for tests: which events a change sends)."""
    events: list[Event] = []
    _captured.append(events)
    try:
        yield events
    finally:
        _captured.remove(events)
