"""Chain ingestion on the `make run` configuration: the in-process chain, SQLite, eager tasks."""

from __future__ import annotations

import pytest

from apps.onchain.chain import checksum, get_chain, reset_chains
from apps.onchain.models import AddressKind, SyncCheckpoint, TokenDaily, TrackedAddress, Transfer
from apps.onchain.tasks.ingestion import sync
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(settings, tmp_path):
    settings.ONCHAIN_CHAIN_DIR = tmp_path / "chain"
    reset_chains()
    yield get_chain()
    reset_chains()


def test_the_sync_task_stores_token_and_native_transfers_once_on_sqlite(chain):
    owner = UserFactory()
    token = chain.deploy("DemoToken", "Demo", "DMO", 6).contract_address
    wallet = checksum("0x" + "ab" * 20)
    for address, kind in ((token, AddressKind.TOKEN), (wallet, AddressKind.WALLET)):
        TrackedAddress.objects.create(owner=owner, chain_id=chain.chain_id, address=address, kind=kind)
    chain.transact("DemoToken", token, "mint", wallet, 2_500_000)
    chain.send_value(wallet, 10**15)
    first, second = sync.delay().get(), sync.delay().get()
    assert (first["transfers_new"], second["transfers_new"]) == (2, 0)
    assert sorted(int(v) for v in Transfer.objects.values_list("value", flat=True)) == [2_500_000, 10**15]
    assert TokenDaily.objects.get().volume == 2_500_000
    assert SyncCheckpoint.objects.get().synced_block == chain.head()
