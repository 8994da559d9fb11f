"""Helpers of the on-chain faces' tests: a node that is down or silent, and signed-in clients."""

from __future__ import annotations

from django.test import Client

from apps.onchain.chain import get_chain, reset_chains
from tests.accounts.factories import UserFactory
from tests.onchain.nodes import dead_url

DOWN_TIMEOUT = 1


def point_at(settings, url: str, *, chain_id: int | None = None, key: str = "") -> None:
    settings.ONCHAIN_RPC_URL = url
    settings.ONCHAIN_CHAIN_ID = chain_id
    settings.ONCHAIN_PRIVATE_KEY = key
    settings.ONCHAIN_CONFIRMATIONS = None
    settings.ONCHAIN_RPC_TIMEOUT = DOWN_TIMEOUT
    reset_chains()


def node_down(settings, *, chain_id: int | None = None):
    """Point the product at a closed loopback port with a 1 s timeout; the Chain."""
    point_at(settings, dead_url(), chain_id=chain_id)
    return get_chain()


def signed_in(user=None) -> Client:
    client = Client()
    client.force_login(user or UserFactory())
    return client
