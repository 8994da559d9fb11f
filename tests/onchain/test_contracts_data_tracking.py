"""DataTracking through web3, on the in-process chain and on anvil: roles, events, reverts, append-only."""

from __future__ import annotations

import pytest

from apps.onchain.chain import artifact
from tests.onchain.contracts import ZERO, as_other, deploy, events, reverts

NAME = "DataTracking"
KIND = b"predictions.v1".ljust(32, b"\x00")
ROOT = bytes(range(1, 33))
# Gas budgets, measured on both chains (solc 0.8.30, optimizer 200 runs, prague) with a margin.
# record: the budget, 1/1,000 of a plain transfer's 21,000 per prediction for a batch of
# 10,000, so 210,000 per call. Measured 207,403 for the worst case: the very first batch (the array
# length goes from 0 to 1) with a 64-byte URI (three string slots); 190,303 for later batches. Each
# further 32 bytes of URI cost one more slot (22,100), so URIs longer than 64 bytes break this budget.
RECORD_BUDGET = 21 * 10_000
# setRole: one zero-to-nonzero slot (22,100) plus the RoleSet event; measured 47,820.
SET_ROLE_BUDGET = 50_000


def hexed(value: bytes) -> str:
    return "0x" + value.hex()


@pytest.fixture
def registry(any_chain):
    """A fresh DataTracking owned by the product signer, who is also a recorder."""
    address = deploy(any_chain, NAME, any_chain.signer)
    any_chain.transact(NAME, address, "setRole", any_chain.signer, True)
    return address


def test_record_emits_data_recorded_with_every_field(any_chain, registry):
    receipt = any_chain.transact(NAME, registry, "record", ROOT, 10_000, KIND, "")
    [event] = events(any_chain, NAME, registry, receipt, "DataRecorded")
    block = any_chain.block(receipt.block_number)
    assert event == {
        "batchId": 0,
        "root": ROOT,
        "count": 10_000,
        "kind": KIND,
        "recorder": any_chain.signer,
        "timestamp": block.timestamp,
    }


def test_batches_are_readable_by_id_and_by_root(any_chain, registry):
    any_chain.transact(NAME, registry, "record", ROOT, 3, KIND, "first")
    second_root = bytes(32 - 1) + b"\x07"
    receipt = any_chain.transact(NAME, registry, "record", second_root, 5, KIND, "https://example.org/b/1")
    stored = (
        hexed(second_root),
        any_chain.signer,
        5,
        any_chain.block(receipt.block_number).timestamp,
        hexed(KIND),
        receipt.block_number,
        "https://example.org/b/1",
    )
    assert any_chain.call(NAME, registry, "getBatch", 1) == stored
    assert tuple(any_chain.call(NAME, registry, "getBatchByRoot", second_root)) == (1, stored)
    assert any_chain.call(NAME, registry, "batchCount") == 2
    assert any_chain.call(NAME, registry, "isRecorded", second_root) is True
    assert any_chain.call(NAME, registry, "isRecorded", bytes(31) + b"\x08") is False


def test_recording_a_root_again_fails_and_leaves_the_stored_batch_unchanged(any_chain, registry):
    any_chain.transact(NAME, registry, "record", ROOT, 3, KIND, "original")
    before = any_chain.call(NAME, registry, "getBatch", 0)
    other = as_other(any_chain)
    any_chain.transact(NAME, registry, "setRole", other.signer, True)
    with reverts(f"RootAlreadyRecorded({hexed(ROOT)}, 0)"):
        other.transact(NAME, registry, "record", ROOT, 99, bytes(32), "rewritten")
    assert any_chain.call(NAME, registry, "getBatch", 0) == before
    assert any_chain.call(NAME, registry, "batchCount") == 1


def test_no_function_can_delete_or_change_a_batch():
    writes = {
        entry["name"]
        for entry in artifact(NAME)["abi"]
        if entry["type"] == "function" and entry["stateMutability"] not in ("view", "pure")
    }
    assert writes == {"record", "setRole", "transferOwnership", "acceptOwnership"}


@pytest.mark.parametrize(
    ("root", "count", "error"),
    [(bytes(32), 1, "EmptyRoot()"), (ROOT, 0, "EmptyBatch()")],
    ids=["empty-root", "empty-batch"],
)
def test_an_empty_root_or_batch_is_refused(any_chain, registry, root, count, error):
    with reverts(error):
        any_chain.transact(NAME, registry, "record", root, count, KIND, "")
    assert any_chain.call(NAME, registry, "batchCount") == 0


def test_reading_an_unknown_batch_id_reverts_with_unknown_batch(any_chain, registry):
    with reverts("UnknownBatch(0)"):
        any_chain.call(NAME, registry, "getBatch", 0)


def test_reading_an_unknown_root_reverts_with_unknown_root(any_chain, registry):
    with reverts(f"UnknownRoot({hexed(ROOT)})"):
        any_chain.call(NAME, registry, "getBatchByRoot", ROOT)


