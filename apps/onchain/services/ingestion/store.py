"""Writing what a sync read: the checkpoint protocol, transfers stored once, and reorg rewinds.

Every write of a sync is one transaction whose first statement is a conditional UPDATE of the
chain's checkpoint row (``claim``): it goes through only while the checkpoint is where this sync
last saw it, and it holds the row lock until commit. Two syncs at once therefore never both store
a range: the second one's claim matches no row, its transaction rolls back, and it stops
(``CheckpointMoved``). This works the same on PostgreSQL and SQLite and needs no lock server.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from apps.onchain.chain import Block, Chain
from apps.onchain.models import BalanceSnapshot, SeenBlock, SyncCheckpoint, Token, TrackedAddress, Transfer
from apps.onchain.services.ingestion.aggregates import block_time, days_of, recompute_days
from apps.onchain.services.ingestion.scan import Found


class CheckpointMoved(Exception):
    """Another sync moved the checkpoint since this one read it: this one stops, changing nothing."""


@dataclass(frozen=True)
class Position:
    block: int
    hash: str


def claim(chain_id: int, at: Position, **changes) -> None:
    """Lock the checkpoint row if it is still at ``at`` and apply ``changes``; CheckpointMoved otherwise.

    Must be the first statement of the caller's transaction.
    """
    updated = SyncCheckpoint.objects.filter(chain_id=chain_id, synced_block=at.block, synced_hash=at.hash).update(
        updated_at=timezone.now(), **changes
    )
    if updated != 1:
        raise CheckpointMoved(f"The checkpoint of chain {chain_id} moved: another sync is running.")


def open_checkpoint(chain: Chain, chain_id: int, *, head: int, lookback: int) -> SyncCheckpoint:
    """The chain's checkpoint; a chain synced for the first time starts ``lookback`` blocks before the head.

    Addresses tracked at that moment are covered from that start (no backfill needed for them).
    Raises ChainUnavailable.
    """
    existing = SyncCheckpoint.objects.filter(chain_id=chain_id).first()
    if existing is not None:
        return existing
    start = max(0, head - lookback + 1)
    before = chain.block(start - 1) if start > 0 else None
    try:
        with transaction.atomic():
            checkpoint = SyncCheckpoint.objects.create(
                chain_id=chain_id, synced_block=start - 1, synced_hash=before.hash if before else "", head_block=head
            )
            TrackedAddress.objects.filter(chain_id=chain_id, synced_from__isnull=True).update(synced_from=start)
            return checkpoint
    except IntegrityError:  # another sync created it meanwhile
        return SyncCheckpoint.objects.get(chain_id=chain_id)


def _transfer(chain_id: int, f: Found, headers: dict[int, Block], tokens: dict[str, Token], final_block: int):
    return Transfer(
        chain_id=chain_id,
        tx_hash=f.tx_hash,
        log_index=f.log_index,
        block_number=f.block_number,
        block_hash=f.block_hash,
        timestamp=block_time(headers[f.block_number].timestamp),
        from_address=f.from_address,
        to_address=f.to_address,
        token=tokens[f.token] if f.token else None,
        value=f.value,
        final=f.block_number <= final_block,
    )


def store_range(
    chain_id: int,
    *,
    at: Position,
    to: Position,
    found: list[Found],
    headers: dict[int, Block],
    tokens: dict[str, Token],
    final_block: int,
    seen: list[Block],
) -> int:
    """Store a scanned range in one transaction and move the checkpoint from ``at`` to ``to``.

    Transfers already stored (same chain, tx hash, log index) are left alone; ``seen`` blocks keep
    their hashes for the reorg check; the daily aggregates of the days touched are recomputed.
    Returns the number of new transfers. Raises CheckpointMoved.
    """
    with transaction.atomic():
        claim(chain_id, at, synced_block=to.block, synced_hash=to.hash)
        existing: set[tuple[str, int]] = set()
        hashes = sorted({f.tx_hash for f in found})
        for start in range(0, len(hashes), 1000):
            existing |= set(
                Transfer.objects.filter(chain_id=chain_id, tx_hash__in=hashes[start : start + 1000]).values_list(
                    "tx_hash", "log_index"
                )
            )
        new = [
            _transfer(chain_id, f, headers, tokens, final_block)
            for f in {(f.tx_hash, f.log_index): f for f in found}.values()
            if (f.tx_hash, f.log_index) not in existing
        ]
        Transfer.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        if seen:
            SeenBlock.objects.bulk_create(
                [
                    SeenBlock(
                        chain_id=chain_id,
                        number=b.number,
                        hash=b.hash,
                        parent_hash=b.parent_hash,
                        timestamp=block_time(b.timestamp),
                    )
                    for b in seen
                ],
                update_conflicts=True,
                unique_fields=["chain_id", "number"],
                update_fields=["hash", "parent_hash", "timestamp"],
            )
        # Every day of the range's token transfers, stored before or not: a token tracked later
        # gets the aggregates of days whose transfers came in earlier through a tracked wallet.
        recompute_days(
            {(tokens[f.token].pk, block_time(headers[f.block_number].timestamp).date()) for f in found if f.token}
        )
        return len(new)


def _stored_at_or_below(chain_id: int, number: int) -> Position | None:
    """The highest block at or below ``number`` whose hash was stored (a seen block or a transfer's)."""
    seen = SeenBlock.objects.filter(chain_id=chain_id, number__lte=number).order_by("-number").first()
    transfer = (
        Transfer.objects.filter(chain_id=chain_id, block_number__lte=number)
        .order_by("-block_number")
        .values_list("block_number", "block_hash")
        .first()
    )
    candidates = [Position(seen.number, seen.hash)] if seen else []
    if transfer:
        candidates.append(Position(*transfer))
    return max(candidates, key=lambda p: p.block) if candidates else None


def fork_base(chain: Chain, chain_id: int, upto: int) -> Block | None:
    """The highest stored block at or below ``upto`` that the node still has (same hash), or None.

    Blocks are chained by hash, so a stored block that matches vouches for every block below it:
    a binary search over block numbers needs O(log n) header reads. Raises ChainUnavailable.
    """
    low, high, best = 0, upto, None
    while low <= high:
        middle = (low + high) // 2
        stored = _stored_at_or_below(chain_id, middle)
        if stored is None:
            low = middle + 1
            continue
        node = chain.block(stored.block)
        if node is not None and node.hash == stored.hash:
            best, low = node, middle + 1
        else:
            high = stored.block - 1
    return best


def rewind(chain_id: int, *, at: Position, to: Position, readdress_from: int | None = None) -> int:
    """Forget everything above block ``to`` (orphaned by a reorg) and move the checkpoint there.

    Transfers, seen blocks and balance snapshots above it are deleted and the daily aggregates of
    the days they were in recomputed. With ``readdress_from`` (nothing stored matched the node)
    everything stored for the chain goes, and every tracked address of the chain is covered again
    from that block. Returns the transfers removed. Raises CheckpointMoved.
    """
    cutoff = -1 if readdress_from is not None else to.block
    with transaction.atomic():
        claim(chain_id, at, synced_block=to.block, synced_hash=to.hash, final_block=Least(F("final_block"), to.block))
        orphaned = Transfer.objects.filter(chain_id=chain_id, block_number__gt=cutoff)
        days = days_of(orphaned)
        _, deleted = orphaned.delete()
        removed = deleted.get(Transfer._meta.label, 0)
        SeenBlock.objects.filter(chain_id=chain_id, number__gt=cutoff).delete()
        BalanceSnapshot.objects.filter(chain_id=chain_id, block_number__gt=cutoff).delete()
        if readdress_from is not None:
            TrackedAddress.objects.filter(chain_id=chain_id).update(synced_from=readdress_from)
        recompute_days(days)
        return removed


def finish(chain_id: int, *, at: Position, head: int, final_block: int, after_balances) -> tuple[int, int]:
    """Close a sync: finalise transfers up to ``final_block``, prune seen blocks, record the head.

    ``after_balances`` stores the balance snapshots inside the same transaction. Returns (transfers
    made final, snapshots written). Raises CheckpointMoved.
    """
    with transaction.atomic():
        claim(chain_id, at, final_block=final_block, head_block=head, last_sync=timezone.now(), last_error="")
        now_final = Transfer.objects.filter(chain_id=chain_id, final=False, block_number__lte=final_block)
        days = days_of(now_final)
        finalised = now_final.update(final=True)
        SeenBlock.objects.filter(chain_id=chain_id, number__lt=final_block).delete()
        recompute_days(days)
        return finalised, after_balances()


def record_error(chain_id: int | None, detail: str) -> None:
    """Note why the last sync of ``chain_id`` failed (shown by the status faces); nothing when unknown."""
    if chain_id is not None:
        SyncCheckpoint.objects.filter(chain_id=chain_id).update(last_error=detail[:2000], updated_at=timezone.now())
