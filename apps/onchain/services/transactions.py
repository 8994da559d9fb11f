"""Transaction tracking: a user follows a transaction by its hash until it is final.

One check asks the configured node for the transaction, its receipt and the head, and gives:
- ``not_found``: the node knows neither the transaction nor a receipt;
- ``pending``: the transaction is known, without a receipt (not mined yet);
- ``confirmed``: mined with receipt status 1; ``confirmations`` = head − block + 1;
- ``failed``: mined and reverted (receipt status 0), confirmations likewise.

A mined transaction is final once its confirmations reach the chain's required confirmations
(``Chain.confirmations``: ONCHAIN_CONFIRMATIONS or the network's default); a final row is never
checked again. A hash still not found ``NOT_FOUND_GIVE_UP`` after it was submitted is final too
(the node dropped it or never saw it). Until then, ``onchain.refresh_transactions`` (Celery beat)
and the page's poll check it again; every write is a conditional update of a row that is not final,
so two deliveries or two polls at once record the same thing once.

Amounts are exact integers (wei, token base units); decoded ERC-20 transfers are stored in the row
as JSON with their values as strings.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from apps.onchain.chain import TRANSFER_TOPIC, Chain, ChainUnavailable, Receipt, checksum, get_chain
from apps.onchain.models import TrackedTransaction, TxStatus
from apps.onchain.services.tokens import ensure_token
from quantumvest.errors import ValidationFailed

log = logging.getLogger(__name__)

HASH_RE = re.compile(r"^0x[0-9a-f]{64}$")
# A hash the node has not seen this long after its submission is given up (final, not_found).
NOT_FOUND_GIVE_UP = timedelta(hours=1)
# A poll of the page checks the node at most this often per transaction (several tabs, one check).
MIN_RECHECK = timedelta(seconds=3)
# Rows one run of the beat task checks at most (the oldest checks first); the rest wait 30 s.
REFRESH_BATCH = 200


@dataclass(frozen=True)
class Observation:
    """What one check of the node found about a transaction (plain values, amounts exact)."""

    status: str
    confirmations: int = 0
    from_address: str = ""
    to_address: str = ""
    value: int | None = None
    gas_used: int | None = None
    block_number: int | None = None
    block_hash: str = ""
    transfers: list[dict] = field(default_factory=list)

    def is_final(self, required: int) -> bool:
        return self.status in (TxStatus.CONFIRMED, TxStatus.FAILED) and self.confirmations >= required


def normalise_hash(raw: object) -> str:
    """``raw`` as 0x + 64 lower-case hex digits; ValidationFailed (400, field ``tx_hash``) otherwise."""
    text = raw.strip().lower() if isinstance(raw, str) else ""
    if text and not text.startswith("0x"):
        text = "0x" + text
    if not HASH_RE.match(text):
        message = "A transaction hash is 0x followed by 64 hexadecimal digits."
        raise ValidationFailed(message, fields={"tx_hash": [message]}, code="invalid_tx_hash")
    return text


# --- Reads: every "transaction of this user" lookup -------------------------------------------------


def transactions_for_user(user) -> QuerySet[TrackedTransaction]:
    """The user's own tracked transactions, newest submission first (none for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return TrackedTransaction.objects.none()
    return TrackedTransaction.objects.filter(owner=user).order_by("-submitted_at", "-id")


