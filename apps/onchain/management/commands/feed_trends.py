"""python manage.py feed_trends: send new daily closes of active assets to TrendAnalysis."""

from django.core.management.base import BaseCommand, CommandError

from apps.onchain.chain import get_chain
from apps.onchain.services import trends
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = (
        "Feed TrendAnalysis with the closes of active assets after the contract's last day for each "
        "(idempotent: a second run sends nothing new)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--asset", action="append", metavar="SYMBOL", help="only this asset (repeatable)")
        parser.add_argument("--limit", type=int, metavar="N", help="at most the first N new closes per asset")
        parser.add_argument(
            "--recent",
            type=int,
            metavar="N",
            help=f"only the latest N new closes per asset (default: {trends.IN_PROCESS_RECENT} on the "
            "in-process chain, all on a node; 0 for all)",
        )

    def handle(self, *args, **options):
        for name in ("limit", "recent"):
            if options[name] is not None and options[name] < 0:
                raise CommandError(f"--{name} must be 0 or more.")
        chain = get_chain()
        recent = options["recent"]
        if recent is None:
            recent = trends.IN_PROCESS_RECENT if chain.in_process else 0
        try:
            result = trends.feed_trends(
                chain=chain, symbols=options["asset"], limit=options["limit"] or None, recent=recent or None
            )
            network = chain.network.name
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.skipped:
            self.stdout.write(f"Nothing fed: {result.skipped}")
            return
        self.stdout.write(
            f"TrendAnalysis on chain {chain.chain_id} ({network})"
            + (f", latest {recent} closes per asset" if recent else "")
        )
        for symbol, sent in result.sent.items():
            self.stdout.write(f"  {symbol:<10} {sent} observations sent")
        for symbol, error in result.failed.items():
            self.stderr.write(f"  {symbol:<10} refused: {error}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} asset(s) could not be fed.")
