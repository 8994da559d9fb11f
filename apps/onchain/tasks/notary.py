"""Celery tasks: notary."""
