"""Chain ingestion: transfers of tracked addresses, stored once, kept true through reorgs.

``sync_chain`` reads the blocks after the chain's checkpoint up to the head, in ranges of
ONCHAIN_SYNC_BLOCK_RANGE blocks, each stored in one transaction that moves the checkpoint (see
``store``): a crash or a node failure loses at most the range in hand, and the next sync resumes
from the checkpoint. What it stores:

- ERC-20 ``Transfer`` logs of tracked tokens, and of any contract from or to a tracked wallet;
- native-coin transfers from or to tracked wallets (top-level transactions with a value that
  succeeded; value moved by contract-internal calls needs traces and is not seen);
- daily aggregates per token for every day touched, and a balance snapshot of each tracked wallet
  (native coin and the tokens it has transfers of) at the synced block when it changed.

Where it starts: a chain synced for the first time starts ONCHAIN_SYNC_LOOKBACK blocks before the
head. An address tracked later (``TrackedAddress.synced_from`` null) is backfilled over the same
window before the sync moves on. Blocks within the chain's confirmations of the head are stored
provisionally (``final`` false, their hashes kept as ``SeenBlock`` rows); every sync first checks
the hash of the checkpoint block, and when the node's differs (a reorg) it finds the highest stored
block the node still has, deletes what was stored above it and reads the new branch.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from django.conf import settings

from apps.onchain.chain import Block, Chain, ChainUnavailable, get_chain
from apps.onchain.models import AddressKind, SyncCheckpoint, Token, TrackedAddress
from apps.onchain.services.ingestion import store
from apps.onchain.services.ingestion.aggregates import read_balances, store_balances
from apps.onchain.services.ingestion.scan import Scanned, Span, scan_range
from apps.onchain.services.ingestion.store import CheckpointMoved, Position
from apps.onchain.services.tokens import ensure_token
from quantumvest import events

__all__ = ["SyncReport", "sync_chain"]


@dataclass
class SyncReport:
    """What one sync did. ``busy``: another sync held the checkpoint, so this one stopped early."""

    chain_id: int
    network: str
    head: int
    synced_block: int = -1
    final_block: int = -1
    blocks: int = 0
    backfilled_addresses: int = 0
    transfers_new: int = 0
    transfers_removed: int = 0
    transfers_finalised: int = 0
    reorgs: int = 0
    reorg_base: int | None = None
    balance_snapshots: int = 0
    log_calls: int = 0
    range_shrinks: int = 0
    busy: bool = False
    seconds: float = 0.0

    @property
    def lag(self) -> int:
        return max(0, self.head - self.synced_block)

    def as_dict(self) -> dict:
        return {**asdict(self), "lag": self.lag}

    def lines(self) -> list[str]:
        """The report as a management command prints it."""
        out = [
            f"Chain {self.chain_id} ({self.network}): head {self.head}, synced to {self.synced_block}, "
            f"final to {self.final_block}, lag {self.lag} blocks",
            f"  blocks scanned {self.blocks}, transfers new {self.transfers_new}, removed {self.transfers_removed}, "
            f"made final {self.transfers_finalised}",
            f"  reorgs {self.reorgs}" + (f" (rewound to block {self.reorg_base})" if self.reorgs else ""),
            f"  addresses backfilled {self.backfilled_addresses}, balance snapshots {self.balance_snapshots}",
            f"  eth_getLogs calls {self.log_calls}, range shrinks {self.range_shrinks}, {self.seconds:.2f} s",
        ]
        if self.busy:
            out.append("  another sync moved the checkpoint meanwhile: this one stopped (nothing stored twice)")
        return out


def _tracked(chain_id: int, *, new_only: bool = False) -> tuple[list[str], list[str], list[int]]:
    """(wallets, tokens, row ids) tracked on the chain; ``new_only``: those not covered yet."""
    rows = TrackedAddress.objects.filter(chain_id=chain_id)
    if new_only:
        rows = rows.filter(synced_from__isnull=True)
    rows = list(rows.values_list("pk", "address", "kind"))
    wallets = sorted({a for _, a, k in rows if k == AddressKind.WALLET})
    tokens = sorted({a for _, a, k in rows if k == AddressKind.TOKEN})
    return wallets, tokens, [pk for pk, _, _ in rows]


def _tokens(chain: Chain, scanned: Scanned) -> dict[str, Token]:
    return {address: ensure_token(address, chain=chain) for address in {f.token for f in scanned.found if f.token}}


class _Sync:
    """One run of ``sync_chain``; ``at`` is where the checkpoint stands as far as this run knows."""

    def __init__(self, chain: Chain, chain_id: int, head: int):
        self.chain, self.chain_id, self.head = chain, chain_id, head
        self.confirmations = chain.confirmations
        self.final_block = head - self.confirmations
        self.span = Span(settings.ONCHAIN_SYNC_BLOCK_RANGE)
        self.batch = settings.ONCHAIN_RPC_BATCH_SIZE
        self.lookback = settings.ONCHAIN_SYNC_LOOKBACK
        self.report = SyncReport(chain_id=chain_id, network=chain.network.name, head=head)
        checkpoint = store.open_checkpoint(chain, chain_id, head=head, lookback=self.lookback)
        self.at = Position(checkpoint.synced_block, checkpoint.synced_hash)
        self.at_block: Block | None = None

    def check_reorg(self) -> None:
        """Rewind when the checkpoint block is no longer the node's (a reorg, or a node reset)."""
        if self.at.block < 0:
            return
        node = self.chain.block(self.at.block)
        if node is not None and node.hash == self.at.hash:
            self.at_block = node
            return
        base = store.fork_base(self.chain, self.chain_id, self.at.block)
        readdress = None
        if base is None:  # nothing stored is on the node's chain: start again as on a new chain
            readdress = max(0, self.head - self.lookback + 1)
            base = self.chain.block(readdress - 1) if readdress > 0 else None
        to = Position(base.number, base.hash) if base else Position(-1, "")
        self.report.transfers_removed += store.rewind(self.chain_id, at=self.at, to=to, readdress_from=readdress)
        self.report.reorgs += 1
        self.report.reorg_base = to.block
        self.at, self.at_block = to, base

    def backfill(self) -> None:
        """Read the lookback window for addresses tracked after the checkpoint moved on."""
        wallets, tokens, ids = _tracked(self.chain_id, new_only=True)
        if not ids:
            return
        start = max(0, self.head - self.lookback + 1)
        first = start
        while first <= self.at.block:
            last = min(self.at.block, first + settings.ONCHAIN_SYNC_BLOCK_RANGE - 1)
            scanned = self._scan(first, last, wallets=wallets, tokens=tokens, keep=set())
            self.report.transfers_new += store.store_range(
                self.chain_id,
                at=self.at,
                to=self.at,
                found=scanned.found,
                headers=scanned.headers,
                tokens=_tokens(self.chain, scanned),
                final_block=self.final_block,
                seen=[],
            )
            first = last + 1
        TrackedAddress.objects.filter(pk__in=ids, synced_from__isnull=True).update(
            synced_from=min(start, self.at.block + 1)
        )
        self.report.backfilled_addresses += len(ids)

    def forward(self) -> None:
        """Read from the checkpoint to the head, one stored range at a time."""
        wallets, tokens, _ = _tracked(self.chain_id)
        provisional = set(range(max(0, self.final_block), self.head + 1))
        first = self.at.block + 1
        while first <= self.head:
            last = min(self.head, first + settings.ONCHAIN_SYNC_BLOCK_RANGE - 1)
            scanned = self._scan(first, last, wallets=wallets, tokens=tokens, keep=provisional)
            end = scanned.headers[last]
            seen = [b for n, b in sorted(scanned.headers.items()) if n in provisional or n == last]
            self.report.transfers_new += store.store_range(
                self.chain_id,
                at=self.at,
                to=Position(last, end.hash),
                found=scanned.found,
                headers=scanned.headers,
                tokens=_tokens(self.chain, scanned),
                final_block=self.final_block,
                seen=seen,
            )
            self.report.blocks += last - first + 1
            self.at, self.at_block = Position(last, end.hash), end
            first = last + 1

    def finish(self) -> None:
        final_block = min(self.at.block, self.final_block)
        balances = read_balances(self.chain, self.chain_id, self.at.block) if self.at_block else []

        def snapshots() -> int:
            if not self.at_block:
                return 0
            return store_balances(self.chain_id, self.at.block, self.at_block.timestamp, balances)

        finalised, written = store.finish(
            self.chain_id, at=self.at, head=self.head, final_block=final_block, after_balances=snapshots
        )
        self.report.transfers_finalised += finalised
        self.report.balance_snapshots += written
        self.report.final_block = final_block

    def _scan(self, first: int, last: int, *, wallets: list[str], tokens: list[str], keep: set[int]) -> Scanned:
        return scan_range(
            self.chain, first, last, self.span, tokens=tokens, wallets=wallets, keep_headers=keep, batch=self.batch
        )


