"""System check: a configured node on another chain than ONCHAIN_CHAIN_ID is a start-up error."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility, "onchain")
def chain_id_matches(app_configs, **kwargs):
    if not (settings.ONCHAIN_RPC_URL and settings.ONCHAIN_CHAIN_ID):
        return []
    from apps.onchain.chain import ChainMismatch, ChainUnavailable, get_chain

    try:
        get_chain().check()
    except ChainMismatch as exc:
        return [Error(exc.detail, id="onchain.E001")]
    except ChainUnavailable as exc:
        return [Warning(f"{exc.detail} The chain id could not be checked.", id="onchain.W001")]
    return []
