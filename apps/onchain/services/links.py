"""Link an asset to the ERC-20 token whose on-chain activity its forecasts may use.

The link is two keys of the asset's metadata, ``chain_id`` and ``contract_address`` (EIP-55),
read by ``apps.onchain.features``. Linking does not start ingestion: the token's activity feeds
the forecasts once someone tracks it and ``sync_onchain`` has stored its transfers.
"""

from __future__ import annotations

from django.db import transaction

from apps.assets.models import Asset
from apps.onchain.chain import Chain, checksum, get_chain
from apps.onchain.features import ADDRESS_KEY, CHAIN_ID_KEY
from apps.onchain.models import Token
from apps.onchain.services.tokens import ensure_token
from quantumvest.errors import ValidationFailed


def resolve_token(*, chain_id: int, address: str, chain: Chain | None = None) -> Token:
    """The token at ``address`` on ``chain_id``: the stored one, else read from the configured node.

    Raises ``ValidationFailed`` naming the field (``address``: not an EIP-55 address, not a
    contract, no ERC-20 decimals; ``chain_id``: unknown token on a chain other than the configured
    one) and ``ChainUnavailable`` when the node must be asked and cannot answer.
    """
    try:
        address = checksum(address)
    except ValueError as exc:
        raise ValidationFailed(str(exc), fields={"address": [str(exc)]}) from exc
    if not isinstance(chain_id, int) or isinstance(chain_id, bool) or chain_id <= 0:
        raise ValidationFailed(f"{chain_id!r} is not a chain id.", fields={"chain_id": ["A positive integer."]})
    known = Token.objects.filter(chain_id=chain_id, address=address).first()
    if known is not None:
        return known
    chain = chain or get_chain()
    if chain.chain_id != chain_id:
        message = (
            f"No token {address} is known on chain {chain_id}, and the configured node is chain {chain.chain_id}: "
            "it cannot be read from there."
        )
        raise ValidationFailed(message, fields={"chain_id": [message]})
    if chain.code_size(address) == 0:
        message = f"{address} has no contract code on chain {chain_id}: it is not a token."
        raise ValidationFailed(message, fields={"address": [message]})
    token = ensure_token(address, chain=chain)
    if token.decimals is None:
        message = f"{address} on chain {chain_id} does not answer decimals(): it is not an ERC-20 token."
        raise ValidationFailed(message, fields={"address": [message]})
    return token


def checked_link_metadata(metadata: dict, *, chain: Chain | None = None) -> dict:
    """``metadata`` with a valid token link (int chain id, EIP-55 address), as the asset admin saves it.

    Metadata without either key is returned unchanged. Raises ``ValidationFailed`` when only one
    key is given or the token does not resolve (see ``resolve_token``), ``ChainUnavailable`` when
    an unknown token cannot be read from the node.
    """
    if CHAIN_ID_KEY not in metadata and ADDRESS_KEY not in metadata:
        return metadata
    chain_id, address = metadata.get(CHAIN_ID_KEY), metadata.get(ADDRESS_KEY)
    if chain_id in (None, "") or not address:
        message = f"A token link needs both {CHAIN_ID_KEY} and {ADDRESS_KEY}."
        raise ValidationFailed(message, fields={"metadata": [message]})
    try:
        chain_id = int(chain_id)
    except (TypeError, ValueError):
        message = f"{CHAIN_ID_KEY} {chain_id!r} is not a chain id."
        raise ValidationFailed(message, fields={"chain_id": [message]}) from None
    token = resolve_token(chain_id=chain_id, address=str(address), chain=chain)
    return {**metadata, CHAIN_ID_KEY: token.chain_id, ADDRESS_KEY: token.address}


@transaction.atomic
def link_asset_token(*, asset: Asset, chain_id: int, address: str, chain: Chain | None = None) -> Token:
    """Link ``asset`` to a token (see ``resolve_token`` for the validation and its errors).

    Only the two metadata keys change; the asset's other metadata is kept.
    """
    token = resolve_token(chain_id=chain_id, address=address, chain=chain)
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    asset.metadata = {**(asset.metadata or {}), CHAIN_ID_KEY: token.chain_id, ADDRESS_KEY: token.address}
    asset.save(update_fields=["metadata", "updated_at"])
    return token


@transaction.atomic
def unlink_asset_token(*, asset: Asset) -> bool:
    """Remove an asset's token link; returns whether there was one. Other metadata is kept."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    metadata = dict(asset.metadata or {})
    had = CHAIN_ID_KEY in metadata or ADDRESS_KEY in metadata
    metadata.pop(CHAIN_ID_KEY, None)
    metadata.pop(ADDRESS_KEY, None)
    asset.metadata = metadata
    asset.save(update_fields=["metadata", "updated_at"])
    return had
