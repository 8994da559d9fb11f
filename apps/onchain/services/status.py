"""The chain's status as the product sees it: is the node there, how far ingestion has got.

``chain_status`` asks the node one question (its head block; the chain id too on first contact),
each bounded by ``ONCHAIN_RPC_TIMEOUT``, and never raises for a node that is down, slow or on
another chain: it answers ``connected=False`` with the reason, plus what the database knows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from apps.onchain.chain import Chain, ChainUnavailable, get_chain
from apps.onchain.models import SyncCheckpoint
from apps.onchain.networks import Network, network, required_confirmations


@dataclass(frozen=True)
class ChainStatus:
    connected: bool
    chain_id: int | None
    network: str | None  # the registry's name ("In-process chain (eth-tester)" for the embedded one)
    local: bool  # a local development chain: its data is not any public network's
    explorer: str  # base URL, "" when there is none
    head_block: int | None
    synced_block: int | None
    lag: int | None  # head_block - synced_block, when both are known
    last_sync: dt.datetime | None
    last_sync_error: str
    confirmations: int | None
    read_only: bool
    signer: str | None  # the address transactions are sent from (never the key)
    reason: str  # why not connected; "" when connected
    node: str  # scheme://host:port of the node, or "the in-process chain"

    @property
    def registry(self) -> Network | None:
        return network(self.chain_id) if self.chain_id is not None else None


def chain_status(*, chain: Chain | None = None) -> ChainStatus:
    """The node's head against the sync checkpoint; ``connected`` False with ``reason`` when unreachable."""
    chain = chain or get_chain()
    reason = ""
    head = None
    try:
        chain.check()
        head = chain.head()
    except ChainUnavailable as exc:
        reason = exc.detail
    chain_id = chain.known_chain_id if reason else chain.chain_id
    checkpoint = SyncCheckpoint.objects.filter(chain_id=chain_id).first() if chain_id is not None else None
    synced = checkpoint.synced_block if checkpoint is not None else None
    known = network(chain_id) if chain_id is not None else None
    confirmations = required_confirmations(chain_id) if chain_id is not None else None
    return ChainStatus(
        connected=not reason,
        chain_id=chain_id,
        network=known.name if known else None,
        local=bool(known and known.local),
        explorer=known.explorer if known else "",
        head_block=head,
        synced_block=synced,
        lag=max(head - synced, 0) if head is not None and synced is not None else None,
        last_sync=checkpoint.last_sync if checkpoint is not None else None,
        last_sync_error=checkpoint.last_error if checkpoint is not None else "",
        confirmations=confirmations,
        read_only=chain.signer is None,
        signer=chain.signer,
        reason=reason,
        node=chain.description,
    )
