"""apps.onchain.merkle: the documented encoding, the sorted-pair tree with promoted odd nodes, proofs."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from eth_utils import keccak

from apps.onchain import merkle


def leaves(n: int) -> list[bytes]:
    return [keccak(f"leaf {i}".encode()) for i in range(n)]


def sample(**extra) -> dict:
    values = {
        "id": uuid.UUID("6f1c0b8e-2f7a-4d3b-9a51-0c2a7e4b9d10"),
        "asset_id": "AAPL",
        "model_version_id": uuid.UUID("0b6b3c52-8d1e-4f0e-a2c3-5d6e7f8a9b0c"),
        "model_name": "drift",
        "timestamp": dt.datetime(2026, 12, 1, 23, 5, 7, 12, tzinfo=dt.UTC),
        "timeframe": "1w",
        "horizon_periods": 5,
        "as_of": dt.date(2026, 12, 1),
        "as_of_price": Decimal("187.25000000"),
        "target_date": dt.date(2026, 12, 8),
        "predicted_price": Decimal("190.00000000"),
        "confidence_lower": Decimal("181.10000000"),
        "confidence_upper": Decimal("199.05000000"),
        "level": Decimal("0.800"),
        "direction": "up",
        "confidence_score": Decimal("0.5731"),
    }
    values.update(extra)
    return values


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 8, 1000, 10_001])
def test_every_leaf_proof_folds_to_the_root(n):
    tree = merkle.levels(leaves(n))
    root = tree[-1][0]
    for index, leaf in enumerate(tree[0]):
        assert merkle.fold(leaf, merkle.proof(tree, index)) == root


def test_a_single_leaf_is_its_own_root_with_an_empty_proof():
    (leaf,) = leaves(1)
    tree = merkle.levels([leaf])
    assert merkle.root([leaf]) == leaf
    assert merkle.proof(tree, 0) == []


def test_two_leaves_pair_sorted_so_their_order_does_not_change_the_parent():
    a, b = leaves(2)
    low, high = sorted([a, b])
    assert merkle.root([a, b]) == merkle.root([b, a]) == keccak(low + high)


def test_the_odd_node_is_promoted_not_duplicated():
    a, b, c = leaves(3)
    assert merkle.root([a, b, c]) == merkle.parent(merkle.parent(a, b), c)
    assert merkle.proof(merkle.levels([a, b, c]), 2) == [merkle.parent(a, b)]


def test_proof_length_grows_with_the_log_of_the_batch():
    tree = merkle.levels(leaves(10_000))
    assert max(len(merkle.proof(tree, i)) for i in (0, 4999, 9999)) == 14


def test_a_tampered_proof_does_not_fold_to_the_root():
    tree = merkle.levels(leaves(6))
    path = merkle.proof(tree, 3)
    path[1] = keccak(b"forged")
    assert merkle.fold(tree[0][3], path) != tree[-1][0]


def test_a_leaf_with_another_leafs_proof_does_not_fold_to_the_root():
    tree = merkle.levels(leaves(6))
    assert merkle.fold(tree[0][2], merkle.proof(tree, 4)) != tree[-1][0]


def test_no_leaves_is_refused():
    with pytest.raises(ValueError):
        merkle.levels([])


def test_the_record_has_exactly_the_documented_keys_and_forms():
    record = merkle.record(sample())
    assert sorted(record) == sorted(merkle.RECORD_FIELDS)
    assert record["id"] == "6f1c0b8e-2f7a-4d3b-9a51-0c2a7e4b9d10"
    assert record["asset"] == "AAPL"
    assert record["timestamp"] == "2026-12-01T23:05:07.000012Z"
    assert record["as_of"] == "2026-12-01"
    assert record["horizon_periods"] == 5
    assert (record["as_of_price"], record["predicted_price"], record["level"]) == ("187.25", "190", "0.8")


def test_canonical_bytes_are_sorted_keys_without_whitespace():
    record = merkle.record(sample())
    raw = merkle.canonical_bytes(record)
    assert b" " not in raw
    assert list(json.loads(raw)) == sorted(record)
    assert merkle.leaf_hash(record) == keccak(raw)


def test_timestamps_in_another_zone_encode_as_the_same_utc_instant():
    paris = dt.timezone(dt.timedelta(hours=1))
    local = dt.datetime(2026, 12, 2, 0, 5, 7, 12, tzinfo=paris)
    assert merkle.record(sample(timestamp=local)) == merkle.record(sample())


def test_a_naive_timestamp_is_refused():
    with pytest.raises(ValueError, match="aware"):
        merkle.record(sample(timestamp=dt.datetime(2026, 12, 1, 23, 5)))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("100.00000000"), "100"),
        (Decimal("100.50000000"), "100.5"),
        (Decimal("0E-8"), "0"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.00000001"), "0.00000001"),
        (7, "7"),
    ],
)
def test_decimals_have_one_canonical_string(value, text):
    assert merkle.decimal_string(value) == text


def test_floats_are_refused_as_inexact():
    with pytest.raises(ValueError, match="exact"):
        merkle.decimal_string(0.1)


def test_changing_one_field_changes_the_leaf():
    assert merkle.leaf_hash(merkle.record(sample())) != merkle.leaf_hash(
        merkle.record(sample(predicted_price=Decimal("190.00000001")))
    )


def test_kind_is_left_aligned_in_bytes32():
    assert merkle.kind_bytes32() == b"predictions.v1" + b"\x00" * 18
