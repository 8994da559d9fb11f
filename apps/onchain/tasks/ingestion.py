"""Celery tasks: ingestion."""
