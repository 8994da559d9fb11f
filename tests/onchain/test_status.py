"""services.status.chain_status: honest and fast whether the node is up, down or silent."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from apps.onchain.models import SyncCheckpoint
from apps.onchain.services.status import chain_status
from tests.anvil import ACCOUNTS
from tests.onchain.faces import DOWN_TIMEOUT, node_down, point_at
from tests.onchain.nodes import hung_node

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("which", ["chain", "anvil_chain"])
def test_a_connected_node_reports_its_head_network_and_signer(which, request):
    chain = request.getfixturevalue(which)
    status = chain_status()
    assert status.connected and status.reason == ""
    assert status.chain_id == chain.chain_id and status.head_block == chain.head()
    assert status.network == chain.network.name and status.local
    assert status.signer == chain.signer and not status.read_only
    assert status.confirmations == chain.confirmations


def test_the_lag_is_the_head_minus_the_synced_block(chain):
    chain.mine(5)
    synced = chain.head() - 3
    last = timezone.now()
    SyncCheckpoint.objects.create(chain_id=chain.chain_id, synced_block=synced, last_sync=last)
    status = chain_status()
    assert (status.synced_block, status.lag, status.last_sync) == (synced, 3, last)


def test_without_a_checkpoint_nothing_is_synced_yet(chain):
    status = chain_status()
    assert status.synced_block is None and status.lag is None and status.last_sync is None


def test_a_node_that_is_down_is_reported_with_the_reason_within_the_timeout(settings):
    node_down(settings, chain_id=56)
    SyncCheckpoint.objects.create(chain_id=56, synced_block=1234, last_error="boom")
    started = time.monotonic()
    status = chain_status()
    assert time.monotonic() - started < DOWN_TIMEOUT
    assert not status.connected and "is not reachable" in status.reason
    assert (status.chain_id, status.network, status.synced_block) == (56, "BNB Smart Chain", 1234)
    assert status.head_block is None and status.lag is None and status.last_sync_error == "boom"
    assert status.confirmations == 15


def test_a_silent_node_is_reported_after_the_timeout_not_later(settings):
    with hung_node() as url:
        point_at(settings, url)
        started = time.monotonic()
        status = chain_status()
        elapsed = time.monotonic() - started
    assert not status.connected and "did not answer within" in status.reason
    assert DOWN_TIMEOUT * 0.9 <= elapsed < DOWN_TIMEOUT + 1
    assert status.chain_id is None and status.network is None


def test_a_node_on_another_chain_is_not_connected_and_names_both_ids(anvil, settings):
    point_at(settings, anvil.url, chain_id=1)
    status = chain_status()
    assert not status.connected and "is on chain 31337" in status.reason and "ONCHAIN_CHAIN_ID is 1" in status.reason


def test_without_a_key_the_status_is_read_only(anvil, settings):
    point_at(settings, anvil.url)
    status = chain_status()
    assert status.connected and status.read_only and status.signer is None


def test_the_signer_is_an_address_never_the_key(anvil, settings):
    from tests.anvil import KEYS

    point_at(settings, anvil.url, key=KEYS[2])
    status = chain_status()
    assert status.signer == ACCOUNTS[2]
    assert KEYS[2][2:] not in repr(status)
