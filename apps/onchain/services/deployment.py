"""Deploying QuantumVest's contracts on the configured chain: idempotent and per network.

``deploy_contracts`` is the migration of the chain: a contract whose artifact (bytecode and ABI)
is already deployed on this chain, with its code still there, is reused; otherwise it is deployed
and the signer is granted the contract's role (recorder, feeder). Each deployment is a ``Contract``
row (name, chain id, address, deploy transaction, block, artifact hash).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.onchain.chain import Chain, artifact_hash, get_chain
from apps.onchain.models import Contract

log = logging.getLogger(__name__)

PRODUCT_CONTRACTS = ("DataTracking", "TrendAnalysis")


@dataclass(frozen=True)
class Deployment:
    contract: Contract
    created: bool


def current_contract(name: str, *, chain: Chain | None = None, chain_id: int | None = None) -> Contract | None:
    """The latest deployment of the current artifact ``name`` on the chain (None when not deployed).

    Reads the database only; ``deploy_contracts`` is what checks that the code is still on chain.
    """
    if chain_id is None:
        chain_id = (chain or get_chain()).chain_id
    return (
        Contract.objects.filter(chain_id=chain_id, name=name, artifact_hash=artifact_hash(name))
        .order_by("-deployed_at")
        .first()
    )


def deploy_contract(name: str, *, chain: Chain | None = None, constructor_args: tuple = ()) -> Deployment:
    """Deploy ``name`` unless its current artifact is deployed on this chain with its code in place.

    Raises ChainUnavailable (node down, wrong chain id), SigningUnavailable (no key), TransactionFailed.
    """
    chain = chain or get_chain()
    chain_id = chain.check()
    existing = current_contract(name, chain_id=chain_id)
    if existing is not None and chain.code_size(existing.address) > 0:
        return Deployment(existing, created=False)
    if existing is not None:
        log.warning(
            "onchain: %s at %s has no code on chain %s any more; deploying anew", name, existing.address, chain_id
        )
    chain.require_signer()
    args = constructor_args or ((chain.signer,) if name in PRODUCT_CONTRACTS else ())
    receipt = chain.deploy(name, *args)
    if name in PRODUCT_CONTRACTS:
        chain.transact(name, receipt.contract_address, "setRole", chain.signer, True)
    # A chain that was reset (a restarted local node) can hand out the same address again.
    with transaction.atomic():
        contract, _ = Contract.objects.update_or_create(
            chain_id=chain_id,
            address=receipt.contract_address,
            defaults={
                "name": name,
                "deploy_tx": receipt.tx_hash,
                "block_number": receipt.block_number,
                "artifact_hash": artifact_hash(name),
                "deployer": receipt.from_address,
                "deployed_at": timezone.now(),
            },
        )
    log.info("onchain: deployed %s at %s on chain %s (tx %s)", name, contract.address, chain_id, receipt.tx_hash)
    return Deployment(contract, created=True)


def deploy_contracts(*, chain: Chain | None = None) -> list[Deployment]:
    """Deploy (or reuse) DataTracking and TrendAnalysis on the configured chain."""
    chain = chain or get_chain()
    return [deploy_contract(name, chain=chain) for name in PRODUCT_CONTRACTS]


def ensure_in_process_contracts(*, chain: Chain | None = None) -> list[Deployment]:
    """The embedded default deploys its contracts itself; any other chain waits for deploy_contracts."""
    chain = chain or get_chain()
    if not chain.in_process:
        return []
    return deploy_contracts(chain=chain)
