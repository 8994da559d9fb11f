from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.predictions import news
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = "Import news headlines from CSV (published_at, source, title, url, symbols[, body]) and score them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--skip-invalid", action="store_true", help="Apply valid rows, report invalid ones.")

    def handle(self, *args, paths, skip_invalid, **options):
        rejected = 0
        for path in paths:
            try:
                report = news.import_news_csv(content=path.read_bytes(), skip_invalid=skip_invalid)
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror or exc}") from None
            except DomainError as exc:
                raise CommandError(f"{path}: {exc.detail}") from None
            for error in report.errors:
                self.stderr.write(f"{path}: {error}")
            rejected += len(report.errors)
            applied = "not applied" if report.errors and not skip_invalid else "applied"
            self.stdout.write(
                f"{path}: {report.created} created, {report.unchanged} unchanged, "
                f"{len(report.errors)} rejected ({applied})"
            )
        if rejected:
            raise CommandError(f"{rejected} row(s) rejected.")
