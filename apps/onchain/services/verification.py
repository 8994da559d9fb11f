"""Reads of notarisation: what the pages say per prediction, and the verification of one prediction.

``notarisations`` answers from the database only (no node call), so that pages render at once
whatever the chain does. ``verify`` recomputes the prediction's leaf from the STORED prediction,
folds its stored proof and compares the result with the root READ FROM THE CHAIN (one call,
``DataTracking.getBatch``): a prediction changed after it was notarised no longer verifies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from apps.onchain import merkle
from apps.onchain.chain import Chain, TransactionFailed, get_chain
from apps.onchain.models import BatchStatus, NotaryReason, PredictionProof
from apps.onchain.networks import network
from apps.onchain.services.notary import CONTRACT, last_run
from apps.predictions.models import Prediction
from quantumvest.jobs import JobState


@dataclass(frozen=True)
class Notarisation:
    """A prediction's notarisation as the pages show it."""

    state: str  # notarised, sent, pending, no_key, unreachable, wrong_chain, not_deployed, refused, error
    label: str
    reason: str
    tx_hash: str = ""
    tx_url: str = ""
    block: int | None = None
    network: str = ""

    @property
    def notarised(self) -> bool:
        return self.state == "notarised"


def _pending_reason() -> Notarisation:
    """Why predictions without a proof are not notarised yet (database and settings only)."""
    # What the chain adapter does: the in-process chain signs with its own key, a node needs one configured.
    if settings.ONCHAIN_RPC_URL and not settings.ONCHAIN_PRIVATE_KEY:
        return Notarisation(
            "no_key",
            "Not notarised: no signing key",
            "No signing key is configured (ONCHAIN_PRIVATE_KEY): the product is read-only on chain.",
        )
    run = last_run()
    if run is not None and run.reason and run.state != JobState.SUCCEEDED:
        when = f"{run.created_at:%Y-%m-%d %H:%M} UTC"
        labels = {
            NotaryReason.UNREACHABLE: "Not notarised yet: node unreachable",
            NotaryReason.WRONG_CHAIN: "Not notarised yet: wrong chain",
            NotaryReason.NOT_DEPLOYED: "Not notarised yet: contract not deployed",
            NotaryReason.NO_KEY: "Not notarised: no signing key",
            NotaryReason.REFUSED: "Not notarised yet: transaction refused",
        }
        detail = run.error or run.message
        return Notarisation(
            run.reason,
            labels.get(run.reason, "Not notarised yet: the last run failed"),
            f"The last notarisation attempt ({when}) failed: {detail} It is tried again at the next run.",
        )
    when = "in a moment" if settings.ONCHAIN_NOTARIZE_ON_ISSUE else "with tonight's batch (23:15 UTC)"
    return Notarisation("pending", "Pending notarisation", f"Not notarised yet: it is notarised on chain {when}.")


def _from_proof(proof: PredictionProof) -> Notarisation:
    batch = proof.batch
    net = network(batch.chain_id)
    common = {
        "tx_hash": batch.tx_hash,
        "tx_url": net.tx_url(batch.tx_hash) if batch.tx_hash else "",
        "network": net.name,
    }
    if batch.status == BatchStatus.CONFIRMED:
        return Notarisation(
            "notarised",
            "Notarised on chain",
            f"Its hash is in batch {batch.batch_id} of {batch.count}, recorded on {net.name} in block {batch.block_number}.",
            block=batch.block_number,
            **common,
        )
    reason = f"Sent in a batch of {batch.count} to {net.name}, not confirmed yet."
    if batch.error:
        reason += f" The last attempt failed: {batch.error} It is tried again at the next run."
    return Notarisation("sent", "Sent, awaiting confirmation", reason, **common)


def notarisations(predictions: Iterable[Prediction]) -> dict[Any, Notarisation]:
    """Each prediction's notarisation by primary key, from the database (one query, no node call)."""
    ids = [p.pk for p in predictions]
    proofs = PredictionProof.objects.filter(prediction_id__in=ids).select_related("batch")
    out: dict[Any, Notarisation] = {proof.prediction_id: _from_proof(proof) for proof in proofs}
    missing = [pk for pk in ids if pk not in out]
    if missing:
        why = _pending_reason()
        out.update(dict.fromkeys(missing, why))
    return out


def verify(*, prediction: Prediction, chain: Chain | None = None) -> dict[str, Any]:
    """The verification of one stored prediction: its record and hash, its proof, the batch, and
    ``verified`` = the proof folded from the recomputed leaf equals the root read from the chain.

    Not notarised (yet): ``verified`` false with ``status`` and ``reason`` saying why, no node call.
    Raises ChainUnavailable when the batch's root cannot be read (node down, slow, wrong chain).
    """
    record = merkle.record(prediction)
    leaf = merkle.leaf_hash(record)
    body: dict[str, Any] = {
        "id": str(prediction.pk),
        "encoding": merkle.KIND,
        "record": record,
        "hash": merkle.to_hex(leaf),
        "root": None,
        "proof": [],
        "leaf_index": None,
        "batch_id": None,
        "tx_hash": None,
        "block": None,
        "chain_id": None,
        "network": None,
        "contract": None,
        "recorded_at": None,
        "verified": False,
    }
    proof = PredictionProof.objects.filter(prediction=prediction).select_related("batch__contract").first()
    if proof is None:
        why = _pending_reason()
        return body | {"status": why.state, "reason": why.reason}
    batch = proof.batch
    body |= {
        "proof": proof.proof,
        "leaf_index": proof.leaf_index,
        "batch_id": batch.batch_id,
        "tx_hash": batch.tx_hash or None,
        "block": batch.block_number,
        "chain_id": batch.chain_id,
        "network": network(batch.chain_id).name,
        "contract": batch.contract.address,
    }
    if batch.status != BatchStatus.CONFIRMED or batch.batch_id is None:
        state = _from_proof(proof)
        return body | {"status": state.state, "reason": state.reason}
    chain = chain or get_chain()
    if chain.chain_id != batch.chain_id:
        return body | {
            "status": "other_chain",
            "reason": f"Notarised on chain {batch.chain_id}, but the configured node is on chain {chain.chain_id}: "
            "verify it with scripts/verify_prediction.py against a node of that chain.",
        }
    try:
        onchain = chain.call(CONTRACT, batch.contract.address, "getBatch", batch.batch_id)
    except TransactionFailed as exc:
        return body | {"status": "missing", "reason": f"The contract has no such batch any more ({exc.detail})."}
    root, _, _, timestamp, _, _, _ = onchain
    try:
        verified = merkle.fold(leaf, [merkle.from_hex(node) for node in proof.proof]) == merkle.from_hex(root)
    except (TypeError, ValueError):  # a stored proof that is not a list of 32-byte hashes any more
        verified = False
    body |= {
        "root": root,
        "recorded_at": dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat().replace("+00:00", "Z"),
        "verified": verified,
    }
    if verified:
        return body | {"status": "notarised", "reason": ""}
    return body | {
        "status": "mismatch",
        "reason": "The stored prediction (or its proof) does not lead to the root recorded on chain: "
        "it was changed after it was notarised.",
    }