def get_transaction_for_user(user, transaction_id) -> TrackedTransaction:
    """The user's tracked transaction ``transaction_id``; Http404 for a missing id or another user's."""
    try:
        return transactions_for_user(user).get(pk=int(transaction_id))
    except (TrackedTransaction.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("No such transaction.") from exc


# --- The check ------------------------------------------------------------------------------------


def _word_address(topic: str) -> str:
    return checksum("0x" + topic[-40:])


def decode_transfers(receipt: Receipt, *, chain: Chain) -> list[dict]:
    """The ERC-20 ``Transfer`` logs of ``receipt``, with each token's symbol and decimals.

    A log counts as ERC-20 when it has the Transfer topic, two indexed addresses and a 32-byte
    amount (ERC-721 transfers index the token id and are left out). Token metadata is read from the
    chain once per token and kept in ``Token``. Raises ChainUnavailable.
    """
    found = []
    for entry in receipt.logs:
        data = entry.data.removeprefix("0x")
        if len(entry.topics) != 3 or entry.topics[0] != TRANSFER_TOPIC or len(data) != 64:
            continue
        token = ensure_token(entry.address, chain=chain)
        found.append(
            {
                "log_index": entry.log_index,
                "token": entry.address,
                "symbol": token.symbol,
                "decimals": token.decimals,
                "from_address": _word_address(entry.topics[1]),
                "to_address": _word_address(entry.topics[2]),
                "value": str(int(data, 16)),
            }
        )
    return found


def observe(tx_hash: str, *, chain: Chain) -> Observation:
    """One check of ``tx_hash`` on ``chain``: a few RPC calls, each within ONCHAIN_RPC_TIMEOUT.

    Raises ChainUnavailable (node down, slow, or on another chain than ONCHAIN_CHAIN_ID).
    """
    chain.check()
    receipt = chain.receipt(tx_hash)
    tx = chain.transaction(tx_hash)
    if receipt is None:
        if tx is None:
            return Observation(status=TxStatus.NOT_FOUND)
        return Observation(
            status=TxStatus.PENDING,
            from_address=tx.from_address,
            to_address=tx.to_address or "",
            value=tx.value,
        )
    head = chain.head()
    return Observation(
        status=TxStatus.CONFIRMED if receipt.status == 1 else TxStatus.FAILED,
        confirmations=max(0, head - receipt.block_number + 1),
        from_address=receipt.from_address,
        # A contract creation has no receiver: the created contract stands in for it.
        to_address=receipt.to_address or receipt.contract_address or "",
        value=tx.value if tx is not None else None,
        gas_used=receipt.gas_used,
        block_number=receipt.block_number,
        block_hash=receipt.block_hash,
        transfers=decode_transfers(receipt, chain=chain) if receipt.status == 1 else [],
    )


def _fields(found: Observation, *, required: int, submitted_at) -> dict:
    now = timezone.now()
    final = found.is_final(required) or (found.status == TxStatus.NOT_FOUND and now - submitted_at >= NOT_FOUND_GIVE_UP)
    return {
        "status": found.status,
        "confirmations": found.confirmations,
        "from_address": found.from_address,
        "to_address": found.to_address,
        "value": None if found.value is None else Decimal(found.value),
        "gas_used": found.gas_used,
        "block_number": found.block_number,
        "block_hash": found.block_hash,
        "transfers": found.transfers,
        "final": final,
        "checked_at": now,
        "check_error": "",
    }


# --- Use cases ------------------------------------------------------------------------------------


def track_transaction(*, user, tx_hash: str, chain: Chain | None = None) -> tuple[TrackedTransaction, bool]:
    """Follow ``tx_hash`` for ``user`` on the configured chain: the row and whether it is new.

    The same hash submitted again by the same user gives the same row (checked again when it is not
    final). The node is asked before anything is stored: when it cannot answer, nothing is.
    Raises ValidationFailed (field ``tx_hash``) and ChainUnavailable.
    """
    tx_hash = normalise_hash(tx_hash)
    chain = chain or get_chain()
    chain_id = chain.check()
    existing = TrackedTransaction.objects.filter(owner=user, chain_id=chain_id, tx_hash=tx_hash).first()
    if existing is not None:
        return refresh_transaction(existing, chain=chain), False
    found = observe(tx_hash, chain=chain)
    now = timezone.now()
    values = _fields(found, required=chain.confirmations, submitted_at=now)
    try:
        with transaction.atomic():
            row = TrackedTransaction.objects.create(
                owner=user, chain_id=chain_id, tx_hash=tx_hash, submitted_at=now, **values
            )
    except IntegrityError:  # the same user submitted it at the same moment from elsewhere
        return TrackedTransaction.objects.get(owner=user, chain_id=chain_id, tx_hash=tx_hash), False
    log.info("onchain: user %s tracks %s on chain %s (%s)", user.pk, tx_hash, chain_id, row.status)
    return row, True


def refresh_transaction(row: TrackedTransaction, *, chain: Chain | None = None) -> TrackedTransaction:
    """Check ``row`` again and store what the node says, unless it is final (then unchanged).

    A row of another chain than the configured one is left as it is. When the node cannot answer,
    the reason is kept in ``check_error`` and ChainUnavailable is raised. The write is conditional on
    the row not being final, so concurrent checks cannot move a final row back.
    """
    if row.final:
        return row
    chain = chain or get_chain()
    try:
        if chain.check() != row.chain_id:
            return row
        found = observe(row.tx_hash, chain=chain)
    except ChainUnavailable as exc:
        TrackedTransaction.objects.filter(pk=row.pk, final=False).update(
            check_error=exc.detail[:300], checked_at=timezone.now()
        )
        row.refresh_from_db()
        raise
    values = _fields(found, required=chain.confirmations, submitted_at=row.submitted_at)
    TrackedTransaction.objects.filter(pk=row.pk, final=False).update(**values)
    row.refresh_from_db()
    return row


def refresh_if_stale(row: TrackedTransaction, *, chain: Chain | None = None) -> TrackedTransaction:
    """What a page or API read of one transaction does: one check when it is not final and was not
    checked within ``MIN_RECHECK``. Raises ChainUnavailable like ``refresh_transaction``."""
    if row.final or (row.checked_at and timezone.now() - row.checked_at < MIN_RECHECK):
        return row
    return refresh_transaction(row, chain=chain)


def refresh_open_transactions(*, chain: Chain | None = None, limit: int = REFRESH_BATCH) -> dict[str, int]:
    """Check the tracked transactions of the configured chain that are not final, oldest check first.

    Returns counts (checked, final). Stops at the first ChainUnavailable and raises it (the task
    retries); what was checked before stays recorded.
    """
    chain = chain or get_chain()
    chain_id = chain.check()
    open_rows = TrackedTransaction.objects.filter(chain_id=chain_id, final=False).order_by("checked_at", "id")
    checked = final = 0
    for row in open_rows[:limit]:
        row = refresh_transaction(row, chain=chain)
        checked += 1
        final += row.final
    return {"checked": checked, "final": final}


def untrack_transaction(*, row: TrackedTransaction) -> None:
    """Stop following a transaction (the row is deleted; nothing on chain changes)."""
    row.delete()
