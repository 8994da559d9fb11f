"""Load the shipped sample prices (data/sample/): 20 US stocks, SPY and BTC-USD. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.assets import services
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = "Create the demo assets and import their sample price files (safe to run again)."

    def handle(self, *args, **options):
        try:
            reports = services.load_demo()
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        for report in reports:
            self.stdout.write(report.summary())
        self.stdout.write(
            self.style.SUCCESS("Demo data loaded (historical sample data, see data/sample/PROVENANCE.md).")
        )
