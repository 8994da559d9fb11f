"""Transaction tracking, the service: statuses, confirmations and decoded values as the node gives
them, on the in-process chain and on anvil."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.onchain.chain import reset_chains
from apps.onchain.models import Token, TrackedTransaction
from apps.onchain.services import transactions as service
from tests.accounts.factories import UserFactory
from tests.onchain.factories import tx_hash
from tests.onchain.transactions_helpers import RECEIVER, demo_token, send_reverting_transfer

pytestmark = pytest.mark.django_db

BOTH = pytest.mark.parametrize("which", ["chain", "anvil_chain"])


def _with_confirmations(settings, n: int):
    from apps.onchain.chain import get_chain

    settings.ONCHAIN_CONFIRMATIONS = n
    reset_chains()
    return get_chain()


@BOTH
def test_a_plain_transfer_is_confirmed_with_its_sender_receiver_and_value(which, request):
    chain = request.getfixturevalue(which)
    value = 1_500_000_000_000_000_001  # 1.500000000000000001 ETH: exact, not a float
    receipt = chain.send_value(RECEIVER, value)

    row, created = service.track_transaction(user=UserFactory(), tx_hash=receipt.tx_hash)

    assert created
    assert (row.status, row.from_address, row.to_address) == ("confirmed", chain.signer, RECEIVER)
    assert row.value == value
    assert row.gas_used == 21_000
    assert row.block_number == receipt.block_number
    assert row.confirmations == chain.head() - receipt.block_number + 1
    assert row.transfers == []


@BOTH
def test_a_reverted_transaction_is_failed(which, request):
    chain = request.getfixturevalue(which)
    token = demo_token(chain)
    reverted = send_reverting_transfer(chain, token)

    row, _ = service.track_transaction(user=UserFactory(), tx_hash=reverted)

    assert row.status == "failed"
    assert row.block_number is not None and 21_000 < row.gas_used <= 100_000
    assert row.to_address == token and row.transfers == []


@BOTH
def test_an_unknown_hash_is_not_found_and_kept_checking(which, request):
    chain = request.getfixturevalue(which)
    row, _ = service.track_transaction(user=UserFactory(), tx_hash=tx_hash())
    assert (row.status, row.final, row.block_number, row.confirmations) == ("not_found", False, None, 0)
    assert row.chain_id == chain.chain_id


@BOTH
def test_erc20_transfers_of_the_receipt_are_decoded_with_the_tokens_metadata(which, request):
    chain = request.getfixturevalue(which)
    token = demo_token(chain, decimals=6, minted=10**12)
    receipt = chain.transact("DemoToken", token, "transfer", RECEIVER, 2_500_001)

    row, _ = service.track_transaction(user=UserFactory(), tx_hash=receipt.tx_hash)

    assert row.status == "confirmed" and row.value == 0
    assert row.transfers == [
        {
            "log_index": receipt.logs[0].log_index,
            "token": token,
            "symbol": "DMO",
            "decimals": 6,
            "from_address": chain.signer,
            "to_address": RECEIVER,
            "value": "2500001",
        }
    ]
    assert Token.objects.filter(chain_id=chain.chain_id, address=token, decimals=6).count() == 1


def test_the_same_hash_twice_is_the_same_row(chain):
    user = UserFactory()
    receipt = chain.send_value(RECEIVER, 1)
    first, created_first = service.track_transaction(user=user, tx_hash=receipt.tx_hash)
    second, created_second = service.track_transaction(user=user, tx_hash=receipt.tx_hash.upper().replace("0X", "0x"))
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk and TrackedTransaction.objects.count() == 1


def test_confirmations_grow_as_blocks_are_mined_until_final(anvil_chain, anvil, settings):
    chain = _with_confirmations(settings, 3)
    receipt = chain.send_value(RECEIVER, 10**18)
    row, _ = service.track_transaction(user=UserFactory(), tx_hash=receipt.tx_hash)
    assert (row.confirmations, row.final) == (1, False)

    anvil.mine(1)
    row = service.refresh_transaction(row, chain=chain)
    assert (row.confirmations, row.final) == (2, False)

    anvil.mine(1)
    row = service.refresh_transaction(row, chain=chain)
    assert (row.confirmations, row.final) == (3, True)


def test_a_final_transaction_is_not_checked_again(anvil_chain, anvil):
    receipt = anvil_chain.send_value(RECEIVER, 1)  # anvil's network needs 1 confirmation: final at once
    row, _ = service.track_transaction(user=UserFactory(), tx_hash=receipt.tx_hash)
    assert row.final
    checked_at = row.checked_at
    anvil.mine(5)
    row = service.refresh_transaction(row, chain=anvil_chain)
    assert (row.confirmations, row.checked_at) == (1, checked_at)


def test_a_known_transaction_without_a_receipt_is_pending_then_confirmed(anvil_chain, anvil):
    anvil.rpc("evm_setAutomine", [False])
    try:
        sent = anvil_chain.send_value(RECEIVER, 7, wait=False)
        row, _ = service.track_transaction(user=UserFactory(), tx_hash=sent)
        assert (row.status, row.from_address, row.to_address, row.value) == ("pending", anvil_chain.signer, RECEIVER, 7)
        assert row.block_number is None and not row.final
        anvil.mine(1)
    finally:
        anvil.rpc("evm_setAutomine", [True])
    row = service.refresh_transaction(row, chain=anvil_chain)
    assert row.status == "confirmed" and row.block_number == anvil.head()


def test_a_transaction_whose_block_was_orphaned_is_checked_again(anvil_chain, anvil, settings):
    chain = _with_confirmations(settings, 3)
    snapshot = anvil.snapshot()
    receipt = chain.send_value(RECEIVER, 5)
    row, _ = service.track_transaction(user=UserFactory(), tx_hash=receipt.tx_hash)
    assert row.status == "confirmed" and not row.final

    anvil.revert(snapshot)  # the block is gone; other blocks take its place
    anvil.mine(3)
    row = service.refresh_transaction(row, chain=chain)
    assert (row.status, row.block_number, row.confirmations) == ("not_found", None, 0)


def test_a_hash_never_found_is_given_up_after_the_documented_time(chain):
    row, _ = service.track_transaction(user=UserFactory(), tx_hash=tx_hash())
    TrackedTransaction.objects.filter(pk=row.pk).update(
        submitted_at=timezone.now() - service.NOT_FOUND_GIVE_UP - dt.timedelta(seconds=1)
    )
    row.refresh_from_db()
    row = service.refresh_transaction(row, chain=chain)
    assert (row.status, row.final) == ("not_found", True)


def test_a_transaction_of_another_chain_is_left_as_it_is(chain):
    row, _ = service.track_transaction(user=UserFactory(), tx_hash=tx_hash())
    TrackedTransaction.objects.filter(pk=row.pk).update(chain_id=1, checked_at=None)
    row.refresh_from_db()
    row = service.refresh_transaction(row, chain=chain)
    assert row.checked_at is None and row.chain_id == 1


@pytest.mark.parametrize("raw", ["", "0x", "0x123", "0x" + "g" * 64, "0x" + "a" * 65, 123, None])
def test_a_malformed_hash_is_refused_naming_tx_hash(raw):
    from quantumvest.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        service.normalise_hash(raw)
    assert list(caught.value.fields) == ["tx_hash"]


def test_a_hash_is_stored_in_lower_case_with_its_prefix():
    assert service.normalise_hash(" " + "AB" * 32 + " ") == "0x" + "ab" * 32
