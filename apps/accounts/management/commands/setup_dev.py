"""Prepare a development instance: a demo account whose credentials are printed, and demo data."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts import services
from apps.assets import services as asset_services
from apps.assets.models import PriceBar
from apps.onchain.services.demo import setup_onchain_demo

DEMO_EMAIL = "demo@quantumvest.local"


class Command(BaseCommand):
    help = "Create (or refresh) the demo account and load demo data into an empty database. Development only."

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
        services.ensure_demo_user(email=DEMO_EMAIL, password=password)
        self.stdout.write(self.style.SUCCESS("Demo account (development only, role analyst: it can open /admin/):"))
        self.stdout.write(f"  e-mail:   {DEMO_EMAIL}\n  password: {password}")
        if PriceBar.objects.exists():
            self.stdout.write("Price data present: demo data not loaded (run `manage.py load_demo` to refresh it).")
        else:
            self.stdout.write("Empty database: loading demo prices (20 US stocks, SPY, BTC-USD) from data/sample/ ...")
            for report in asset_services.load_demo():
                self.stdout.write(f"  {report.summary()}")
            self.stdout.write(
                self.style.SUCCESS("Demo data loaded (historical sample data, see data/sample/PROVENANCE.md).")
            )
        self.stdout.write("On-chain demo (the in-process chain; its state is kept under var/chain):")
        setup_onchain_demo(write=self.stdout.write)
