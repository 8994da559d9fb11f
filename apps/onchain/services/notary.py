"""Notarising predictions: each batch of newly issued predictions becomes one DataTracking.record.

The batch is decided before anything is sent and stored with its proofs (``NotarisedBatch`` in
state SENT, one ``PredictionProof`` per prediction): the pending predictions (those without a
proof) in issue order, up to ``BATCH_LIMIT``. Then the root is sent; the batch is CONFIRMED with
the contract's batch id, block and transaction once the chain has it.

Idempotent: a run delivered twice finds nothing pending and the batches settled; a crash between
sending and storing leaves a SENT batch, which the next run settles by asking the contract for its
root (``isRecorded``/``getBatchByRoot``, the transaction from the ``DataRecorded`` log): a root is
never sent again once the chain has it, and the contract refuses it anyway
(``RootAlreadyRecorded``). The encoding is ``apps.onchain.merkle`` (documented there).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from apps.onchain import merkle
from apps.onchain.chain import (
    Chain,
    ChainMismatch,
    ChainUnavailable,
    SigningUnavailable,
    TransactionFailed,
    get_chain,
    keccak_hex,
)
from apps.onchain.models import BatchStatus, Contract, NotarisedBatch, NotaryReason, NotaryRun, PredictionProof
from apps.onchain.services.deployment import current_contract, ensure_in_process_contracts
from apps.predictions.models import Prediction
from quantumvest import jobs
from quantumvest.errors import DomainError, ServiceUnavailable

log = logging.getLogger(__name__)

CONTRACT = "DataTracking"
BATCH_LIMIT = 10_000
DATA_RECORDED_TOPIC = keccak_hex(b"DataRecorded(uint256,bytes32,uint64,bytes32,address,uint64)")
RECORD_ATTRIBUTES = tuple(merkle.MODEL_ATTRIBUTES.get(name, name) for name in merkle.RECORD_FIELDS)
# Seconds a sent transaction may take to be mined before the run gives up (the next run settles it).
RECEIPT_TIMEOUT = 120


class NotDeployed(DomainError):
    """DataTracking is not deployed on the configured chain (run deploy_contracts)."""

    code = "contract_not_deployed"
    status_code = 409


@dataclass(frozen=True)
class Settled:
    batch: NotarisedBatch
    recovered: bool  # found on chain (sent by an earlier, interrupted run) rather than sent now


def reason_of(exc: BaseException) -> str:
    """The NotaryReason for an error a run ended with."""
    if isinstance(exc, SigningUnavailable):
        return NotaryReason.NO_KEY
    if isinstance(exc, ChainMismatch):
        return NotaryReason.WRONG_CHAIN
    if isinstance(exc, ChainUnavailable):
        return NotaryReason.UNREACHABLE
    if isinstance(exc, NotDeployed):
        return NotaryReason.NOT_DEPLOYED
    if isinstance(exc, TransactionFailed):
        return NotaryReason.REFUSED
    return NotaryReason.ERROR


def data_tracking(chain: Chain) -> Contract:
    """The DataTracking deployment notarisation uses on this chain; the embedded default deploys it.

    Raises ChainUnavailable, NotDeployed.
    """
    chain_id = chain.check()
    if chain.in_process:
        ensure_in_process_contracts(chain=chain)
    contract = current_contract(CONTRACT, chain_id=chain_id)
    if contract is None:
        raise NotDeployed(
            f"DataTracking is not deployed on chain {chain_id} ({chain.network.name}): run `manage.py deploy_contracts`."
        )
    return contract


def pending_predictions():
    """Issued predictions without a proof, in batch order (issue time, then id)."""
    return Prediction.objects.filter(notarisation__isnull=True).order_by("timestamp", "id")


@transaction.atomic
def reserve_batch(*, contract: Contract, limit: int = BATCH_LIMIT) -> NotarisedBatch | None:
    """Decide the next batch and store it with every prediction's proof (state SENT, nothing sent).

    None when nothing is pending. Runs under a lock on the contract's row, so two runs never put a
    prediction in two batches.
    """
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    rows = list(pending_predictions().values(*RECORD_ATTRIBUTES)[:limit])
    if not rows:
        return None
    leaves = [merkle.leaf_hash(merkle.record(row)) for row in rows]
    tree = merkle.levels(leaves)
    batch = NotarisedBatch.objects.create(
        chain_id=contract.chain_id,
        contract=contract,
        kind=merkle.KIND,
        root=merkle.to_hex(tree[-1][0]),
        count=len(rows),
        status=BatchStatus.SENT,
    )
    PredictionProof.objects.bulk_create(
        [
            PredictionProof(
                prediction_id=row["id"],
                batch=batch,
                leaf_index=index,
                leaf_hash=merkle.to_hex(leaves[index]),
                proof=[merkle.to_hex(node) for node in merkle.proof(tree, index)],
            )
            for index, row in enumerate(rows)
        ],
        batch_size=2000,
    )
    return batch


def _recover(chain: Chain, batch: NotarisedBatch) -> bool:
    """Fill a batch's id, block and transaction from the chain if its root is recorded there."""
    address, root = batch.contract.address, merkle.from_hex(batch.root)
    if not chain.call(CONTRACT, address, "isRecorded", root):
        return False
    batch_id, (_, _, _, _, _, block_number, _) = chain.call(CONTRACT, address, "getBatchByRoot", root)
    found = chain.logs(block_number, block_number, addresses=[address], topics=[DATA_RECORDED_TOPIC, None, batch.root])
    batch.batch_id, batch.block_number = int(batch_id), int(block_number)
    if found:
        batch.tx_hash = found[0].tx_hash
    batch.status, batch.error = BatchStatus.CONFIRMED, ""
    batch.save(update_fields=["batch_id", "block_number", "tx_hash", "status", "error"])
    return True


