"""Notarisation: one DataTracking.record per batch, proofs stored, nothing recorded twice, on the
in-process chain and on anvil."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.onchain import merkle
from apps.onchain.chain import get_chain, reset_chains
from apps.onchain.models import BatchStatus, NotarisedBatch, NotaryReason, NotaryRun, PredictionProof
from apps.onchain.services import notary
from apps.onchain.services.deployment import current_contract, deploy_contracts
from apps.onchain.services.verification import verify
from apps.onchain.tasks.notary import notarize_predictions
from quantumvest.jobs import JobState
from tests.anvil import ACCOUNTS
from tests.onchain.notary_data import issue

pytestmark = pytest.mark.django_db
CHAINS = ["chain", "anvil_chain"]


@pytest.fixture(params=CHAINS)
def deployed(request):
    """A chain with the product's contracts deployed on it (the in-process one does it itself too)."""
    chain = request.getfixturevalue(request.param)
    deploy_contracts(chain=chain)
    return chain


def batches_on_chain(chain) -> int:
    return chain.call("DataTracking", current_contract("DataTracking", chain=chain).address, "batchCount")


def nonce(chain) -> int:
    return chain.web3.eth.get_transaction_count(chain.signer)


def test_one_transaction_notarises_the_batch_and_every_proof_folds_to_its_root(deployed):
    predictions = issue(7)
    before = nonce(deployed)

    (settled,) = notary.notarize_pending(chain=deployed)

    batch = settled.batch
    assert nonce(deployed) == before + 1
    assert (batch.status, batch.count, batch.batch_id, settled.recovered) == (BatchStatus.CONFIRMED, 7, 0, False)
    assert deployed.receipt(batch.tx_hash).block_number == batch.block_number
    onchain_root = deployed.call("DataTracking", batch.contract.address, "getBatch", 0)[0]
    assert onchain_root == batch.root
    for prediction in predictions:
        proof = PredictionProof.objects.get(prediction=prediction)
        leaf = merkle.leaf_hash(merkle.record(prediction))
        assert proof.leaf_hash == merkle.to_hex(leaf)
        assert merkle.fold(leaf, [merkle.from_hex(h) for h in proof.proof]) == merkle.from_hex(onchain_root)


def test_the_kind_and_count_are_recorded_with_the_root(deployed):
    issue(3)
    (settled,) = notary.notarize_pending(chain=deployed)
    _, recorder, count, _, kind, block, _ = deployed.call(
        "DataTracking", settled.batch.contract.address, "getBatch", settled.batch.batch_id
    )
    assert (count, recorder, block) == (3, deployed.signer, settled.batch.block_number)
    assert kind == merkle.to_hex(merkle.kind_bytes32("predictions.v1"))


def test_a_second_run_records_nothing(deployed):
    issue(4)
    notary.notarize_pending(chain=deployed)
    before = nonce(deployed)

    assert notary.notarize_pending(chain=deployed) == []
    assert nonce(deployed) == before
    assert NotarisedBatch.objects.count() == 1 and batches_on_chain(deployed) == 1


def test_predictions_issued_later_go_in_a_new_batch_of_their_own(deployed):
    issue(4)
    notary.notarize_pending(chain=deployed)
    later = issue(2, start=dt.date(2015, 1, 2))

    (settled,) = notary.notarize_pending(chain=deployed)

    assert settled.batch.count == 2 and settled.batch.batch_id == 1
    assert {p.prediction_id for p in settled.batch.proofs.all()} == {p.pk for p in later}


def test_more_than_the_limit_is_one_transaction_per_batch(deployed):
    issue(5)
    before = nonce(deployed)

    settled = notary.notarize_pending(chain=deployed, limit=2)

    assert [s.batch.count for s in settled] == [2, 2, 1]
    assert nonce(deployed) == before + 3
    assert PredictionProof.objects.count() == 5


def test_a_crash_between_sending_and_storing_is_recovered_from_the_chain_without_sending_again(deployed):
    issue(5)
    contract = notary.data_tracking(deployed)
    batch = notary.reserve_batch(contract=contract)
    # The interrupted run: its transaction reached the chain, its result never reached the database.
    receipt = deployed.transact(
        "DataTracking", contract.address, "record", merkle.from_hex(batch.root), 5, merkle.kind_bytes32(), ""
    )
    before = nonce(deployed)

    (settled,) = notary.notarize_pending(chain=deployed)

    assert settled.recovered is True
    assert nonce(deployed) == before
    assert (settled.batch.tx_hash, settled.batch.block_number) == (receipt.tx_hash, receipt.block_number)
    assert settled.batch.status == BatchStatus.CONFIRMED and settled.batch.batch_id == 0
    assert batches_on_chain(deployed) == 1


def test_a_crash_before_sending_sends_the_reserved_batch_once(deployed):
    issue(3)
    batch = notary.reserve_batch(contract=notary.data_tracking(deployed))

    (settled,) = notary.notarize_pending(chain=deployed)

    assert settled.batch.pk == batch.pk and settled.recovered is False
    assert batches_on_chain(deployed) == 1


