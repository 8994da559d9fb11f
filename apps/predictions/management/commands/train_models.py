"""Train model versions: walk-forward selection per horizon, stored as candidates for review."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.assets.models import Asset
from apps.predictions import inputs, services
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = "Backtest the candidate models per asset and horizon and store the selection as a candidate version."

    def add_arguments(self, parser):
        parser.add_argument("--symbol", action="append", default=[], help="Asset symbol (repeat; default: all active).")
        parser.add_argument(
            "--models",
            default=",".join(services.KNOWN_MODELS),
            help="Comma-separated candidates (naive,drift,prophet,sklearn).",
        )
        parser.add_argument("--origins", type=int, default=None, help="Walk-forward origins per horizon.")

    def handle(self, *args, symbol, models, origins, **options):
        if origins is not None and origins < 1:
            raise CommandError("--origins must be at least 1.")
        symbols = [s.upper() for s in symbol]
        assets = (
            Asset.objects.filter(pk__in=symbols)
            if symbols
            else Asset.objects.active().filter(bars__isnull=False).distinct()
        )
        missing = sorted(set(symbols) - set(assets.values_list("pk", flat=True)))
        if missing:
            raise CommandError(f"Unknown symbol(s): {', '.join(missing)}.")
        failures = 0
        for asset in assets.order_by("pk"):
            try:
                version = services.train_model_version(asset=asset, models=models.split(","), origins=origins)
            except DomainError as exc:
                failures += 1
                self.stderr.write(f"{asset.pk}: {exc.detail}")
                continue
            chosen = ", ".join(
                f"{name} {summary['model']}{'' if summary['beats_random_walk'] else ' (no edge)'}"
                + "".join(f" +{used}" for used in inputs.kept_for(version.parameters, name))
                for name, summary in version.metrics.items()
            )
            self.stdout.write(f"{asset.pk}: version {version.pk} ({version.status}): {chosen}")
        if failures:
            raise CommandError(f"{failures} asset(s) could not be trained.")
