"""Reading one block range from the node: the transfers that concern tracked addresses.

Plain values only (no ORM): ``scan_range`` returns what it found and the headers it read, so that
the caller can store a range in one transaction. Logs come from eth_getLogs in spans that start at
ONCHAIN_SYNC_BLOCK_RANGE and halve while the node refuses them; native transfers need the blocks'
transactions, read in JSON-RPC batches, and only when a wallet is tracked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.onchain.chain import TRANSFER_TOPIC, Block, Chain, ChainUnavailable, Log, RangeRefused, checksum

# Wallets per topic filter: nodes cap the size of a filter's OR-list.
TOPIC_GROUP = 100


@dataclass(frozen=True)
class Found:
    """One transfer read from the chain; ``token`` is the contract address, None for the native coin."""

    tx_hash: str
    log_index: int
    block_number: int
    block_hash: str
    from_address: str
    to_address: str
    token: str | None
    value: int


@dataclass
class Span:
    """The eth_getLogs span in blocks, shrunk for the rest of a sync when the node refuses one."""

    blocks: int
    shrinks: int = 0
    calls: int = 0


@dataclass
class Scanned:
    found: list[Found] = field(default_factory=list)
    headers: dict[int, Block] = field(default_factory=dict)


def topic(address: str) -> str:
    """An address as an indexed event argument (32 bytes, lower-case hex)."""
    return "0x" + "0" * 24 + address[2:].lower()


def logs(chain: Chain, first: int, last: int, span: Span, **query) -> list[Log]:
    """eth_getLogs over [first, last] in spans of at most ``span.blocks``, halving on RangeRefused.

    Raises RangeRefused when even a single block is refused, ChainUnavailable otherwise.
    """
    out: list[Log] = []
    start = first
    while start <= last:
        end = min(last, start + span.blocks - 1)
        try:
            span.calls += 1
            out.extend(chain.logs(start, end, **query))
        except RangeRefused:
            if end == start:
                raise
            span.blocks = max(1, (end - start + 1) // 2)
            span.shrinks += 1
            continue
        start = end + 1
    return out


def _erc20(entry: Log) -> Found | None:
    """An ERC-20 Transfer log decoded; None for look-alikes (ERC-721 indexes a third argument)."""
    if len(entry.topics) != 3 or entry.topics[0] != TRANSFER_TOPIC or len(entry.data) != 66:
        return None
    return Found(
        tx_hash=entry.tx_hash,
        log_index=entry.log_index,
        block_number=entry.block_number,
        block_hash=entry.block_hash,
        from_address=checksum("0x" + entry.topics[1][-40:]),
        to_address=checksum("0x" + entry.topics[2][-40:]),
        token=entry.address,
        value=int(entry.data, 16),
    )


def token_logs(chain: Chain, first: int, last: int, span: Span, *, tokens: list[str], wallets: list[str]) -> list[Log]:
    """Transfer logs of tracked tokens, and of any contract from or to a tracked wallet (deduplicated)."""
    seen: dict[tuple[str, int], Log] = {}
    queries: list[dict] = []
    if tokens:
        queries.append({"addresses": tokens, "topics": [TRANSFER_TOPIC]})
    for start in range(0, len(wallets), TOPIC_GROUP):
        group = [topic(w) for w in wallets[start : start + TOPIC_GROUP]]
        queries.append({"topics": [TRANSFER_TOPIC, group]})
        queries.append({"topics": [TRANSFER_TOPIC, None, group]})
    for query in queries:
        for entry in logs(chain, first, last, span, **query):
            seen.setdefault((entry.tx_hash, entry.log_index), entry)
    return list(seen.values())


def _native(chain: Chain, blocks: list[Block], wallets: set[str], batch: int) -> list[Found]:
    """Value transfers from or to ``wallets`` in ``blocks`` whose transaction succeeded."""
    candidates = [
        (block, tx)
        for block in blocks
        for tx in block.transactions
        if tx.value > 0 and tx.to_address is not None and (tx.from_address in wallets or tx.to_address in wallets)
    ]
    if not candidates:
        return []
    receipts = chain.receipts([tx.hash for _, tx in candidates], batch=batch)
    return [
        Found(tx.hash, -1, block.number, block.hash, tx.from_address, tx.to_address, None, tx.value)
        for (block, tx), receipt in zip(candidates, receipts, strict=True)
        if receipt is not None and receipt.status == 1
    ]


def _reorganised(last: int) -> ChainUnavailable:
    return ChainUnavailable(f"The chain node no longer has blocks up to {last}: it reorganised during the sync.")


def scan_range(
    chain: Chain,
    first: int,
    last: int,
    span: Span,
    *,
    tokens: list[str],
    wallets: list[str],
    keep_headers: set[int],
    batch: int,
) -> Scanned:
    """The transfers in [first, last] that concern ``tokens`` or ``wallets``, and the block headers read.

    Headers always include ``last``, the blocks in ``keep_headers`` (the caller's provisional blocks)
    and every block a transfer is in. Raises ChainUnavailable (RangeRefused when the node refuses
    even one block, and when the chain reorganised while the range was read).
    """
    result = Scanned()
    entries = token_logs(chain, first, last, span, tokens=tokens, wallets=wallets) if tokens or wallets else []
    found = [f for f in map(_erc20, entries) if f is not None]
    wanted = {f.block_number for f in found} | {n for n in keep_headers if first <= n <= last} | {last}
    if wallets:
        # Full blocks a batch at a time: only their headers and the wallets' transactions are kept.
        wallet_set = set(wallets)
        for start in range(first, last + 1, batch):
            blocks = chain.blocks(list(range(start, min(last, start + batch - 1) + 1)), full=True, batch=batch)
            if any(b is None for b in blocks):
                raise _reorganised(last)
            native = _native(chain, blocks, wallet_set, batch)
            found.extend(native)
            wanted |= {f.block_number for f in native}
            for b in blocks:
                if b.number in wanted:
                    result.headers[b.number] = Block(b.number, b.hash, b.parent_hash, b.timestamp)
    else:
        for block in chain.blocks(sorted(wanted), full=False, batch=batch):
            if block is None:
                raise _reorganised(last)
            result.headers[block.number] = block
    for f in found:
        if result.headers[f.block_number].hash != f.block_hash:
            raise ChainUnavailable(
                f"Block {f.block_number} changed while it was read (a reorg); the next sync retries."
            )
    result.found = found
    return result
