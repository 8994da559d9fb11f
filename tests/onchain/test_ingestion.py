"""sync_chain on the in-process chain and on anvil: transfers stored once, finality, backfill,
aggregates and balances exact."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

import pytest

from apps.onchain.chain import checksum, get_chain, reset_chains
from apps.onchain.models import AddressKind, BalanceSnapshot, SyncCheckpoint, TokenDaily, TrackedAddress, Transfer
from apps.onchain.services.ingestion import sync_chain
from tests.onchain.factories import TrackedAddressFactory

pytestmark = pytest.mark.django_db

BOTH = pytest.mark.parametrize("which", ["chain", "anvil_chain"])


def address() -> str:
    """A fresh address that is no precompile (the factories' small numbers are)."""
    return checksum("0x" + secrets.token_hex(20))


def deploy_token(chain) -> str:
    return chain.deploy("DemoToken", "Demo", "DMO", 6).contract_address


def mint(chain, token: str, to: str, value: int):
    return chain.transact("DemoToken", token, "mint", to, value)


def track(chain, where: str, kind=AddressKind.WALLET, **extra) -> TrackedAddress:
    return TrackedAddressFactory(chain_id=chain.chain_id, address=where, kind=kind, **extra)


@BOTH
def test_token_transfers_are_stored_once_when_sync_runs_twice(which, request):
    chain = request.getfixturevalue(which)
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    holders = [address(), address()]
    receipts = [mint(chain, token, holders[0], 5_000_000), mint(chain, token, holders[1], 7)]
    first = sync_chain(chain=chain)
    second = sync_chain(chain=chain)
    stored = Transfer.objects.filter(chain_id=chain.chain_id, token__address=token).order_by("block_number")
    assert [(t.tx_hash, t.to_address, int(t.value)) for t in stored] == [
        (receipts[0].tx_hash, holders[0], 5_000_000),
        (receipts[1].tx_hash, holders[1], 7),
    ]
    assert (first.transfers_new, second.transfers_new) == (2, 0)
    assert stored[0].token.symbol == "DMO" and stored[0].token.decimals == 6


@BOTH
def test_native_transfers_to_a_tracked_wallet_are_stored_once(which, request):
    chain = request.getfixturevalue(which)
    wallet = address()
    track(chain, wallet)
    receipt = chain.send_value(wallet, 10**15 + 1)
    chain.send_value(address(), 5)  # to an untracked address: not ingested
    sync_chain(chain=chain)
    sync_chain(chain=chain)
    [stored] = Transfer.objects.filter(chain_id=chain.chain_id)
    assert (stored.tx_hash, stored.log_index, stored.token) == (receipt.tx_hash, -1, None)
    assert (stored.from_address, stored.to_address, int(stored.value)) == (chain.signer, wallet, 10**15 + 1)


def test_transfers_of_an_untracked_token_to_a_tracked_wallet_are_ingested(chain):
    token = deploy_token(chain)
    wallet = address()
    track(chain, wallet)
    mint(chain, token, wallet, 42)
    mint(chain, token, address(), 43)  # neither the token nor the receiver is tracked
    sync_chain(chain=chain)
    assert list(Transfer.objects.values_list("to_address", "value")) == [(wallet, Decimal(42))]


def test_transfers_within_the_confirmations_stay_provisional_until_blocks_pass(chain, settings):
    settings.ONCHAIN_CONFIRMATIONS = 2
    reset_chains()
    chain = get_chain()
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    mint(chain, token, address(), 1)
    sync_chain(chain=chain)
    transfer = Transfer.objects.get()
    assert (transfer.final, TokenDaily.objects.get().final) == (False, False)
    chain.mine(2)
    report = sync_chain(chain=chain)
    transfer.refresh_from_db()
    assert (transfer.final, TokenDaily.objects.get().final, report.transfers_finalised) == (True, True, 1)
    checkpoint = SyncCheckpoint.objects.get(chain_id=chain.chain_id)
    assert (checkpoint.synced_block, checkpoint.final_block) == (chain.head(), chain.head() - 2)


def test_first_sync_starts_the_lookback_window_before_the_head(chain, settings):
    settings.ONCHAIN_SYNC_LOOKBACK = 3
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    early = mint(chain, token, address(), 1)
    chain.mine(3)
    late = mint(chain, token, address(), 2)
    report = sync_chain(chain=chain)
    assert list(Transfer.objects.values_list("tx_hash", flat=True)) == [late.tx_hash]
    assert early.block_number < chain.head() - 3 + 1
    assert report.blocks == 3


def test_an_address_tracked_after_the_checkpoint_moved_on_is_backfilled(chain):
    token = deploy_token(chain)
    wallet = address()
    before = mint(chain, token, wallet, 9)
    paid = chain.send_value(wallet, 11)
    sync_chain(chain=chain)  # nothing tracked yet: the checkpoint moves past both transfers
    assert Transfer.objects.count() == 0
    row = track(chain, wallet)
    report = sync_chain(chain=chain)
    assert report.backfilled_addresses == 1
    assert sorted(Transfer.objects.values_list("tx_hash", "log_index")) == sorted(
        [(before.tx_hash, before.logs[0].log_index), (paid.tx_hash, -1)]
    )
    row.refresh_from_db()
    assert row.synced_from == 0


def test_daily_aggregates_count_volume_parties_and_large_transfers_exactly(chain):
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    a, b = address(), address()
    values = {a: 10_000 * 10**6, b: 10_000 * 10**6 - 1}  # the default threshold is 10,000 whole tokens
    values_sent = [mint(chain, token, a, values[a]), mint(chain, token, b, values[b]), mint(chain, token, a, 3)]
    sync_chain(chain=chain)
    [daily] = TokenDaily.objects.all()
    times = {t.timestamp.date() for t in Transfer.objects.all()}
    assert daily.day in times and len(values_sent) == daily.transfer_count
    assert daily.volume == Decimal(values[a] + values[b] + 3)
    assert (daily.unique_senders, daily.unique_receivers, daily.large_transfers) == (1, 2, 1)


@BOTH
def test_balance_snapshots_equal_the_chain_balances_at_the_synced_block(which, request):
    chain = request.getfixturevalue(which)
    token = deploy_token(chain)
    wallet = address()
    track(chain, wallet)
    mint(chain, token, wallet, 123_456_789)
    chain.send_value(wallet, 10**18)
    report = sync_chain(chain=chain)
    snapshots = {s.token_id: s for s in BalanceSnapshot.objects.filter(address=wallet)}
    native, held = snapshots.pop(None), snapshots.popitem()[1]
    assert native.block_number == held.block_number == report.synced_block
    assert int(native.balance) == chain.balance(wallet, report.synced_block) == 10**18
    assert int(held.balance) == chain.erc20_balance(token, wallet, report.synced_block) == 123_456_789
    assert sync_chain(chain=chain).balance_snapshots == 0  # unchanged balances add no snapshot


def test_transfer_timestamps_are_the_block_times(chain):
    token = deploy_token(chain)
    track(chain, token, AddressKind.TOKEN)
    receipt = mint(chain, token, address(), 5)
    sync_chain(chain=chain)
    block = chain.block(receipt.block_number)
    assert Transfer.objects.get().timestamp == dt.datetime.fromtimestamp(block.timestamp, tz=dt.UTC)


def test_a_token_seen_only_through_a_wallet_gets_aggregates_once_it_is_tracked(chain):
    token = deploy_token(chain)
    wallet = address()
    track(chain, wallet)
    mint(chain, token, wallet, 5)
    mint(chain, token, address(), 6)
    sync_chain(chain=chain)
    assert (Transfer.objects.count(), TokenDaily.objects.count()) == (1, 0)  # one wallet's share is no volume
    track(chain, token, AddressKind.TOKEN)
    sync_chain(chain=chain)
    [daily] = TokenDaily.objects.all()
    assert (daily.transfer_count, daily.volume) == (2, Decimal(11))
