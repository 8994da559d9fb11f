"""Notarised predictions, the pure part: canonical encoding, leaves, Merkle tree and proofs.

No I/O and no Django here: anyone can recompute a leaf and fold a proof with this module (or the
stand-alone ``scripts/verify_prediction.py``, which repeats the same rules in a few lines).

Encoding ``predictions.v1`` (the ``kind`` recorded on chain, left-aligned ASCII in bytes32):

- The record of a prediction is a JSON object with exactly these 16 keys (``RECORD_FIELDS``):
  ``id, asset, model_version, model_name, timestamp, timeframe, horizon_periods, as_of,
  as_of_price, target_date, predicted_price, confidence_lower, confidence_upper, level,
  direction, confidence_score``.
- Values: ``id`` and ``model_version`` are UUIDs in lower-case hyphenated form; ``asset`` is the
  symbol; ``horizon_periods`` is a JSON integer; every other value is a JSON string.
  ``timestamp`` is UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fractional digits);
  ``as_of`` and ``target_date`` are ``YYYY-MM-DD``; prices, ``level`` and ``confidence_score`` are
  exact decimal strings: plain notation (no exponent), no trailing zeros after the point, no
  trailing point, ``"0"`` for zero (``100.50000000`` → ``"100.5"``, ``100.00000000`` → ``"100"``).
- Serialisation: keys sorted, no whitespace (separators ``,`` and ``:``), non-ASCII characters
  as they are, UTF-8 bytes: ``json.dumps(record, sort_keys=True, separators=(",", ":"),
  ensure_ascii=False).encode("utf-8")`` in Python.
- Leaf: ``keccak256(those bytes)``, 32 bytes. This is the prediction's ``hash``.
- Tree: the leaves in batch order (issue time, then id) form level 0. Each next level pairs
  nodes left to right; a pair's parent is ``keccak256(min(a, b) ‖ max(a, b))`` (the two 32-byte
  hashes compared as unsigned big-endian numbers, so a proof needs no left/right flags); a last
  node without a partner is promoted unchanged to the next level (never duplicated). The root is
  the single node left; the root of one leaf is that leaf.
- Proof: the sibling hashes met on the way from the leaf to the root, leaf side first (levels
  where the node was promoted contribute nothing). Verification folds
  ``h = keccak256(min(h, s) ‖ max(h, s))`` over the proof starting from the leaf and compares
  the result with the root read from DataTracking.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from eth_utils import keccak

KIND = "predictions.v1"
RECORD_FIELDS = (
    "id",
    "asset",
    "model_version",
    "model_name",
    "timestamp",
    "timeframe",
    "horizon_periods",
    "as_of",
    "as_of_price",
    "target_date",
    "predicted_price",
    "confidence_lower",
    "confidence_upper",
    "level",
    "direction",
    "confidence_score",
)
DECIMAL_FIELDS = ("as_of_price", "predicted_price", "confidence_lower", "confidence_upper", "level", "confidence_score")
# Where each record field comes from on apps.predictions.models.Prediction.
MODEL_ATTRIBUTES = {"asset": "asset_id", "model_version": "model_version_id"}


def kind_bytes32(kind: str = KIND) -> bytes:
    """``kind`` as the contract stores it: ASCII, left-aligned, zero-padded to 32 bytes."""
    raw = kind.encode("ascii")
    if len(raw) > 32:
        raise ValueError(f"kind {kind!r} is longer than 32 bytes")
    return raw.ljust(32, b"\x00")


def decimal_string(value: Decimal | int | str) -> str:
    """The exact decimal in canonical form: plain notation, no trailing zeros, "0" for zero.

    Raises ValueError for a value that is not a finite decimal (floats are refused: not exact).
    """
    if isinstance(value, float):
        raise ValueError("floats are not exact: pass a Decimal, an int or a decimal string")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal")
    if number == 0:
        return "0"
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def utc_timestamp(value: dt.datetime) -> str:
    """An aware datetime in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; ValueError for a naive one."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(prediction: Any) -> dict[str, Any]:
    """The ``predictions.v1`` record of a prediction (a model instance or any object or mapping
    with the Prediction's attribute names: ``asset_id``, ``model_version_id``, ...)."""

    def get(name: str) -> Any:
        attribute = MODEL_ATTRIBUTES.get(name, name)
        if isinstance(prediction, Mapping):
            return prediction[attribute]
        return getattr(prediction, attribute)

    out: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        value = get(name)
        if name in ("id", "model_version"):
            value = str(uuid.UUID(str(value)))
        elif name == "timestamp":
            value = utc_timestamp(value)
        elif name in ("as_of", "target_date"):
            value = value.isoformat()
        elif name in DECIMAL_FIELDS:
            value = decimal_string(value)
        elif name == "horizon_periods":
            value = int(value)
        else:
            value = str(value)
        out[name] = value
    return out


def canonical_bytes(rec: Mapping[str, Any]) -> bytes:
    """The record serialised as documented: sorted keys, no whitespace, UTF-8."""
    return json.dumps(rec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def leaf_hash(rec: Mapping[str, Any]) -> bytes:
    """keccak256 of the canonical bytes of a record: the prediction's hash and its leaf."""
    return keccak(canonical_bytes(rec))


def parent(a: bytes, b: bytes) -> bytes:
    """The sorted-pair parent of two nodes: keccak256(min ‖ max)."""
    return keccak(a + b if a <= b else b + a)


def levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first, root last. ValueError for no leaves."""
    if not leaves:
        raise ValueError("a Merkle tree needs at least one leaf")
    tree = [list(leaves)]
    while len(tree[-1]) > 1:
        below = tree[-1]
        above = [parent(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])  # the odd node is promoted unchanged
        tree.append(above)
    return tree


def root(leaves: Sequence[bytes]) -> bytes:
    return levels(leaves)[-1][0]


def proof(tree: list[list[bytes]], index: int) -> list[bytes]:
    """The siblings of leaf ``index`` from the leaf up, in a tree built by ``levels``."""
    if not 0 <= index < len(tree[0]):
        raise IndexError(f"leaf {index} is not in a tree of {len(tree[0])} leaves")
    path = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index //= 2
    return path


def proofs(tree: list[list[bytes]]) -> list[list[bytes]]:
    """The proof of every leaf, in leaf order."""
    return [proof(tree, i) for i in range(len(tree[0]))]


def fold(leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root a leaf and its proof lead to (compare it with the root on chain)."""
    node = leaf
    for sibling in path:
        node = parent(node, sibling)
    return node


def to_hex(value: bytes) -> str:
    return "0x" + value.hex()


def from_hex(value: str) -> bytes:
    """32 bytes from 0x-prefixed hex; ValueError for anything else."""
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 66:
        raise ValueError(f"{value!r} is not a 32-byte 0x-hex hash")
    return bytes.fromhex(value[2:])
