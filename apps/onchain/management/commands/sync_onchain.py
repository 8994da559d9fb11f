"""python manage.py sync_onchain: ingest the configured chain's new blocks once and print the report."""

from django.core.management.base import BaseCommand, CommandError

from apps.onchain.services.ingestion import sync_chain
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = "Sync transfers of tracked wallets and tokens from ONCHAIN_RPC_URL's chain since its checkpoint."

    def handle(self, *args, **options):
        try:
            report = sync_chain()
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        for line in report.lines():
            self.stdout.write(line)
