"""Fail every job of every app that is QUEUED or RUNNING past its deadline (what beat runs every 5 min).

It lives in ``apps.assets`` because Django finds commands only in installed apps and every other app
depends on this one; the sweeper itself is ``quantumvest.jobs.sweep`` and covers all job models.
"""

from django.core.management.base import BaseCommand

from quantumvest import jobs


class Command(BaseCommand):
    help = "Fail QUEUED or RUNNING jobs past their deadline, with the reason."

    def handle(self, *args, **options):
        counts = jobs.sweep()
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} failed")
        self.stdout.write(f"{sum(counts.values())} job(s) past their deadline failed.")
