"""services.addresses: track, relabel, untrack; EIP-55 checksums, token metadata, duplicates."""

from __future__ import annotations

import pytest

from apps.onchain.chain import ChainUnavailable
from apps.onchain.models import AddressKind, Token, TrackedAddress, Transfer
from apps.onchain.services.addresses import relabel_address, track_address, untrack_address
from quantumvest.errors import Conflict, ValidationFailed
from tests.accounts.factories import UserFactory
from tests.anvil import ACCOUNTS
from tests.onchain.faces import node_down
from tests.onchain.factories import TrackedAddressFactory, TransferFactory

pytestmark = pytest.mark.django_db

MIXED = ACCOUNTS[1]  # 0x70997970C51812dc3A010C7d01b50e0d17dc79C8, a valid EIP-55 checksum


def _demo_token(chain, decimals: int = 6) -> str:
    return chain.deploy("DemoToken", "Demo Dollar", "DDL", decimals).contract_address


@pytest.mark.parametrize("spelling", [MIXED.lower(), "0x" + MIXED[2:].upper(), MIXED])
def test_an_address_in_lower_upper_or_checksummed_case_is_stored_checksummed(chain, spelling):
    tracked = track_address(owner=UserFactory(), address=spelling)
    assert tracked.address == MIXED
    assert tracked.chain_id == chain.chain_id and tracked.kind == AddressKind.WALLET


def test_a_wrong_mixed_case_checksum_is_refused_naming_the_address(chain):
    wrong = MIXED.replace("C", "c", 1)  # still mixed case, no longer the checksum
    with pytest.raises(ValidationFailed) as refused:
        track_address(owner=UserFactory(), address=wrong)
    assert "checksum" in refused.value.fields["address"][0]
    assert not TrackedAddress.objects.exists()


@pytest.mark.parametrize(
    "bad", ["", "0x123", "70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x" + "g" * 40, "vitalik.eth"]
)
def test_something_that_is_not_an_address_is_refused(chain, bad):
    with pytest.raises(ValidationFailed) as refused:
        track_address(owner=UserFactory(), address=bad)
    assert "address" in refused.value.fields


def test_an_unknown_kind_is_refused(chain):
    with pytest.raises(ValidationFailed) as refused:
        track_address(owner=UserFactory(), address=MIXED, kind="contract")
    assert "kind" in refused.value.fields


def test_tracking_the_same_address_twice_is_refused_with_a_clear_message(chain):
    owner = UserFactory()
    track_address(owner=owner, address=MIXED)
    with pytest.raises(Conflict, match="You already track 0x70997970C51812dc3A010C7d01b50e0d17dc79C8") as refused:
        track_address(owner=owner, address=MIXED.lower(), label="again")
    assert refused.value.code == "already_tracked"
    assert TrackedAddress.objects.count() == 1


def test_two_users_may_track_the_same_address(chain):
    track_address(owner=UserFactory(), address=MIXED)
    track_address(owner=UserFactory(), address=MIXED)
    assert TrackedAddress.objects.filter(address=MIXED).count() == 2


@pytest.mark.parametrize("which", ["chain", "anvil_chain"])
def test_a_token_contracts_metadata_is_read_from_the_chain(which, request):
    chain = request.getfixturevalue(which)
    contract = _demo_token(chain)
    tracked = track_address(owner=UserFactory(), address=contract.lower(), kind=AddressKind.TOKEN, label="DDL")
    token = tracked.token
    assert (token.address, token.chain_id) == (contract, chain.chain_id)
    assert (token.name, token.symbol, token.decimals) == ("Demo Dollar", "DDL", 6)


def test_a_second_user_tracking_the_token_shares_its_row(chain):
    contract = _demo_token(chain)
    first = track_address(owner=UserFactory(), address=contract, kind=AddressKind.TOKEN)
    second = track_address(owner=UserFactory(), address=contract, kind=AddressKind.TOKEN)
    assert first.token_id == second.token_id and Token.objects.count() == 1


@pytest.mark.parametrize("which", ["chain", "anvil_chain"])
def test_a_token_address_without_contract_code_is_refused(which, request):
    request.getfixturevalue(which)
    with pytest.raises(ValidationFailed, match="No contract at") as refused:
        track_address(owner=UserFactory(), address=MIXED, kind=AddressKind.TOKEN)
    assert refused.value.code == "not_a_contract"
    assert not Token.objects.exists()


def test_a_wallet_is_tracked_while_the_node_is_down_when_the_chain_id_is_configured(settings):
    node_down(settings, chain_id=11155111)
    tracked = track_address(owner=UserFactory(), address=MIXED)
    assert tracked.chain_id == 11155111


def test_without_a_configured_chain_id_a_node_that_is_down_refuses_tracking(settings):
    node_down(settings)
    with pytest.raises(ChainUnavailable, match="not reachable"):
        track_address(owner=UserFactory(), address=MIXED)
    assert not TrackedAddress.objects.exists()


def test_a_token_cannot_be_tracked_while_the_node_is_down(settings):
    node_down(settings, chain_id=11155111)
    with pytest.raises(ChainUnavailable, match="not reachable"):
        track_address(owner=UserFactory(), address=MIXED, kind=AddressKind.TOKEN)
    assert not TrackedAddress.objects.exists()


def test_relabelling_strips_and_saves_the_label():
    tracked = TrackedAddressFactory(label="old")
    relabel_address(tracked=tracked, label="  savings  ")
    tracked.refresh_from_db()
    assert tracked.label == "savings"


def test_a_label_over_100_characters_is_refused():
    tracked = TrackedAddressFactory(label="old")
    with pytest.raises(ValidationFailed) as refused:
        relabel_address(tracked=tracked, label="x" * 101)
    assert "label" in refused.value.fields
    tracked.refresh_from_db()
    assert tracked.label == "old"


def test_untracking_removes_the_row_and_keeps_the_ingested_transfers():
    tracked = TrackedAddressFactory()
    transfer = TransferFactory(to_address=tracked.address)
    untrack_address(tracked=tracked)
    assert not TrackedAddress.objects.filter(pk=tracked.pk).exists()
    assert Transfer.objects.filter(pk=transfer.pk).exists()
