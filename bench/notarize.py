"""Notarised predictions: one transaction for 10,000 predictions, and the cost of verifying one.

Targets (issue 9): gas per prediction <= 1/1,000 of a plain transfer (the baseline, a 21,000-gas
ETH transfer, is measured in the same run on the same node); verification of one prediction
<= 50 ms plus one RPC call (the local part, recomputing the leaf and folding the proof, and the RPC
call, DataTracking.getBatch, are timed apart; then the endpoint end to end).

Runs on a throwaway anvil node (npm @foundry-rs/anvil, `make anvil`) and a throwaway PostgreSQL
database ``qv_bench_notary`` (dropped and created). The 10,000 predictions are SYNTHETIC BENCHMARK
INPUT (asset ``BENCH``, prices varied deterministically): they exist only in that database.

Run: ``.venv/bin/python bench/notarize.py`` (env: BENCH_DATABASE_SERVER, BENCH_PREDICTIONS).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "qv_bench_notary"
COUNT = int(os.environ.get("BENCH_PREDICTIONS", "10000"))
TARGET_GAS_PER_PREDICTION = 21_000 / 1_000
TARGET_LOCAL_MS = 50.0

from tests.anvil import KEYS, Anvil  # noqa: E402

NODE = Anvil().start()
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "quantumvest.settings",
        "DJANGO_DEBUG": "True",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"{SERVER}/{DB_NAME}",
        "CELERY_BROKER_URL": "",
        "QV_VAR_DIR": tempfile.mkdtemp(prefix="qv-bench-notary-"),
        "ONCHAIN_RPC_URL": NODE.url,
        "ONCHAIN_CHAIN_ID": str(NODE.chain_id),
        "ONCHAIN_PRIVATE_KEY": KEYS[0],
        "ONCHAIN_NOTARIZE_ON_ISSUE": "False",
        "LOG_LEVEL": "WARNING",
    }
)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def main() -> None:
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from rest_framework.test import APIClient

    from apps.accounts.models import User
    from apps.onchain import merkle
    from apps.onchain.chain import get_chain
    from apps.onchain.models import PredictionProof
    from apps.onchain.services import notary
    from apps.onchain.services.deployment import deploy_contracts
    from apps.onchain.services.verification import verify
    from apps.predictions.models import Prediction
    from tests.onchain.notary_data import issue

    chain = get_chain()
    deploy_contracts(chain=chain)
    print(f"node: anvil {NODE.url} (chain {chain.chain_id}); {COUNT:,} SYNTHETIC predictions of asset BENCH")

    baseline = chain.send_value("0x" + "42" * 20, 1)
    print(f"baseline: a plain ETH transfer used {baseline.gas_used:,} gas")

    issue(COUNT, symbol="BENCH")
    contract = notary.data_tracking(chain)
    started = time.perf_counter()
    batch = notary.reserve_batch(contract=contract)
    reserved = time.perf_counter() - started
    started = time.perf_counter()
    (settled,) = notary.notarize_pending(chain=chain)
    sent = time.perf_counter() - started
    receipt = chain.receipt(settled.batch.tx_hash)
    per_prediction = receipt.gas_used / batch.count
    print(
        f"notarise: {batch.count:,} predictions in 1 transaction ({receipt.tx_hash[:12]}…, block {receipt.block_number})"
    )
    print(f"  encode + tree + {batch.count:,} proofs stored: {reserved:.2f} s; send and confirm: {sent:.2f} s")
    print(
        f"  gas {receipt.gas_used:,} → {per_prediction:.2f} gas per prediction; target ≤ {TARGET_GAS_PER_PREDICTION:g} "
        f"(1/1,000 of the {baseline.gas_used:,}-gas transfer) → ratio {per_prediction / TARGET_GAS_PER_PREDICTION:.3f}"
    )
    print(f"  proof length: {len(PredictionProof.objects.order_by('leaf_index').first().proof)} hashes")

    sample = list(Prediction.objects.order_by("?")[:200])
    proofs = {p.prediction_id: p.proof for p in PredictionProof.objects.filter(prediction__in=sample)}
    local, rpc, whole = [], [], []
    for prediction in sample:
        started = time.perf_counter()
        leaf = merkle.leaf_hash(merkle.record(prediction))
        computed = merkle.fold(leaf, [merkle.from_hex(h) for h in proofs[prediction.pk]])
        local.append(time.perf_counter() - started)
        started = time.perf_counter()
        onchain = chain.call("DataTracking", contract.address, "getBatch", settled.batch.batch_id)
        rpc.append(time.perf_counter() - started)
        assert computed == merkle.from_hex(onchain[0])
        started = time.perf_counter()
        assert verify(prediction=prediction, chain=chain)["verified"]
        whole.append(time.perf_counter() - started)
    client = APIClient()
    client.force_authenticate(User.objects.create_user(email="bench@quantumvest.local"))
    endpoint = []
    for prediction in sample[:50]:
        started = time.perf_counter()
        assert client.get(f"/api/v1/predictions/{prediction.pk}/verification/").json()["verified"]
        endpoint.append(time.perf_counter() - started)
    local_ms = median_ms(local)
    print(f"verify one prediction (median of {len(sample)}):")
    print(
        f"  local part (record, leaf, fold {len(proofs[sample[0].pk])} steps): {local_ms:.3f} ms; "
        f"target ≤ {TARGET_LOCAL_MS:g} ms → ratio {local_ms / TARGET_LOCAL_MS:.4f}"
    )
    print(f"  the one RPC call (getBatch on anvil over HTTP): {median_ms(rpc):.2f} ms")
    print(f"  verify() with its database reads: {median_ms(whole):.2f} ms")
    print(
        f"  GET /api/v1/predictions/{{id}}/verification/ end to end (median of {len(endpoint)}): {median_ms(endpoint):.2f} ms"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        NODE.stop()
