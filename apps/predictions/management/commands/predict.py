"""Issue forecasts for all four timeframes, synchronously."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.assets.models import Asset
from apps.predictions import services
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = "Generate and store 1d, 1w, 1m and 3m forecasts for the given assets (re-running returns the stored ones)."

    def add_arguments(self, parser):
        parser.add_argument("--symbol", action="append", required=True, help="Asset symbol (repeat for several).")

    def handle(self, *args, symbol, **options):
        symbols = [s.upper() for s in symbol]
        assets = {asset.pk: asset for asset in Asset.objects.filter(pk__in=symbols)}
        missing = [s for s in symbols if s not in assets]
        if missing:
            raise CommandError(f"Unknown symbol(s): {', '.join(missing)}.")
        failures = 0
        for name in symbols:
            try:
                predictions = services.generate_predictions(asset=assets[name])
            except DomainError as exc:
                failures += 1
                self.stderr.write(f"{name}: {exc.detail}")
                continue
            for p in predictions:
                self.stdout.write(
                    f"{name} {p.timeframe} as of {p.as_of} ({p.as_of_price}) → {p.target_date}: {p.predicted_price} "
                    f"[{p.confidence_lower}, {p.confidence_upper}] at {p.level:.0%}, {p.direction} "
                    f"p={p.confidence_score} model={p.model_name}"
                )
        if failures:
            raise CommandError(f"{failures} asset(s) could not be forecast.")
