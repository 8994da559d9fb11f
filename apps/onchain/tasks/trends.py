"""Celery tasks: trends."""
