"""python manage.py deploy_contracts: deploy, or reuse, DataTracking and TrendAnalysis on the configured chain."""

from django.core.management.base import BaseCommand, CommandError

from apps.onchain.chain import get_chain
from apps.onchain.services.deployment import deploy_contracts
from quantumvest.errors import DomainError


class Command(BaseCommand):
    help = (
        "Deploy the QuantumVest contracts on ONCHAIN_RPC_URL's chain (reusing what is deployed with the same artifact)."
    )

    def handle(self, *args, **options):
        chain = get_chain()
        try:
            deployments = deploy_contracts(chain=chain)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        network = chain.network
        self.stdout.write(f"Chain {chain.chain_id} ({network.name}) via {chain.description}, signer {chain.signer}")
        for d in deployments:
            c = d.contract
            verb = "deployed" if d.created else "reused  "
            self.stdout.write(f"  {verb} {c.name:<14} {c.address}  tx {c.deploy_tx}  block {c.block_number}")
