"""What ingestion derives from stored transfers: daily aggregates per token and wallet balances.

Daily aggregates are recomputed from the stored transfers of each (token, UTC day) a sync touched,
in Python over the exact base units (no database SUM, which SQLite does in floating point). Balance
history keeps a snapshot when a wallet's balance differs from its previous snapshot.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from apps.onchain.chain import Chain
from apps.onchain.models import AddressKind, BalanceSnapshot, Token, TokenDaily, TrackedAddress, Transfer

Day = tuple[int, dt.date]  # (token id, UTC day)


def block_time(timestamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


def days_of(transfers) -> set[Day]:
    """The (token, UTC day) pairs of a queryset of transfers (native transfers have no token)."""
    return {
        (token_id, ts.astimezone(dt.UTC).date())
        for token_id, ts in transfers.filter(token__isnull=False).values_list("token_id", "timestamp").distinct()
    }


def _tracked_tokens(token_ids: set[int]) -> dict[int, Token]:
    """The tokens among ``token_ids`` that someone tracks as a token (all their transfers are read)."""
    tokens = Token.objects.filter(pk__in=token_ids)
    tracked = set(
        TrackedAddress.objects.filter(kind=AddressKind.TOKEN, address__in={t.address for t in tokens}).values_list(
            "chain_id", "address"
        )
    )
    return {t.pk: t for t in tokens if (t.chain_id, t.address) in tracked}


def recompute_days(days: set[Day]) -> int:
    """Rewrite the TokenDaily rows of ``days`` from the stored transfers; a day left empty is deleted.

    Only tokens tracked as tokens get aggregates: of a token seen only through tracked wallets just
    those wallets' transfers are stored, and their sum is not the token's activity. Call it inside
    the transaction that changed the transfers. Returns the number of days written.
    """
    tokens = _tracked_tokens({token_id for token_id, _ in days})
    written = 0
    for token_id, day in sorted(days):
        token = tokens.get(token_id)
        if token is None:
            continue
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        rows = list(
            Transfer.objects.filter(
                token=token, timestamp__gte=start, timestamp__lt=start + dt.timedelta(days=1)
            ).values_list("from_address", "to_address", "value", "final")
        )
        if not rows:
            TokenDaily.objects.filter(token=token, day=day).delete()
            continue
        threshold = token.large_transfer_threshold
        TokenDaily.objects.update_or_create(
            token=token,
            day=day,
            defaults={
                "transfer_count": len(rows),
                "volume": sum((Decimal(v) for _, _, v, _ in rows), Decimal(0)),
                "unique_senders": len({f for f, _, _, _ in rows}),
                "unique_receivers": len({t for _, t, _, _ in rows}),
                "large_transfers": 0 if threshold is None else sum(1 for _, _, v, _ in rows if v >= threshold),
                "final": all(final for _, _, _, final in rows),
            },
        )
        written += 1
    return written


def read_balances(chain: Chain, chain_id: int, block: int) -> list[tuple[str, int | None, int]]:
    """(wallet, token id or None for the native coin, balance) of every tracked wallet at ``block``.

    Tokens are those the wallet has a stored transfer of. Raises ChainUnavailable.
    """
    wallets = sorted(
        set(TrackedAddress.objects.filter(chain_id=chain_id, kind=AddressKind.WALLET).values_list("address", flat=True))
    )
    out: list[tuple[str, int | None, int]] = []
    for wallet in wallets:
        out.append((wallet, None, chain.balance(wallet, block)))
        held = (
            Transfer.objects.filter(chain_id=chain_id, token__isnull=False, block_number__lte=block)
            .filter(Q(from_address=wallet) | Q(to_address=wallet))
            .values_list("token_id", flat=True)
            .distinct()
        )
        for token in Token.objects.filter(pk__in=set(held)).order_by("pk"):
            balance = chain.erc20_balance(token.address, wallet, block)
            if balance is not None:
                out.append((wallet, token.pk, balance))
    return out


def store_balances(chain_id: int, block: int, timestamp: int, balances: list[tuple[str, int | None, int]]) -> int:
    """Snapshot each balance that differs from the wallet's latest snapshot at or before ``block``.

    Call it inside the transaction that holds the checkpoint. Returns the number of snapshots written.
    """
    written = 0
    for wallet, token_id, balance in balances:
        latest = (
            BalanceSnapshot.objects.filter(
                chain_id=chain_id, address=wallet, token_id=token_id, block_number__lte=block
            )
            .order_by("-block_number")
            .values_list("balance", flat=True)
            .first()
        )
        if latest is not None and int(latest) == balance:
            continue
        BalanceSnapshot.objects.create(
            chain_id=chain_id,
            address=wallet,
            token_id=token_id,
            block_number=block,
            timestamp=block_time(timestamp),
            balance=balance,
        )
        written += 1
    return written
