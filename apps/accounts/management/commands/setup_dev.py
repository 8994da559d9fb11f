"""Prepare a development instance: a demo account whose credentials are printed, and demo data.

On an empty database the demo prices are loaded up to a cut date and the last stretch of history
is replayed (``manage.py replay``) in a background process, so that the forecasts issued during
the replay mature into a track record for every demo asset while the server already serves.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts import services
from apps.assets import services as asset_services
from apps.assets.models import PriceBar
from apps.home.demo import setup_home_demo
from apps.onchain.services.demo import setup_onchain_demo
from apps.replay import selectors as replay_selectors
from apps.replay import services as replay
from apps.replay.source import read_demo_history

DEMO_EMAIL = "demo@quantumvest.local"


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo account and load demo data into an empty database, replaying its last "
        "12 months in the background. Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-replay",
            action="store_true",
            help="Load all the demo prices at once instead of replaying the last 12 months.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "setup_dev runs only with DJANGO_DEBUG=True: it creates an account with a known password."
            )
        password_file = settings.VAR_DIR / "demo-password"
        if password_file.exists():
            password = password_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
            password_file.chmod(0o600)
        demo_user = services.ensure_demo_user(email=DEMO_EMAIL, password=password)
        self.stdout.write(self.style.SUCCESS("Demo account (development only, role analyst: it can open /admin/):"))
        self.stdout.write(f"  e-mail:   {DEMO_EMAIL}\n  password: {password}")
        plan = None
        if PriceBar.objects.exists():
            self.stdout.write("Price data present: demo data not loaded (run `manage.py load_demo` to refresh it).")
        elif options["no_replay"]:
            self.stdout.write("Empty database: loading demo prices (20 US stocks, SPY, BTC-USD) from data/sample/ ...")
            for report in asset_services.load_demo():
                self.stdout.write(f"  {report.summary()}")
            self.stdout.write(
                self.style.SUCCESS("Demo data loaded (historical sample data, see data/sample/PROVENANCE.md).")
            )
        else:
            history = read_demo_history()
            plan = replay.demo_plan(history)
            cut = plan[0] - timedelta(days=1)
            self.stdout.write(f"Empty database: loading demo prices (20 US stocks, SPY, BTC-USD) up to {cut} ...")
            created = replay.load_history(history, before=plan[0])
            self.stdout.write(
                self.style.SUCCESS(
                    f"  {created} bars loaded (historical sample data, see data/sample/PROVENANCE.md); "
                    f"{plan[0]} to {plan[1]} will be replayed."
                )
            )
        self.stdout.write("Demo home (dashboard, watchlist, alerts):")
        setup_home_demo(demo_user, write=self.stdout.write)
        self.stdout.write("On-chain demo (the in-process chain; its state is kept under var/chain):")
        setup_onchain_demo(write=self.stdout.write)
        self._replay(plan)

    def _replay(self, plan) -> None:
        """Start the demo's replay, or resume an interrupted one; a running or finished one is left alone."""
        if plan is None:
            unfinished = replay_selectors.banner_run()
            if unfinished is None:
                return
            plan = (unfinished.start, unfinished.end, unfinished.issue_every)
        if replay.is_running():
            self.stdout.write("Market replay: already running (progress on the pages and in var/replay.log).")
            return
        start, end, *rest = plan
        pid = replay.start_in_background(
            start=start, end=end, issue_every=rest[0] if rest else replay.DEFAULT_ISSUE_EVERY
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Market replay of {start} to {end} started in the background (process {pid}, log var/replay.log); "
                "pages show its progress and work meanwhile."
            )
        )
