"""Fetch new daily bars of active assets from the configured provider (what the daily beat job does).

``fetch_prices [--symbol SYM ...] [--directory DIR]``: ``--directory`` reads SYMBOL.csv files from DIR
instead of the provider configured by ``QV_PRICE_PROVIDER``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.assets import services
from apps.assets.providers import get_provider
from apps.assets.providers.directory import DirectoryProvider


class Command(BaseCommand):
    help = "Fetch new bars for active assets from the price provider and upsert them."

    def add_arguments(self, parser):
        parser.add_argument("--symbol", action="append", dest="symbols", help="Only this symbol (repeatable).")
        parser.add_argument("--directory", help="Read SYMBOL.csv files from this directory instead.")

    def handle(self, *args, **options):
        provider = DirectoryProvider(options["directory"]) if options["directory"] else get_provider()
        if provider is None:
            raise CommandError("No price provider: set QV_PRICE_PROVIDER (directory or stooq) or pass --directory.")
        outcome = services.refresh_prices(provider=provider, symbols=options["symbols"])
        failed = 0
        for symbol, result in sorted(outcome.items()):
            if "error" in result:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{symbol}: {result['error']}"))
            else:
                self.stdout.write(f"{symbol}: {result['created']} created, {result['updated']} updated")
        if failed:
            raise CommandError(f"{failed} symbol(s) could not be fetched.", returncode=1)
