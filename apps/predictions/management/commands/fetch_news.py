from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.predictions import news
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = "Ingest RSS/Atom feeds: the configured QV_NEWS_FEEDS, or local files given with --file."

    def add_arguments(self, parser):
        parser.add_argument("--file", dest="files", action="append", type=Path, default=[], help="A local feed file.")

    def handle(self, *args, files, **options):
        if files:
            outcome = {}
            for path in files:
                try:
                    outcome[str(path)] = news.ingest_feed(content=path.read_bytes(), source=path.stem).as_dict()
                except OSError as exc:
                    outcome[str(path)] = {"error": exc.strerror or str(exc)}
                except DomainError as exc:
                    outcome[str(path)] = {"error": exc.detail}
        elif settings.QV_NEWS_FEEDS:
            outcome = news.fetch_feeds(urls=settings.QV_NEWS_FEEDS, timeout=settings.QV_NEWS_FEED_TIMEOUT)
        else:
            raise CommandError("No feeds: set QV_NEWS_FEEDS or pass --file PATH.")
        failed = 0
        for source, result in outcome.items():
            if "error" in result:
                failed += 1
                self.stderr.write(f"{source}: {result['error']}")
            else:
                self.stdout.write(
                    f"{source}: {result['created']} created, {result['unchanged']} unchanged or unrelated"
                )
        if failed:
            raise CommandError(f"{failed} feed(s) failed.")