def test_a_run_delivered_twice_records_one_batch(deployed):
    issue(6)
    run = notary.create_run(trigger="beat")

    notarize_predictions.apply(args=[str(run.pk)])
    notarize_predictions.apply(args=[str(run.pk)])

    run.refresh_from_db()
    assert run.state == JobState.SUCCEEDED and run.attempts == 1
    assert run.result["notarised"] == 6
    assert NotarisedBatch.objects.count() == 1 and batches_on_chain(deployed) == 1


def test_the_beat_entry_delivered_twice_records_one_batch(deployed):
    issue(6)

    notarize_predictions.apply()
    notarize_predictions.apply()

    assert NotarisedBatch.objects.count() == 1 and batches_on_chain(deployed) == 1
    assert list(NotaryRun.objects.values_list("state", flat=True)) == [JobState.SUCCEEDED] * 2


def test_the_in_process_chain_restarted_from_its_journal_still_verifies(chain):
    (prediction,) = issue(1)
    notary.notarize_pending(chain=chain)

    reset_chains()  # a restart of `make run`: a new process replays the journal
    restarted = get_chain()

    assert restarted is not chain
    assert verify(prediction=prediction, chain=restarted)["verified"] is True


def test_without_a_key_nothing_is_reserved_and_the_run_says_why(anvil_chain, settings):
    deploy_contracts(chain=anvil_chain)
    issue(2)
    settings.ONCHAIN_PRIVATE_KEY = ""
    reset_chains()
    run = notary.create_run(trigger="command")

    notary.perform_run(run=run)

    run.refresh_from_db()
    assert (run.state, run.reason) == (JobState.FAILED, NotaryReason.NO_KEY)
    assert "No signing key" in run.error
    assert not NotarisedBatch.objects.exists()


def test_a_chain_without_data_tracking_is_a_failed_run_naming_deploy_contracts(anvil_chain):
    issue(2)
    run = notary.create_run(trigger="command")

    notary.perform_run(run=run)

    run.refresh_from_db()
    assert (run.state, run.reason) == (JobState.FAILED, NotaryReason.NOT_DEPLOYED)
    assert "deploy_contracts" in run.error


@pytest.fixture
def node_down(settings):
    from tests.anvil import free_port

    settings.ONCHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    settings.ONCHAIN_CHAIN_ID = None
    settings.ONCHAIN_PRIVATE_KEY = "0x" + "11" * 32
    settings.ONCHAIN_RPC_TIMEOUT = 2
    reset_chains()
    yield
    reset_chains()


def test_an_unreachable_node_ends_the_eager_run_failed_with_the_reason(node_down):
    issue(2)

    notarize_predictions.apply()

    run = NotaryRun.objects.get()
    assert (run.state, run.reason) == (JobState.FAILED, NotaryReason.UNREACHABLE)
    assert "not reachable" in run.error


def test_an_unreachable_node_leaves_a_retried_run_open_with_the_reason(node_down):
    issue(2)
    run = notary.create_run(trigger="beat")

    assert notary.perform_run(run=run, may_retry=True) is True

    run.refresh_from_db()
    assert (run.state, run.reason) == (JobState.RUNNING, NotaryReason.UNREACHABLE)
    assert run.message.startswith("Retrying")


def test_the_command_prints_the_batch_and_a_second_run_finds_nothing(deployed):
    import io

    from django.core.management import call_command

    issue(3)
    out = io.StringIO()
    call_command("notarize_predictions", stdout=out)
    call_command("notarize_predictions", stdout=out)

    batch = NotarisedBatch.objects.get()
    assert f"notarised: 3 prediction(s), root {batch.root}, tx {batch.tx_hash}" in out.getvalue()
    assert "nothing pending" in out.getvalue()


def test_the_command_fails_with_the_reason_when_the_node_is_down(node_down):
    from django.core.management import CommandError, call_command

    issue(1)
    with pytest.raises(CommandError, match="not reachable"):
        call_command("notarize_predictions")


def test_an_open_batch_for_a_deployment_the_chain_forgot_is_rebatched_on_the_new_contract(anvil_chain, anvil):
    issue(3)
    snapshot = anvil.snapshot()
    deploy_contracts(chain=anvil_chain)
    forgotten = notary.reserve_batch(contract=notary.data_tracking(anvil_chain))
    anvil.revert(snapshot)  # a reset node: the contract and the unsent batch's target are gone
    anvil_chain.send_value(ACCOUNTS[1], 1)  # so that the new deployment gets another address
    deploy_contracts(chain=anvil_chain)

    (settled,) = notary.notarize_pending(chain=anvil_chain)

    assert not NotarisedBatch.objects.filter(pk=forgotten.pk).exists()
    assert settled.batch.contract == current_contract("DataTracking", chain=anvil_chain)
    assert settled.batch.count == 3 and batches_on_chain(anvil_chain) == 1
