"""Reads of on-chain data for one user: the lookups every face calls.

Ownership: a tracked address is its owner's only; a transfer is visible to a user when it moves
value from or to one of their tracked wallets (same chain), or is a transfer of a token they track.
A token's daily aggregates are shown to users who track that token; anyone else gets ``Http404``,
exactly like a token nobody tracks. Every "object for this user" lookup raises ``Http404`` for a
missing id and for another user's object alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from apps.onchain.models import AddressKind, Token, TokenDaily, TrackedAddress, Transfer

# Ids, chain ids and block numbers are bigints: beyond this no row exists (the database would refuse).
BIGINT_MAX = 2**63 - 1


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def addresses_for_user(user, *, chain_id: int | None = None) -> QuerySet[TrackedAddress]:
    """The user's own tracked addresses (all chains unless ``chain_id``), by label then address."""
    if not _signed_in(user):
        return TrackedAddress.objects.none()
    rows = TrackedAddress.objects.filter(owner=user).select_related("token")
    if chain_id is not None:
        rows = rows.filter(chain_id=chain_id)
    return rows.order_by("label", "address", "id")


def get_address_for_user(user, address_id) -> TrackedAddress:
    """The user's tracked address ``address_id``; ``Http404`` for a missing id or another user's row."""
    try:
        pk = int(address_id)
    except (TypeError, ValueError) as exc:
        raise Http404("No such tracked address.") from exc
    if not 0 < pk <= BIGINT_MAX:
        raise Http404("No such tracked address.")
    try:
        return addresses_for_user(user).get(pk=pk)
    except TrackedAddress.DoesNotExist as exc:
        raise Http404("No such tracked address.") from exc


@dataclass(frozen=True)
class TransferFilter:
    """Optional narrowing of a user's transfers; every bound is inclusive."""

    chain_id: int | None = None
    address: str | None = None  # checksummed: transfers from, to, or of (a token contract) this address
    token: str | None = None  # checksummed contract address, or "native" for the native coin
    from_block: int | None = None
    to_block: int | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


NATIVE = "native"


def transfers_for_user(user, filters: TransferFilter | None = None) -> QuerySet[Transfer]:
    """Transfers of the user's tracked addresses, newest first, narrowed by ``filters``.

    A transfer belongs to the user when its sender or receiver is one of their tracked wallets on
    the transfer's chain, or when its token is one they track.
    """
    if not _signed_in(user):
        return Transfer.objects.none()
    mine = TrackedAddress.objects.filter(owner=user, chain_id=OuterRef("chain_id"))
    wallets = mine.filter(kind=AddressKind.WALLET)
    rows = Transfer.objects.filter(
        Exists(wallets.filter(address=OuterRef("from_address")))
        | Exists(wallets.filter(address=OuterRef("to_address")))
        | Exists(TrackedAddress.objects.filter(owner=user, kind=AddressKind.TOKEN, token_id=OuterRef("token_id")))
    ).select_related("token")
    f = filters or TransferFilter()
    if f.chain_id is not None:
        rows = rows.filter(chain_id=f.chain_id)
    if f.address:
        rows = rows.filter(Q(from_address=f.address) | Q(to_address=f.address) | Q(token__address=f.address))
    if f.token == NATIVE:
        rows = rows.filter(token__isnull=True)
    elif f.token:
        rows = rows.filter(token__address=f.token)
    if f.from_block is not None:
        rows = rows.filter(block_number__gte=f.from_block)
    if f.to_block is not None:
        rows = rows.filter(block_number__lte=f.to_block)
    if f.start is not None:
        rows = rows.filter(timestamp__gte=f.start)
    if f.end is not None:
        rows = rows.filter(timestamp__lte=f.end)
    return rows.order_by("-block_number", "-log_index", "-id")


def tracked_tokens_for_user(user) -> QuerySet[Token]:
    """The tokens the user tracks (as token contracts), by chain and symbol."""
    if not _signed_in(user):
        return Token.objects.none()
    ids = TrackedAddress.objects.filter(owner=user, kind=AddressKind.TOKEN).values("token_id")
    return Token.objects.filter(pk__in=ids).order_by("chain_id", "symbol", "address")


def get_token_for_user(user, address: str, *, chain_id: int | None = None) -> Token:
    """A token the user tracks at ``address`` (checksummed); ``Http404`` when they track none there.

    When they track that address on several chains and ``chain_id`` is not given, the most recently
    tracked one is chosen.
    """
    rows = TrackedAddress.objects.filter(owner=user, kind=AddressKind.TOKEN, address=address, token__isnull=False)
    if chain_id is not None:
        rows = rows.filter(chain_id=chain_id)
    tracked = rows.select_related("token").order_by("-created_at", "-id").first() if _signed_in(user) else None
    if tracked is None:
        raise Http404("No such tracked token.")
    return tracked.token


def daily_of(token: Token, *, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[TokenDaily]:
    """The token's daily aggregates, oldest first, between ``start`` and ``end`` inclusive."""
    rows = TokenDaily.objects.filter(token=token)
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return rows.order_by("day")
