"""Ingestion speed: sync 10,000 blocks holding 1,000 ERC-20 transfers from a local anvil (≤ 60 s).

Set-up (not timed): a fresh anvil node (npm @foundry-rs/anvil, `make anvil`) on a free loopback
port, a DemoToken, 1,000 token transfers to 50 holders spread one per 10 blocks, and 10,000 blocks
in all; a throwaway PostgreSQL database created here and dropped at the end. The data is a local
test chain, synthetic by construction: nothing here is shown to users.

Timed, each from an empty checkpoint (lookback covering the whole chain):
- token: the token tracked (eth_getLogs in ONCHAIN_SYNC_BLOCK_RANGE spans, headers of the blocks
  with transfers);
- token + wallets: also two tracked wallets, so every block's transactions are read (JSON-RPC
  batches of ONCHAIN_RPC_BATCH_SIZE) for native transfers;
- again: a second sync with nothing new.
Baseline in the same run: the raw JSON-RPC work without QuantumVest (plain HTTP, no parsing
beyond JSON): the same eth_getLogs spans, and eth_getBlockByNumber(full) for every block in batches.

Usage: .venv/bin/python bench/onchain_sync.py [--blocks 10000] [--transfers 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.anvil import KEYS, Anvil  # noqa: E402

TARGET = 60.0
DB_NAME = f"qv_bench_onchain_{os.getpid()}"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def rpc_batch(url: str, calls: list[tuple[str, list]]) -> list:
    payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
    return requests.post(url, json=payload, timeout=60).json()


def rpc(url: str, method: str, params: list):
    return requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=60).json()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--transfers", type=int, default=1_000)
    args = parser.parse_args()

    node = Anvil().start()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ.update(
        DJANGO_SETTINGS_MODULE="quantumvest.settings",
        DJANGO_DEBUG="True",
        QV_VAR_DIR="/tmp/qv-bench-onchain",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        CELERY_BROKER_URL="",
        REDIS_URL="",
        LOG_LEVEL="WARNING",
        ONCHAIN_RPC_URL=node.url,
        ONCHAIN_CHAIN_ID=str(node.chain_id),
        ONCHAIN_PRIVATE_KEY=KEYS[0],
        ONCHAIN_SYNC_LOOKBACK=str(args.blocks * 2),
    )
    try:
        run(node, args.blocks, args.transfers)
    finally:
        node.stop()
        from django.db import connections

        connections.close_all()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def run(node: Anvil, blocks: int, transfers: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.onchain.chain import checksum, get_chain
    from apps.onchain.models import (
        AddressKind,
        BalanceSnapshot,
        SeenBlock,
        SyncCheckpoint,
        TokenDaily,
        TrackedAddress,
        Transfer,
    )
    from apps.onchain.services.ingestion import sync_chain

    call_command("migrate", verbosity=0)
    chain = get_chain()
    started = time.perf_counter()
    token = chain.deploy("DemoToken", "Bench", "BNC", 6).contract_address
    holders = [checksum("0x" + f"{0xB0000 + i:040x}") for i in range(50)]
    gap = max(1, blocks // transfers)
    for i in range(transfers):
        chain.transact("DemoToken", token, "mint", holders[i % len(holders)], 1_000_000 + i, wait=False)
        if gap > 1:
            node.mine(gap - 1)
    if node.head() < blocks:
        node.mine(blocks - node.head())
    head = node.head()
    print(f"set-up: anvil head {head}, {transfers} transfers of one token, {time.perf_counter() - started:.1f} s")

    owner = User.objects.create_user(email="bench@example.com")  # no usable password
    TrackedAddress.objects.create(owner=owner, chain_id=chain.chain_id, address=token, kind=AddressKind.TOKEN)

    def reset() -> None:
        for model in (Transfer, SeenBlock, SyncCheckpoint, TokenDaily, BalanceSnapshot):
            model.objects.all().delete()
        TrackedAddress.objects.update(synced_from=None)

    def timed(label: str):
        start = time.perf_counter()
        report = sync_chain(chain=chain)
        elapsed = time.perf_counter() - start
        print(
            f"{label:16s} {report.blocks:6d} blocks, {report.transfers_new:5d} new transfers, "
            f"{report.log_calls} eth_getLogs: {elapsed:6.2f} s ({report.blocks / elapsed if elapsed else 0:,.0f} blocks/s)"
        )
        return report, elapsed

    _, token_s = timed("token")
    stored = Transfer.objects.count()
    assert stored == transfers, f"{stored} transfers stored, {transfers} sent"
    reset()
    for holder in holders[:2]:
        TrackedAddress.objects.create(owner=owner, chain_id=chain.chain_id, address=holder, kind=AddressKind.WALLET)
    _, wallets_s = timed("token + wallets")
    again_report, again_s = timed("again")
    assert Transfer.objects.count() == transfers and again_report.transfers_new == 0

    span, batch = settings.ONCHAIN_SYNC_BLOCK_RANGE, settings.ONCHAIN_RPC_BATCH_SIZE
    start = time.perf_counter()
    found = 0
    for first in range(0, head + 1, span):
        query = {"fromBlock": hex(first), "toBlock": hex(min(head, first + span - 1)), "address": token}
        found += len(rpc(node.url, "eth_getLogs", [query])["result"])
    logs_s = time.perf_counter() - start
    start = time.perf_counter()
    for first in range(0, head + 1, batch):
        rpc_batch(
            node.url, [("eth_getBlockByNumber", [hex(n), True]) for n in range(first, min(head, first + batch - 1) + 1)]
        )
    blocks_s = time.perf_counter() - start
    assert found == transfers
    print(f"baseline: raw eth_getLogs {logs_s:.2f} s, raw full blocks {blocks_s:.2f} s")
    print(
        f"token: {token_s:.2f} s = {token_s / logs_s:.1f}x raw eth_getLogs; target {TARGET:.0f} s → ratio {token_s / TARGET:.2f}"
    )
    print(
        f"token + wallets: {wallets_s:.2f} s = {wallets_s / (logs_s + blocks_s):.1f}x raw logs + blocks; "
        f"target {TARGET:.0f} s → ratio {wallets_s / TARGET:.2f}"
    )
    print(f"second sync, nothing new: {again_s:.2f} s")


if __name__ == "__main__":
    main()
