"""Import daily price files: ``import_prices PATH [PATH ...] [--format wide|ohlcv] [--symbol SYM]
[--type stock|etf|index|crypto] [--create-assets] [--skip-invalid]``.

Each file applies atomically. Prints every rejected row (line, column, reason) and every warning,
then a summary; exits with status 1 when any row was rejected or a file could not be read.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.assets import services
from apps.assets.models import AssetType, ImportFormat
from quantumvest.errors import DatabaseUnavailable, DomainError


class Command(BaseCommand):
    help = "Import daily prices from CSV files (wide: date + one column per symbol; OHLCV: one symbol)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--format", choices=ImportFormat.values, help="Override the format detected from the header."
        )
        parser.add_argument("--symbol", help="The symbol of an OHLCV file (default: the file name, e.g. SPY.csv).")
        parser.add_argument("--type", choices=AssetType.values, dest="asset_type", help="Type of created assets.")
        parser.add_argument("--create-assets", action="store_true", help="Create assets the database does not know.")
        parser.add_argument("--skip-invalid", action="store_true", help="Apply the valid rows, report the others.")

    def handle(self, *args, **options):
        totals = dict.fromkeys(("created", "updated", "unchanged", "rejected", "flagged"), 0)
        failed_files = 0
        for path in options["paths"]:
            with tqdm(total=100, desc=path, unit="%", file=sys.stderr, disable=None, leave=False) as bar:

                def progress(fraction: float, message: str, bar=bar) -> None:
                    bar.set_postfix_str(message)
                    bar.update(round(fraction * 100) - bar.n)

                try:
                    report = services.import_price_file(
                        path,
                        format=options["format"],
                        symbol=options["symbol"],
                        asset_type=options["asset_type"],
                        create_assets=options["create_assets"],
                        skip_invalid=options["skip_invalid"],
                        progress=progress,
                    )
                except services.ImportRejected as exc:
                    report = exc.report
                except DatabaseUnavailable as exc:
                    raise CommandError(f"{path}: {exc.detail}", returncode=1) from None
                except DomainError as exc:
                    self.stderr.write(self.style.ERROR(f"{path}: {exc.detail}"))
                    failed_files += 1
                    continue
            self._print(report)
            for key in totals:
                totals[key] += getattr(report, key)
        self.stdout.write(
            "Total: {created} created, {updated} updated, {unchanged} unchanged, {rejected} rejected, "
            "{flagged} warnings".format(**totals)
        )
        if totals["rejected"] or failed_files:
            raise CommandError(
                f"{totals['rejected']} row(s) rejected, {failed_files} file(s) unreadable.", returncode=1
            )

    def _print(self, report: services.ImportReport) -> None:
        for problem in report.errors:
            self.stderr.write(self.style.ERROR(f"{report.filename}: rejected {problem}"))
        if report.unlisted_errors:
            self.stderr.write(f"{report.filename}: ... and {report.unlisted_errors} more problem(s) not listed")
        for problem in report.warnings:
            self.stderr.write(self.style.WARNING(f"{report.filename}: warning {problem}"))
        if report.created_assets:
            self.stdout.write(f"{report.filename}: created assets {', '.join(report.created_assets)}")
        style = self.style.SUCCESS if report.applied and not report.rejected else self.style.WARNING
        self.stdout.write(style(report.summary()))
