"""On-chain activity of a token as exogenous daily series for forecasting, read from the database.

An asset is linked to a token by two keys of its metadata, ``chain_id`` and ``contract_address``
(see ``apps.onchain.services.links``). The series are the token's ``TokenDaily`` aggregates:
``transfer_count``, ``volume`` (in whole tokens: base units scaled by the token's decimals),
``unique_senders``, ``unique_receivers`` and ``large_transfers``.

The lag rule: the row for day ``t`` holds the aggregates of day ``t - 1``. A forecast as of day
``t`` (made from the price of day ``t``) therefore sees only days that ended before day ``t``
began, and does not change when aggregates of day ``t`` or later change (late transfers, a reorg
near the head, a re-ingested day).

Missing is not zero: a day without a ``TokenDaily`` row is zero activity only inside the span
ingestion covered completely. That span starts the day after the token's first stored aggregate
(the first day may have been ingested from mid-day, and before it nothing tells "no transfers"
from "not ingested") and ends the day before the newest block the chain's ingestion is known to
have reached (that day is still running). Outside the span the series are NaN (missing), which
the scikit-learn model treats as missing, not as a quiet day.

Nothing here calls the node: the features come from what ingestion stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from django.db.models import Max, Min

from apps.onchain.models import SeenBlock, SyncCheckpoint, Token, TokenDaily, Transfer
from apps.onchain.networks import network

SERIES = ("transfer_count", "volume", "unique_senders", "unique_receivers", "large_transfers")
COLUMNS = tuple(f"onchain_{name}" for name in SERIES)
CHAIN_ID_KEY = "chain_id"
ADDRESS_KEY = "contract_address"


@dataclass(frozen=True)
class Coverage:
    """The first and last day whose aggregates are complete (both included)."""

    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return max(0, (self.last_day - self.first_day).days + 1)


def linked_token(metadata: dict | None) -> tuple[Token | None, str]:
    """The token an asset's metadata links to, or None and the reason why there is none.

    Never raises: malformed metadata (set by hand) is a reason, not an error.
    """
    metadata = metadata or {}
    chain_id, address = metadata.get(CHAIN_ID_KEY), metadata.get(ADDRESS_KEY)
    if chain_id in (None, "") and not address:
        return None, "The asset is not linked to a token (metadata chain_id and contract_address)."
    try:
        chain_id = int(chain_id)
    except (TypeError, ValueError):
        return None, f"The asset's metadata chain_id {chain_id!r} is not a chain id."
    token = Token.objects.filter(chain_id=chain_id, address=address).first() if isinstance(address, str) else None
    if token is None:
        return None, f"No token {address!r} is known on chain {chain_id}: link it with link_asset_token."
    return token, ""


def describe(token: Token) -> dict:
    """What a model version records of the token it was offered (JSON-ready)."""
    return {
        "chain_id": token.chain_id,
        "network": network(token.chain_id).name,
        "address": token.address,
        "symbol": token.symbol,
        "decimals": token.decimals,
        "series": list(SERIES),
    }


def _reached(chain_id: int) -> pd.Timestamp | None:
    """The time of the newest block ingestion is known to have reached on a chain, or None."""
    checkpoint = SyncCheckpoint.objects.filter(chain_id=chain_id).first()
    transfers = Transfer.objects.filter(chain_id=chain_id)
    blocks = SeenBlock.objects.filter(chain_id=chain_id)
    if checkpoint is not None:
        transfers = transfers.filter(block_number__lte=checkpoint.synced_block)
        blocks = blocks.filter(number__lte=checkpoint.synced_block)
    times = [
        transfers.aggregate(t=Max("timestamp"))["t"],
        blocks.aggregate(t=Max("timestamp"))["t"],
    ]
    times = [t for t in times if t is not None]
    return pd.Timestamp(max(times)).tz_convert("UTC") if times else None


def coverage(token: Token) -> Coverage | None:
    """The span of complete days ingestion covered for ``token`` (see the module), or None."""
    first = TokenDaily.objects.filter(token=token).aggregate(first=Min("day"))["first"]
    reached = _reached(token.chain_id)
    if first is None or reached is None:
        return None
    span = Coverage(first_day=first + timedelta(days=1), last_day=reached.date() - timedelta(days=1))
    return span if span.days else None


def daily_frame(*, token: Token, start: date, end: date) -> tuple[pd.DataFrame, int]:
    """The token's activity as exogenous series, one row per calendar day from ``start`` to ``end``.

    Columns ``COLUMNS``; the row of day t holds day t − 1's aggregates (the lag rule), zeros for a
    covered day without transfers and NaN for days outside the coverage. Also returns how many
    rows carry data. Floats here are inputs of a numerical model only; amounts stay exact in the
    database.
    """
    calendar = pd.date_range(start, end, freq="D")
    frame = pd.DataFrame(float("nan"), index=calendar, columns=list(COLUMNS))
    span = coverage(token)
    if span is None or end < start:
        return frame, 0
    covered = pd.date_range(span.first_day, span.last_day, freq="D")
    daily = pd.DataFrame(0.0, index=covered, columns=list(COLUMNS))
    scale = Decimal(10) ** (token.decimals or 0)
    rows = TokenDaily.objects.filter(token=token, day__gte=span.first_day, day__lte=span.last_day).values_list(
        "day", *SERIES
    )
    records = pd.DataFrame.from_records(list(rows), columns=["day", *SERIES])
    if not records.empty:
        records["volume"] = [float(volume / scale) for volume in records["volume"]]
        records.index = pd.DatetimeIndex(records.pop("day"))
        records.columns = list(COLUMNS)
        daily.update(records.astype(float))
    lagged = daily.reindex(covered.union(covered + pd.Timedelta(days=1))).shift(1)
    frame.update(lagged)
    return frame, int(frame.notna().all(axis=1).sum())
