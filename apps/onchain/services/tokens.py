"""ERC-20 metadata: one ``Token`` row per (chain, contract), filled from the chain once."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.onchain.chain import Chain, checksum, get_chain
from apps.onchain.models import Token

# A transfer of at least this many whole tokens counts as large unless the token says otherwise.
DEFAULT_LARGE_WHOLE_TOKENS = 10_000


def ensure_token(address: str, *, chain: Chain | None = None) -> Token:
    """The Token for ``address`` on the configured chain, reading name, symbol and decimals on first sight.

    Raises ValueError for an invalid address and ChainUnavailable when the node cannot be asked.
    """
    chain = chain or get_chain()
    address = checksum(address)
    chain_id = chain.chain_id
    existing = Token.objects.filter(chain_id=chain_id, address=address).first()
    if existing is not None:
        return existing
    meta = chain.token_metadata(address)
    decimals = meta.get("decimals")
    threshold = Decimal(DEFAULT_LARGE_WHOLE_TOKENS) * (Decimal(10) ** (decimals if decimals is not None else 18))
    try:
        with transaction.atomic():
            return Token.objects.create(
                chain_id=chain_id,
                address=address,
                name=(meta.get("name") or "")[:100],
                symbol=(meta.get("symbol") or "")[:32],
                decimals=decimals,
                large_transfer_threshold=threshold,
            )
    except IntegrityError:  # another process created it meanwhile
        return Token.objects.get(chain_id=chain_id, address=address)


def format_units(value: int | Decimal, decimals: int | None) -> str:
    """Base units shown with the token's decimals, exactly (no float, any uint256): 1500000, 6 → "1.5"."""
    if not decimals:
        return f"{Decimal(value):f}"
    # Integer arithmetic: Decimal division rounds to 28 significant digits, a uint256 has 78.
    units = int(value)
    whole, fraction = divmod(abs(units), 10**decimals)
    digits = f"{fraction:0{decimals}d}".rstrip("0")
    return f"{'-' if units < 0 else ''}{whole}{'.' + digits if digits else ''}"
