#!/usr/bin/env python3
"""Verify a notarised QuantumVest prediction against any Ethereum JSON-RPC node: web3 and the JSON only.

    python scripts/verify_prediction.py verification.json --rpc http://127.0.0.1:8545

``verification.json`` is the answer of ``GET /api/v1/predictions/{id}/verification/``. The script
recomputes the leaf from ``record`` (encoding predictions.v1: keccak256 of the JSON with sorted
keys, no whitespace, UTF-8), folds ``proof`` with sorted pairs (keccak256(min ‖ max)), reads the
batch's root from the DataTracking contract at ``contract`` (``getBatch(batch_id)``) and compares.
It trusts nothing else in the file: not ``hash``, not ``root``, not ``verified``.

Exit status: 0 verified, 1 not verified, 2 unusable input or node.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from web3 import HTTPProvider, Web3
from web3.exceptions import Web3Exception

KIND = "predictions.v1"
ABI = [
    {
        "type": "function",
        "name": "getBatch",
        "stateMutability": "view",
        "inputs": [{"name": "batchId", "type": "uint256"}],
        "outputs": [
            {
                "name": "",
                "type": "tuple",
                "components": [
                    {"name": "root", "type": "bytes32"},
                    {"name": "recorder", "type": "address"},
                    {"name": "count", "type": "uint48"},
                    {"name": "timestamp", "type": "uint48"},
                    {"name": "kind", "type": "bytes32"},
                    {"name": "blockNumber", "type": "uint64"},
                    {"name": "uri", "type": "string"},
                ],
            }
        ],
    }
]


def leaf_of(record: dict) -> bytes:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Web3.keccak(canonical)


def fold(leaf: bytes, proof: list[str]) -> bytes:
    node = leaf
    for sibling_hex in proof:
        sibling = bytes.fromhex(sibling_hex.removeprefix("0x"))
        if len(sibling) != 32:
            raise ValueError(f"proof element {sibling_hex!r} is not 32 bytes")
        node = Web3.keccak(node + sibling if node <= sibling else sibling + node)
    return bytes(node)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("verification", help="The JSON of /api/v1/predictions/{id}/verification/ ('-' for stdin).")
    parser.add_argument("--rpc", required=True, help="JSON-RPC URL of a node of the batch's chain.")
    parser.add_argument("--timeout", type=float, default=10, help="Seconds per node call (default 10).")
    args = parser.parse_args(argv)

    try:
        text = sys.stdin.read() if args.verification == "-" else Path(args.verification).read_text(encoding="utf-8")
        data = json.loads(text)
        record, proof = data["record"], data["proof"]
        if data.get("encoding", KIND) != KIND:
            raise ValueError(f"unknown encoding {data['encoding']!r} (this script knows {KIND})")
        if data.get("batch_id") is None or not data.get("contract"):
            print(f"NOT VERIFIED: the prediction is not notarised ({data.get('status')}: {data.get('reason')})")
            return 1
        leaf = leaf_of(record)
        computed = fold(leaf, proof)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: unusable verification JSON: {exc}", file=sys.stderr)
        return 2

    web3 = Web3(HTTPProvider(args.rpc, request_kwargs={"timeout": args.timeout}))
    try:
        chain_id = web3.eth.chain_id
        if data.get("chain_id") is not None and chain_id != data["chain_id"]:
            print(f"error: the node is on chain {chain_id}, the batch on chain {data['chain_id']}", file=sys.stderr)
            return 2
        contract = web3.eth.contract(address=Web3.to_checksum_address(data["contract"]), abi=ABI)
        onchain = contract.functions.getBatch(int(data["batch_id"])).call()
    except (Web3Exception, OSError, ValueError) as exc:  # the node, the contract or the batch is not there
        print(f"error: could not read batch {data['batch_id']} from {data['contract']}: {exc}", file=sys.stderr)
        return 2
    root = bytes(onchain[0])
    print(f"prediction   {record.get('id')}")
    print(f"leaf         0x{bytes(leaf).hex()} (recomputed from the record)")
    if data.get("hash") and data["hash"] != "0x" + bytes(leaf).hex():
        print(f"             the JSON's hash {data['hash']} differs: ignored")
    print(f"folded root  0x{computed.hex()} ({len(proof)} proof step(s))")
    print(
        f"chain root   0x{root.hex()} (batch {data['batch_id']} of DataTracking {data['contract']}, chain {chain_id})"
    )
    if computed == root:
        print(f"VERIFIED: recorded at block {onchain[5]}, timestamp {onchain[3]} (unix)")
        return 0
    print("NOT VERIFIED: the record and proof do not lead to the root on chain")
    return 1


if __name__ == "__main__":
    sys.exit(main())
