"""Tracked addresses: a user follows a wallet or an ERC-20 token contract on the configured chain.

Addresses are stored EIP-55 checksummed: all-lower or all-upper hex is accepted and checksummed,
mixed case must be the right checksum. A token contract must have code on the chain, and its
metadata (name, symbol, decimals) is read once through ``tokens.ensure_token``. One user tracks an
address once per chain.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.onchain.chain import Chain, checksum, get_chain
from apps.onchain.models import AddressKind, TrackedAddress
from apps.onchain.services.tokens import ensure_token
from quantumvest.errors import Conflict, ValidationFailed

LABEL_MAX = 100


def _clean_label(label: str) -> str:
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        raise ValidationFailed(
            f"A label has at most {LABEL_MAX} characters.", fields={"label": [f"At most {LABEL_MAX} characters."]}
        )
    return label


def _clean_address(address: str) -> str:
    try:
        return checksum((address or "").strip())
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"address": [str(exc)]}, code="invalid_address") from exc


def _already_tracked(address: str, chain_id: int) -> Conflict:
    message = f"You already track {address} on chain {chain_id}."
    return Conflict(message, fields={"address": [message]}, code="already_tracked")


def track_address(
    *, owner, address: str, kind: str = AddressKind.WALLET, label: str = "", chain: Chain | None = None
) -> TrackedAddress:
    """Start tracking ``address`` for ``owner`` on the configured chain; the new row.

    Raises ValidationFailed (bad address, kind or label; a token address without contract code),
    Conflict (already tracked by this user on this chain), ChainUnavailable (the chain id or, for a
    token, its code and metadata cannot be read from the node).
    """
    if kind not in AddressKind.values:
        raise ValidationFailed(
            f"Kind must be one of {', '.join(AddressKind.values)}.",
            fields={"kind": [f"Choose {' or '.join(AddressKind.values)}."]},
        )
    address = _clean_address(address)
    label = _clean_label(label)
    chain = chain or get_chain()
    chain_id = chain.known_chain_id or chain.check()
    if TrackedAddress.objects.filter(owner=owner, chain_id=chain_id, address=address).exists():
        raise _already_tracked(address, chain_id)
    token = None
    if kind == AddressKind.TOKEN:
        if chain.code_size(address) == 0:
            message = f"No contract at {address} on chain {chain_id}: a token address is the ERC-20 contract's."
            raise ValidationFailed(message, fields={"address": [message]}, code="not_a_contract")
        token = ensure_token(address, chain=chain)
    try:
        with transaction.atomic():
            return TrackedAddress.objects.create(
                owner=owner, chain_id=chain_id, address=address, kind=kind, label=label, token=token
            )
    except IntegrityError as exc:  # the same address tracked meanwhile (a double submit)
        raise _already_tracked(address, chain_id) from exc


def relabel_address(*, tracked: TrackedAddress, label: str) -> TrackedAddress:
    """Set the label of ``tracked`` (blank allowed); the saved row. Raises ValidationFailed (too long)."""
    tracked.label = _clean_label(label)
    tracked.save(update_fields=["label"])
    return tracked


def untrack_address(*, tracked: TrackedAddress) -> None:
    """Stop tracking: the row goes; ingested transfers and token rows stay (they are shared chain data)."""
    tracked.delete()
