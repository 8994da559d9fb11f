"""Which Celery task handles which domain event (see quantumvest/events.py for the events)."""

from quantumvest import events

HANDLERS: list[tuple[str, str]] = []


def register() -> None:
    for event, task in HANDLERS:
        events.subscribe(event, task)