def sync_chain(*, chain: Chain | None = None) -> SyncReport:
    """Bring the stored transfers of tracked addresses up to the node's head; what it did.

    Idempotent: a transfer is stored once however often this runs, and two runs at once store each
    range once (the second stops, ``busy``). Nothing retries here: the Celery task does, with
    backoff. Raises ChainUnavailable (node down, too slow, wrong chain id, a range refused even at
    one block), after noting the reason on the chain's checkpoint.
    """
    chain = chain or get_chain()
    started = time.monotonic()
    chain_id = chain.expected_chain_id
    try:
        chain_id = chain.check()
        run = _Sync(chain, chain_id, chain.head())
        try:
            run.check_reorg()
            run.backfill()
            run.forward()
            run.finish()
        except CheckpointMoved:
            run.report.busy = True
    except ChainUnavailable as exc:
        store.record_error(chain_id, exc.detail)
        raise
    report = run.report
    report.synced_block = run.at.block
    report.log_calls, report.range_shrinks = run.span.calls, run.span.shrinks
    report.seconds = time.monotonic() - started
    if report.busy:
        report.final_block = SyncCheckpoint.objects.get(chain_id=chain_id).final_block
    if report.transfers_new:
        events.publish(
            "chain_synced", chain_id=chain_id, to_block=report.synced_block, transfers_new=report.transfers_new
        )
    return report
