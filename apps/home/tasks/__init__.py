"""Celery tasks of the home app, one module per area (autodiscovery imports this package)."""
