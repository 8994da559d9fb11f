"""Celery tasks of the home app, one module per area (autodiscovery imports this package)."""

from apps.home.tasks import alerts, notifications  # noqa: F401 - registers the tasks
