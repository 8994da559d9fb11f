"""Celery tasks of apps.onchain, one module per use case (autodiscovery imports this package)."""

from apps.onchain.tasks import ingestion, notary, transactions, trends  # noqa: F401
