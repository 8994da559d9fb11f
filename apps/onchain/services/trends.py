"""TrendAnalysis: daily closes of our assets fed to the contract, and the trends read back from it.

An asset's id on chain is its symbol, left-aligned in bytes32 (readable by anyone who looks at the
contract); prices are closes (adjusted where the vendor gave one) scaled by 1e8, day numbers days
since 1970-01-01. Feeding is idempotent: only days after the contract's last day for the asset are
sent, in batches of ``BATCH`` observations per transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from apps.assets.models import Asset, PriceBar
from apps.onchain.chain import Chain, get_chain
from apps.onchain.services.deployment import current_contract

CONTRACT = "TrendAnalysis"
SCALE = Decimal(10) ** 8
BATCH = 200
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
    return int((price * SCALE).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def feed_asset(asset: Asset, *, chain: Chain | None = None, limit: int | None = None) -> int:
    """Send the asset's closes after the contract's last day for it; the number of observations sent.

    Raises ChainUnavailable, SigningUnavailable, TransactionFailed; nothing when the contract is not
    deployed on this chain (0 sent).
    """
    chain = chain or get_chain()
    contract = current_contract(CONTRACT, chain=chain)
    if contract is None:
        return 0
    key = asset_key(asset.symbol)
    last_day, count, *_ = chain.call(CONTRACT, contract.address, "seriesOf", key)
    bars = PriceBar.objects.filter(asset=asset).order_by("date").values_list("date", "close", "adj_close")
    if count:
        bars = bars.filter(date__gt=EPOCH + dt.timedelta(days=last_day))
    rows = list(bars[:limit] if limit else bars)
    sent = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        days = [day_number(d) for d, _, _ in chunk]
        prices = [scaled_price(adj if adj is not None else close) for _, close, adj in chunk]
        chain.transact(CONTRACT, contract.address, "submitMany", key, days, prices)
        sent += len(chunk)
    return sent


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
