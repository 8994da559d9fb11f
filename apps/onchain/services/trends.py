"""TrendAnalysis: daily closes of our assets fed to the contract, and the trends read back from it.

An asset's id on chain is its symbol, left-aligned in bytes32 (readable by anyone who looks at the
contract); prices are closes (adjusted where the vendor gave one) scaled by 1e8 (rounded half to
even), day numbers days since 1970-01-01: exactly what apps/onchain/trend_reference.py and
scripts/trend_reference.py take. Feeding is idempotent: only days after the contract's last day for
the asset are sent, in batches of ``BATCH`` observations per transaction, and the contract itself
refuses a day that is not after the last one, so that two feeders racing record nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from apps.assets.models import Asset, PriceBar
from apps.onchain.chain import Chain, TransactionFailed, get_chain
from apps.onchain.services.deployment import current_contract
from apps.onchain.trend_reference import scale_price

log = logging.getLogger(__name__)

CONTRACT = "TrendAnalysis"
SCALE = Decimal(10) ** 8
BATCH = 200
# On the in-process chain (py-evm runs some 50 observations a second, and its journal is replayed at
# every start of a process) an asset gets its latest closes only, enough for both moving averages.
IN_PROCESS_RECENT = 120
EPOCH = dt.date(1970, 1, 1)
TRENDS = {0: "flat", 1: "up", 2: "down"}


@dataclass(frozen=True)
class TrendSignal:
    symbol: str
    trend: str  # up, down, flat
    last_day: dt.date | None
    count: int
    short_ma: Decimal | None  # price units (the contract's 1e8 scale removed)
    long_ma: Decimal | None


def asset_key(symbol: str) -> bytes:
    raw = symbol.encode("ascii")
    if len(raw) > 32:
        raise ValueError(f"{symbol!r} is longer than 32 bytes.")
    return raw.ljust(32, b"\x00")


def symbol_of(key: str | bytes) -> str:
    raw = bytes.fromhex(key[2:]) if isinstance(key, str) else key
    return raw.rstrip(b"\x00").decode("ascii", "replace")


def scaled_price(price: Decimal) -> int:
    """The price as the contract takes it: times 1e8, rounded half to even (trend_reference's rule)."""
    return scale_price(price)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def feed_asset(asset: Asset, *, chain: Chain | None = None, limit: int | None = None, recent: int | None = None) -> int:
    """Send the asset's closes after the contract's last day for it; the number of observations sent.

    ``recent`` keeps only the latest N of those closes (the demo and the in-process chain: py-evm
    is slow), ``limit`` only the first N. Sending the same days twice is impossible: the days are
    read from the contract first, and a concurrent feeder that got there first makes the contract
    refuse the batch (DayNotIncreasing), which ends this asset's feed with what was sent so far.
    Raises ChainUnavailable, SigningUnavailable, TransactionFailed (another revert); nothing when
    the contract is not deployed on this chain (0 sent).
    """
    chain = chain or get_chain()
    contract = current_contract(CONTRACT, chain=chain)
    if contract is None:
        return 0
    key = asset_key(asset.symbol)
    last_day, count, *_ = chain.call(CONTRACT, contract.address, "seriesOf", key)
    bars = PriceBar.objects.filter(asset=asset).values_list("date", "close", "adj_close")
    if count:
        bars = bars.filter(date__gt=EPOCH + dt.timedelta(days=last_day))
    rows = list(bars.order_by("-date")[:recent])[::-1] if recent else list(bars.order_by("date"))
    rows = rows[:limit] if limit else rows
    sent = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        days = [day_number(d) for d, _, _ in chunk]
        prices = [scaled_price(adj if adj is not None else close) for _, close, adj in chunk]
        try:
            chain.transact(CONTRACT, contract.address, "submitMany", key, days, prices)
        except TransactionFailed as exc:
            if not exc.detail.startswith("DayNotIncreasing("):
                raise
            log.info("onchain: %s already fed up to a later day by another feeder (%s)", asset.symbol, exc.detail)
            break
        sent += len(chunk)
    return sent


@dataclass(frozen=True)
class FeedResult:
    """What one feed run did: observations sent per symbol, or why it did nothing (``skipped``)."""

    sent: dict[str, int] = field(default_factory=dict)
    skipped: str = ""
    failed: dict[str, str] = field(default_factory=dict)


def feed_trends(
    *,
    chain: Chain | None = None,
    symbols: list[str] | None = None,
    limit: int | None = None,
    recent: int | None = None,
) -> FeedResult:
    """Feed every active asset (or those of ``symbols``) with closes to TrendAnalysis (see feed_asset).

    Skips quietly, with a log line and the reason in ``skipped``, when the contract is not deployed
    on this chain or no signing key is configured. An asset whose transaction is refused is recorded
    in ``failed`` and the others go on. Raises ChainUnavailable when the node is unreachable (the
    task retries); ValueError for a symbol that is not an active asset.
    """
    chain = chain or get_chain()
    if current_contract(CONTRACT, chain=chain) is None:
        reason = f"TrendAnalysis is not deployed on chain {chain.chain_id}: run `manage.py deploy_contracts`."
        log.info("onchain: trends not fed: %s", reason)
        return FeedResult(skipped=reason)
    if chain.signer is None:
        reason = "No signing key is configured (ONCHAIN_PRIVATE_KEY): the product is read-only on chain."
        log.info("onchain: trends not fed: %s", reason)
        return FeedResult(skipped=reason)
    assets = Asset.objects.active().order_by("id")
    if symbols:
        assets = assets.filter(id__in=symbols)
        missing = sorted(set(symbols) - set(assets.values_list("id", flat=True)))
        if missing:
            raise ValueError(f"No active asset {', '.join(missing)}.")
    result = FeedResult()
    for asset in assets.filter(bars__isnull=False).distinct():
        try:
            result.sent[asset.symbol] = feed_asset(asset, chain=chain, limit=limit, recent=recent)
        except TransactionFailed as exc:
            log.warning("onchain: feeding %s to TrendAnalysis failed: %s", asset.symbol, exc.detail)
            result.failed[asset.symbol] = exc.detail
    return result


def current_trends(*, chain: Chain | None = None) -> list[TrendSignal]:
    """Every asset's trend as the contract holds it (one call per asset), in order of first feed."""
    chain = chain or get_chain()
    contract = current_contract(CONTRACT, chain=chain)
    if contract is None:
        return []
    signals = []
    for index in range(chain.call(CONTRACT, contract.address, "assetCount")):
        key = chain.call(CONTRACT, contract.address, "assetAt", index)
        last_day, count, trend, short_ma, long_ma = chain.call(CONTRACT, contract.address, "seriesOf", key)
        signals.append(
            TrendSignal(
                symbol=symbol_of(key),
                trend=TRENDS[trend],
                last_day=EPOCH + dt.timedelta(days=last_day) if count else None,
                count=count,
                short_ma=Decimal(short_ma) / SCALE if count else None,
                long_ma=Decimal(long_ma) / SCALE if count else None,
            )
        )
    return signals
