"""Celery tasks: transactions."""