@pytest.mark.parametrize(
    ("function", "args", "error"),
    [
        ("record", (ROOT, 1, KIND, ""), "MissingRole"),
        ("setRole", ("SELF", True), "NotOwner"),
        ("transferOwnership", ("SELF",), "NotOwner"),
        ("acceptOwnership", (), "NotPendingOwner"),
    ],
)
def test_every_restricted_function_refuses_a_stranger(any_chain, registry, function, args, error):
    stranger = as_other(any_chain)
    args = tuple(stranger.signer if a == "SELF" else a for a in args)
    with reverts(f"{error}({stranger.signer})"):
        stranger.transact(NAME, registry, function, *args)


def test_the_owner_is_not_a_recorder_until_it_grants_itself_the_role(any_chain):
    address = deploy(any_chain, NAME, any_chain.signer)
    with reverts(f"MissingRole({any_chain.signer})"):
        any_chain.transact(NAME, address, "record", ROOT, 1, KIND, "")


def test_granting_and_revoking_the_role_emit_role_set_and_take_effect(any_chain, registry):
    other = as_other(any_chain)
    granted = any_chain.transact(NAME, registry, "setRole", other.signer, True)
    assert events(any_chain, NAME, registry, granted, "RoleSet") == [{"account": other.signer, "granted": True}]
    other.transact(NAME, registry, "record", ROOT, 1, KIND, "")
    revoked = any_chain.transact(NAME, registry, "setRole", other.signer, False)
    assert events(any_chain, NAME, registry, revoked, "RoleSet") == [{"account": other.signer, "granted": False}]
    assert any_chain.call(NAME, registry, "hasRole", other.signer) is False
    with reverts(f"MissingRole({other.signer})"):
        other.transact(NAME, registry, "record", bytes(31) + b"\x09", 1, KIND, "")


def test_the_role_cannot_be_given_to_the_zero_address(any_chain, registry):
    with reverts("ZeroAddress()"):
        any_chain.transact(NAME, registry, "setRole", ZERO, True)


def test_a_pending_owner_cannot_act_as_owner_before_accepting(any_chain, registry):
    heir = as_other(any_chain)
    started = any_chain.transact(NAME, registry, "transferOwnership", heir.signer)
    assert events(any_chain, NAME, registry, started, "OwnershipTransferStarted") == [
        {"previousOwner": any_chain.signer, "newOwner": heir.signer}
    ]
    assert any_chain.call(NAME, registry, "owner") == any_chain.signer
    assert any_chain.call(NAME, registry, "pendingOwner") == heir.signer
    with reverts(f"NotOwner({heir.signer})"):
        heir.transact(NAME, registry, "setRole", heir.signer, True)


def test_accepting_moves_ownership_and_the_previous_owner_loses_it(any_chain, registry):
    heir = as_other(any_chain)
    any_chain.transact(NAME, registry, "transferOwnership", heir.signer)
    accepted = heir.transact(NAME, registry, "acceptOwnership")
    assert events(any_chain, NAME, registry, accepted, "OwnershipTransferred") == [
        {"previousOwner": any_chain.signer, "newOwner": heir.signer}
    ]
    assert (any_chain.call(NAME, registry, "owner"), any_chain.call(NAME, registry, "pendingOwner")) == (
        heir.signer,
        ZERO,
    )
    heir.transact(NAME, registry, "setRole", heir.signer, True)
    with reverts(f"NotOwner({any_chain.signer})"):
        any_chain.transact(NAME, registry, "setRole", any_chain.signer, False)


def test_a_cancelled_transfer_cannot_be_accepted(any_chain, registry):
    heir = as_other(any_chain)
    any_chain.transact(NAME, registry, "transferOwnership", heir.signer)
    any_chain.transact(NAME, registry, "transferOwnership", ZERO)
    with reverts(f"NotPendingOwner({heir.signer})"):
        heir.transact(NAME, registry, "acceptOwnership")
    assert any_chain.call(NAME, registry, "owner") == any_chain.signer


def test_a_transfer_to_someone_else_replaces_the_pending_owner(any_chain, registry):
    first, second = as_other(any_chain, 0), as_other(any_chain, 1)
    any_chain.transact(NAME, registry, "transferOwnership", first.signer)
    any_chain.transact(NAME, registry, "transferOwnership", second.signer)
    with reverts(f"NotPendingOwner({first.signer})"):
        first.transact(NAME, registry, "acceptOwnership")


def test_recording_a_10000_prediction_batch_costs_at_most_21_gas_per_prediction(any_chain, registry):
    uri = "https://quantumvest.example/api/v1/onchain/batches/123456789012/"  # 64 bytes
    receipt = any_chain.transact(NAME, registry, "record", ROOT, 10_000, KIND, uri)
    assert receipt.gas_used <= RECORD_BUDGET, receipt.gas_used
    assert receipt.gas_used / 10_000 <= 21


def test_granting_a_role_stays_within_its_gas_budget(any_chain, registry):
    receipt = any_chain.transact(NAME, registry, "setRole", as_other(any_chain).signer, True)
    assert receipt.gas_used <= SET_ROLE_BUDGET, receipt.gas_used
