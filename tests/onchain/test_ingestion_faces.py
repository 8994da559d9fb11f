"""The faces of ingestion: the Celery task onchain.sync (retries, idempotence) and sync_onchain."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.onchain.chain import ChainUnavailable, reset_chains
from apps.onchain.models import AddressKind, SyncCheckpoint, Transfer
from apps.onchain.tasks.ingestion import MAX_RETRIES, sync
from tests.onchain.rpc_proxy import RpcProxy
from tests.onchain.test_ingestion import address, deploy_token, mint, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def node_down(anvil, settings):
    """The product pointed at a node that answers HTTP 503 to everything; the proxy counts the calls."""
    with RpcProxy(anvil.url) as rpc:
        rpc.down = True
        settings.ONCHAIN_RPC_URL = rpc.url
        settings.ONCHAIN_CHAIN_ID = anvil.chain_id
        settings.ONCHAIN_RPC_TIMEOUT = 2
        reset_chains()
        yield rpc
        reset_chains()


def test_the_task_retries_a_node_that_is_down_a_bounded_number_of_times_on_a_worker(node_down, monkeypatch, request):
    monkeypatch.setenv("ONCHAIN_RPC_URL", node_down.url)
    monkeypatch.setenv("ONCHAIN_RPC_TIMEOUT", "2")
    monkeypatch.setenv("ONCHAIN_SYNC_RETRY_BACKOFF", "0")
    request.getfixturevalue("celery_worker_process")
    with pytest.raises(ChainUnavailable, match="is not reachable"):
        sync.delay().get(timeout=60)
    attempts = [m for m, _ in node_down.calls if m == "eth_chainId"]
    assert len(attempts) == MAX_RETRIES + 1


def test_the_task_delivered_twice_stores_each_transfer_once(anvil_chain):
    token = deploy_token(anvil_chain)
    track(anvil_chain, token, AddressKind.TOKEN)
    mint(anvil_chain, token, address(), 3)
    first, second = sync.apply().get(), sync.apply().get()
    assert (first["transfers_new"], second["transfers_new"], Transfer.objects.count()) == (1, 0, 1)
    assert second["lag"] == 0 and second["synced_block"] == anvil_chain.head()


def test_the_command_prints_blocks_transfers_reorgs_and_lag(anvil_chain):
    token = deploy_token(anvil_chain)
    track(anvil_chain, token, AddressKind.TOKEN)
    mint(anvil_chain, token, address(), 3)
    out = StringIO()
    call_command("sync_onchain", stdout=out)
    text = out.getvalue()
    head = anvil_chain.head()
    assert f"head {head}, synced to {head}" in text and "lag 0 blocks" in text
    assert "transfers new 1, removed 0" in text and "reorgs 0" in text


def test_the_command_reports_a_node_that_is_down_within_the_timeout(node_down):
    started = time.monotonic()
    with pytest.raises(CommandError, match="is not reachable"):
        call_command("sync_onchain")
    assert time.monotonic() - started < 2 + 1
    assert not SyncCheckpoint.objects.exists()  # nothing recorded for a chain never reached


def test_a_slow_node_is_reported_after_one_timeout_not_several(node_down, settings):
    node_down.down, node_down.delay = False, 3
    settings.ONCHAIN_RPC_TIMEOUT = 1
    reset_chains()
    started = time.monotonic()
    with pytest.raises(CommandError, match="did not answer within 1 s"):
        call_command("sync_onchain")
    assert time.monotonic() - started < 1 + 2  # web3 on its own would try 5 times: 5 s and more
