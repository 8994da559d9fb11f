"""python manage.py notarize_predictions: notarise the predictions not notarised yet, now."""

from django.core.management.base import BaseCommand, CommandError

from apps.onchain.chain import get_chain
from apps.onchain.services import notary
from quantumvest.jobs import JobState


class Command(BaseCommand):
    help = (
        "Record the Merkle root of each batch of pending predictions through DataTracking (one transaction per batch)."
    )

    def handle(self, *args, **options):
        run = notary.create_run(trigger="command")
        notary.perform_run(run=run)
        run.refresh_from_db()
        if run.state != JobState.SUCCEEDED:
            raise CommandError(run.error or "Notarisation did not finish.")
        chain = get_chain()
        self.stdout.write(f"Chain {chain.chain_id} ({chain.network.name}) via {chain.description}")
        for batch in run.result.get("batches", []):
            how = "recovered from chain" if batch["recovered"] else "notarised"
            self.stdout.write(f"  {how}: {batch['count']} prediction(s), root {batch['root']}, tx {batch['tx_hash']}")
        if not run.result.get("batches"):
            self.stdout.write("  nothing pending")