def _wait_receipt(chain: Chain, tx_hash: str):
    """The receipt once mined, polled every second; None after RECEIPT_TIMEOUT (ChainUnavailable on node errors)."""
    deadline = time.monotonic() + RECEIPT_TIMEOUT
    while True:
        receipt = chain.receipt(tx_hash)
        if receipt is not None or time.monotonic() > deadline:
            return receipt
        time.sleep(1)


def settle_batch(*, batch: NotarisedBatch, chain: Chain | None = None) -> Settled | None:
    """Bring a SENT (or FAILED) batch onto the chain, once: recover it if the chain has its root,
    else send ``record(root, count, kind, "")`` and store the result.

    None when another run holds the batch or its transaction is still waiting to be mined.
    Raises ChainUnavailable, SigningUnavailable, TransactionFailed; the batch then keeps the error
    (and its transaction hash, if one was sent) and the next run settles it.
    """
    chain = chain or get_chain()
    failure: DomainError | None = None
    with transaction.atomic():
        # Held while the transaction is sent: two runs never send the same batch at once.
        batch = (
            NotarisedBatch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("contract")
            .filter(pk=batch.pk)
            .first()
        )
        if batch is None:
            return None
        if batch.status == BatchStatus.CONFIRMED:
            return Settled(batch, recovered=False)
        try:
            outcome = _send_or_recover(chain, batch)
        except (TransactionFailed, ServiceUnavailable) as exc:
            failure = exc
            status = BatchStatus.FAILED if isinstance(exc, TransactionFailed) else batch.status
            NotarisedBatch.objects.filter(pk=batch.pk).update(status=status, error=str(exc)[:1000])
    if failure is not None:
        raise failure
    if outcome is not None and not outcome.recovered:
        log.info("onchain: notarised %s predictions in batch %s (tx %s)", batch.count, batch.batch_id, batch.tx_hash)
    return outcome


def _send_or_recover(chain: Chain, batch: NotarisedBatch) -> Settled | None:
    if _recover(chain, batch):
        return Settled(batch, recovered=True)
    if batch.tx_hash and chain.receipt(batch.tx_hash) is None and chain.transaction(batch.tx_hash):
        return None  # sent before and still waiting to be mined
    try:
        tx_hash = chain.transact(
            CONTRACT,
            batch.contract.address,
            "record",
            merkle.from_hex(batch.root),
            batch.count,
            merkle.kind_bytes32(batch.kind),
            "",
            wait=False,
        )
    except TransactionFailed:
        if _recover(chain, batch):  # RootAlreadyRecorded: an interrupted run's transaction got there
            return Settled(batch, recovered=True)
        raise
    batch.tx_hash = tx_hash
    batch.save(update_fields=["tx_hash"])
    receipt = _wait_receipt(chain, tx_hash)
    if receipt is None:
        raise ChainUnavailable(
            f"Transaction {tx_hash} was not mined within {RECEIPT_TIMEOUT} s; the next run settles it."
        )
    if receipt.status != 1:
        if _recover(chain, batch):  # another run's transaction got there first
            return Settled(batch, recovered=True)
        raise TransactionFailed(f"Transaction {tx_hash} recording batch {batch.root} reverted.")
    event = next(entry for entry in receipt.logs if entry.topics[0] == DATA_RECORDED_TOPIC)
    batch.batch_id, batch.block_number = int(event.topics[1], 16), receipt.block_number
    batch.status, batch.error = BatchStatus.CONFIRMED, ""
    batch.save(update_fields=["batch_id", "block_number", "status", "error"])
    return Settled(batch, recovered=False)


