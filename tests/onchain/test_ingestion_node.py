"""Ingestion against a real node (anvil): reorgs made with evm_snapshot/evm_revert, and faults made
by a JSON-RPC proxy in front of it (ranges refused, a node that fails mid-sync, another sync at the
same moment)."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.onchain.chain import Chain, ChainUnavailable, RangeRefused, get_chain, reset_chains
from apps.onchain.models import AddressKind, SyncCheckpoint, TokenDaily, Transfer
from apps.onchain.services.ingestion import sync_chain
from tests.anvil import KEYS
from tests.onchain.rpc_proxy import RpcProxy
from tests.onchain.test_ingestion import address, deploy_token, mint, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def proxy(anvil, settings):
    """(proxy, chain): the product configured against anvil through an RpcProxy."""
    with RpcProxy(anvil.url) as rpc:
        settings.ONCHAIN_RPC_URL = rpc.url
        settings.ONCHAIN_CHAIN_ID = anvil.chain_id
        settings.ONCHAIN_PRIVATE_KEY = KEYS[0]
        settings.ONCHAIN_CONFIRMATIONS = None
        settings.ONCHAIN_RPC_TIMEOUT = 5
        reset_chains()
        yield rpc, get_chain()
        reset_chains()


def tx_hashes(chain_id: int) -> set[str]:
    return set(Transfer.objects.filter(chain_id=chain_id).values_list("tx_hash", flat=True))


def test_a_reorg_removes_the_transfers_of_orphaned_blocks_and_reads_the_new_branch(anvil_chain, anvil):
    chain = anvil_chain
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    wallet = address()
    track(chain, wallet)
    kept = mint(chain, token, address(), 1)
    sync_chain(chain=chain)
    snapshot = anvil.snapshot()
    orphans = [mint(chain, token, address(), 2), mint(chain, token, wallet, 3), chain.send_value(wallet, 4)]
    sync_chain(chain=chain)
    assert tx_hashes(chain.chain_id) == {kept.tx_hash} | {r.tx_hash for r in orphans}
    anvil.revert(snapshot)
    other = mint(chain, token, address(), 5)  # the new branch has other transactions
    anvil.mine(3)
    report = sync_chain(chain=chain)
    assert tx_hashes(chain.chain_id) == {kept.tx_hash, other.tx_hash}
    assert (report.reorgs, report.transfers_removed, report.reorg_base) == (1, len(orphans), kept.block_number)
    [daily] = TokenDaily.objects.all()
    assert (daily.transfer_count, int(daily.volume)) == (2, 1 + 5)
    checkpoint = SyncCheckpoint.objects.get(chain_id=chain.chain_id)
    assert (checkpoint.synced_block, checkpoint.synced_hash) == (chain.head(), chain.block(chain.head()).hash)


def test_a_node_reset_below_everything_stored_starts_again_from_the_lookback(anvil_chain, anvil, settings):
    settings.ONCHAIN_SYNC_LOOKBACK = 2
    chain = anvil_chain
    snapshot = anvil.snapshot()
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    mint(chain, token, address(), 1)
    sync_chain(chain=chain)
    anvil.revert(snapshot)  # the token never existed on this chain any more
    anvil.mine(5)  # the new lookback window starts above the old transfer's block
    report = sync_chain(chain=chain)
    assert (report.reorgs, report.transfers_removed, Transfer.objects.count()) == (1, 1, 0)
    assert report.reorg_base == chain.head() - 2
    assert SyncCheckpoint.objects.get().synced_block == chain.head()


def test_the_block_range_is_halved_while_the_node_refuses_it(proxy, settings):
    rpc, chain = proxy
    settings.ONCHAIN_SYNC_BLOCK_RANGE = 50
    rpc.max_log_span = 3
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    sent = {mint(chain, token, address(), n).tx_hash for n in range(1, 8)}
    report = sync_chain(chain=chain)
    assert tx_hashes(chain.chain_id) == sent
    assert rpc.refused > 0 and report.range_shrinks > 0
    accepted = [(a, b) for a, b in rpc.log_spans() if b - a + 1 <= 3]
    covered = sorted(n for a, b in accepted for n in range(a, b + 1))
    assert covered == list(range(covered[0], chain.head() + 1))  # every block asked once, none skipped


def test_a_node_that_refuses_even_one_block_is_reported_unavailable(proxy):
    rpc, chain = proxy
    rpc.max_log_span = 0
    track(chain, deploy_token(chain), AddressKind.TOKEN)
    with pytest.raises(RangeRefused, match="refused the block range"):
        sync_chain(chain=chain)
    assert "refused the block range" in SyncCheckpoint.objects.get().last_error


def test_a_sync_that_fails_midway_resumes_from_its_checkpoint(proxy, settings):
    rpc, chain = proxy
    settings.ONCHAIN_SYNC_BLOCK_RANGE = 2
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    sent = {mint(chain, token, address(), n).tx_hash for n in range(1, 7)}
    rpc.fail_after_logs = 2  # the node goes away after two ranges
    with pytest.raises(ChainUnavailable):
        sync_chain(chain=chain)
    checkpoint = SyncCheckpoint.objects.get()
    first_range = rpc.log_spans()[0]
    assert checkpoint.synced_block == first_range[0] + 3 and checkpoint.last_error
    assert 0 < Transfer.objects.count() < len(sent)
    rpc.down, rpc.fail_after_logs = False, None
    rpc.calls.clear()
    report = sync_chain(chain=chain)
    assert rpc.log_spans()[0][0] == checkpoint.synced_block + 1
    assert tx_hashes(chain.chain_id) == sent and Transfer.objects.count() == len(sent)
    assert (report.synced_block, SyncCheckpoint.objects.get().last_error) == (chain.head(), "")


@pytest.mark.django_db(transaction=True)
def test_a_sync_running_while_another_moves_the_checkpoint_stops_without_storing(proxy, anvil):
    rpc, chain = proxy
    direct = Chain(rpc_url=anvil.url, expected_chain_id=anvil.chain_id, private_key=KEYS[0], timeout=5)
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    mint(chain, token, address(), 1)
    others: list = []

    def another_sync():  # runs while the first sync waits for its first eth_getLogs
        mint(direct, token, address(), 2)  # the chain moves on, and the other sync follows it
        try:
            others.append(sync_chain(chain=direct))
        finally:
            connection.close()  # this thread's own database connection

    rpc.before_first_logs = another_sync
    report = sync_chain(chain=chain)
    [other] = others
    assert report.busy and not other.busy
    checkpoint = SyncCheckpoint.objects.get()
    assert checkpoint.synced_block == other.synced_block == direct.head() > report.head
    assert Transfer.objects.count() == 2 and TokenDaily.objects.get().transfer_count == 2
