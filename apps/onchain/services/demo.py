"""The embedded default's on-chain demo, run by setup_dev: contracts on the in-process chain, and
what the other on-chain features need to show something real on that chain."""

from __future__ import annotations

from apps.onchain.chain import get_chain
from apps.onchain.services import notary
from apps.onchain.services.deployment import ensure_in_process_contracts


def setup_onchain_demo(*, write) -> None:
    """Idempotent; ``write`` prints a line for the developer. Only on the in-process chain."""
    chain = get_chain()
    if not chain.in_process:
        return
    for d in ensure_in_process_contracts(chain=chain):
        write(f"  {'deployed' if d.created else 'reused'} {d.contract.name} at {d.contract.address} (in-process chain)")
    run = notary.create_run(trigger="setup")
    notary.perform_run(run=run)
    run.refresh_from_db()
    write(f"  notarised predictions: {run.message or run.error} (in-process chain)")
