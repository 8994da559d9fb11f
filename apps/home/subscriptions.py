"""Which Celery task handles which domain event (see quantumvest/events.py for the events)."""

from quantumvest import events

HANDLERS: list[tuple[str, str]] = [
    ("bars_imported", "home.on_bars_imported"),
    ("forecasts_scored", "home.on_forecasts_scored"),
    ("chain_synced", "home.on_chain_synced"),
    ("job_ended", "home.on_job_ended"),
]


def register() -> None:
    from apps.home import tasks  # noqa: F401 - the handlers must be registered in every process, not only workers

    for event, task in HANDLERS:
        events.subscribe(event, task)