def notarize_pending(*, chain: Chain | None = None, limit: int = BATCH_LIMIT) -> list[Settled]:
    """Notarise every pending prediction: unsettled batches first, then new batches of ``limit``.

    One transaction per new batch. Returns what was settled (empty when nothing was pending).
    Raises SigningUnavailable (no key), ChainUnavailable (node down, wrong chain), NotDeployed,
    TransactionFailed (the contract refused, e.g. the signer is not a recorder).
    """
    chain = chain or get_chain()
    chain.require_signer()
    contract = data_tracking(chain)
    settled = []
    open_batches = NotarisedBatch.objects.filter(chain_id=contract.chain_id).exclude(status=BatchStatus.CONFIRMED)
    for batch in open_batches.select_related("contract").order_by("created_at"):
        if batch.contract_id != contract.pk and chain.code_size(batch.contract.address) == 0:
            # The chain forgot that deployment (a reset local node) before the batch got there: its
            # predictions become pending again and go into a batch on the current contract.
            log.warning(
                "onchain: batch %s was for %s, which has no code any more; rebatching", batch.root, batch.contract
            )
            batch.delete()
            continue
        if (done := settle_batch(batch=batch, chain=chain)) is not None:
            settled.append(done)
    while (batch := reserve_batch(contract=contract, limit=limit)) is not None:
        if (done := settle_batch(batch=batch, chain=chain)) is not None:
            settled.append(done)
    return settled


# --- Runs: the job rows of the task, the command and the after-issue hook --------------------------


def create_run(*, trigger: str) -> NotaryRun:
    """A QUEUED notarisation run (``trigger``: beat, command, issue or setup) for ``perform_run``."""
    return NotaryRun.objects.create(trigger=trigger)


def perform_run(*, run: NotaryRun, may_retry: bool = False) -> bool:
    """Run a notarisation job once; True when it hit a transient chain error and should be retried.

    A finished run does nothing (a second delivery). A transient error (node unreachable) with
    ``may_retry`` leaves the run RUNNING with the reason, for the task's bounded retry; every other
    outcome ends the run (SUCCEEDED, or FAILED with the reason), so no run stays open for ever.
    """
    if not jobs.start(run):
        return False
    NotaryRun.objects.filter(pk=run.pk).update(attempts=run.attempts + 1)
    with jobs.running(run):
        try:
            settled = notarize_pending()
        except Exception as exc:
            reason = reason_of(exc)
            NotaryRun.objects.filter(pk=run.pk).update(reason=reason)
            if may_retry and reason == NotaryReason.UNREACHABLE:
                jobs.report_progress(run, 0, f"Retrying: {exc}"[:255])
                return True
            raise
        NotaryRun.objects.filter(pk=run.pk).update(reason=NotaryReason.NONE)
        count = sum(s.batch.count for s in settled)
        jobs.succeed(
            run,
            {
                "batches": [
                    {"root": s.batch.root, "count": s.batch.count, "tx_hash": s.batch.tx_hash, "recovered": s.recovered}
                    for s in settled
                ],
                "notarised": count,
            },
            message=f"{count} prediction(s) in {len(settled)} batch(es)" if settled else "Nothing pending",
        )
    return False


def notarize_after_issue() -> None:
    """Called by the predictions service after it stored new predictions, inside its transaction.

    With ``ONCHAIN_NOTARIZE_ON_ISSUE`` (on in the embedded default: in-process chain, eager
    Celery) a notarisation run is submitted once the transaction commits; otherwise the nightly
    beat entry notarises them. Never raises: a broker that is down fails the run, which the pages show.
    """
    if not settings.ONCHAIN_NOTARIZE_ON_ISSUE:
        return

    def submit() -> None:
        from apps.onchain.tasks.notary import notarize_predictions

        run = create_run(trigger="issue")
        try:
            jobs.submit(run, notarize_predictions)
        except ServiceUnavailable as exc:
            log.warning("onchain: notarisation after issue not queued: %s", exc.detail)

    transaction.on_commit(submit)


def last_run() -> NotaryRun | None:
    """The most recent notarisation run (what the pages say "not notarised yet" from)."""
    return NotaryRun.objects.order_by("-created_at").first()
