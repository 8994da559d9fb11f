"""GET /api/v1/predictions/{id}/verification/: recomputed from the stored prediction and the root
read from the chain, on the in-process chain and on anvil; faults answer fast and plainly."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.onchain import merkle
from apps.onchain.chain import reset_chains
from apps.onchain.models import NotarisedBatch, PredictionProof
from apps.onchain.services import notary
from apps.onchain.services.deployment import deploy_contracts
from apps.predictions.models import Prediction
from tests.accounts.factories import UserFactory
from tests.onchain.notary_data import issue

pytestmark = pytest.mark.django_db


def url(prediction) -> str:
    return f"/api/v1/predictions/{prediction.pk}/verification/"


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


@pytest.fixture(params=["chain", "anvil_chain"])
def notarised(request):
    """Five predictions notarised in one batch; the third is the one under test."""
    chain = request.getfixturevalue(request.param)
    deploy_contracts(chain=chain)
    predictions = issue(5)
    notary.notarize_pending(chain=chain)
    return chain, predictions[2]


def test_a_notarised_prediction_verifies_against_the_root_on_chain(api, notarised):
    chain, prediction = notarised
    body = api.get(url(prediction)).json()

    batch = NotarisedBatch.objects.get()
    assert body["verified"] is True and body["status"] == "notarised"
    assert body["hash"] == merkle.to_hex(merkle.leaf_hash(merkle.record(Prediction.objects.get(pk=prediction.pk))))
    assert body["root"] == chain.call("DataTracking", batch.contract.address, "getBatch", batch.batch_id)[0]
    assert (body["tx_hash"], body["block"], body["batch_id"]) == (batch.tx_hash, batch.block_number, batch.batch_id)
    assert (body["chain_id"], body["contract"]) == (chain.chain_id, batch.contract.address)
    assert body["proof"] == PredictionProof.objects.get(prediction=prediction).proof and len(body["proof"]) == 3
    assert body["record"]["id"] == str(prediction.pk) and body["encoding"] == "predictions.v1"


def test_a_changed_predicted_price_no_longer_verifies(api, notarised):
    _, prediction = notarised
    Prediction.objects.filter(pk=prediction.pk).update(predicted_price=prediction.predicted_price + Decimal("0.01"))

    body = api.get(url(prediction)).json()

    assert body["verified"] is False and body["status"] == "mismatch"
    assert "changed after it was notarised" in body["reason"]


def test_a_tampered_stored_proof_no_longer_verifies(api, notarised):
    _, prediction = notarised
    proof = PredictionProof.objects.get(prediction=prediction)
    proof.proof = [merkle.to_hex(b"\x01" * 32), *proof.proof[1:]]
    proof.save()

    assert api.get(url(prediction)).json()["verified"] is False


def test_a_garbled_stored_proof_is_not_verified_rather_than_an_error(api, notarised):
    _, prediction = notarised
    PredictionProof.objects.filter(prediction=prediction).update(proof=["not a hash"])

    response = api.get(url(prediction))

    assert response.status_code == 200 and response.json()["verified"] is False


def test_the_root_comes_from_the_chain_not_from_the_database(api, notarised):
    _, prediction = notarised
    NotarisedBatch.objects.update(root="0x" + "ab" * 32)

    body = api.get(url(prediction)).json()

    assert body["verified"] is True and body["root"] != "0x" + "ab" * 32


def test_a_prediction_not_notarised_yet_says_it_is_pending(api, chain):
    (prediction,) = issue(1)

    body = api.get(url(prediction)).json()

    assert (body["verified"], body["status"], body["tx_hash"], body["root"]) == (False, "pending", None, None)
    assert "Not notarised yet" in body["reason"]
    assert body["hash"] == merkle.to_hex(merkle.leaf_hash(merkle.record(prediction)))


def test_without_a_key_the_reason_says_no_key_is_configured(api, anvil_chain, settings):
    (prediction,) = issue(1)
    settings.ONCHAIN_PRIVATE_KEY = ""
    reset_chains()

    body = api.get(url(prediction)).json()

    assert (body["verified"], body["status"]) == (False, "no_key")
    assert "No signing key is configured" in body["reason"]


def test_after_a_run_that_found_the_node_down_the_reason_says_unreachable(api, settings):
    from tests.anvil import free_port

    (prediction,) = issue(1)
    settings.ONCHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    settings.ONCHAIN_PRIVATE_KEY = "0x" + "11" * 32
    reset_chains()
    notary.perform_run(run=notary.create_run(trigger="beat"))

    body = api.get(url(prediction)).json()

    assert (body["verified"], body["status"]) == (False, "unreachable")
    assert "not reachable" in body["reason"]
    reset_chains()


def test_a_node_that_is_down_answers_503_with_the_reason_fast(api, notarised, settings):
    from tests.anvil import free_port

    _, prediction = notarised
    settings.ONCHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    settings.ONCHAIN_CHAIN_ID = None
    reset_chains()
    started = time.monotonic()

    response = api.get(url(prediction))

    assert response.status_code == 503
    assert response.json()["code"] == "chain_unavailable" and "not reachable" in response.json()["detail"]
    assert time.monotonic() - started < 2
    reset_chains()


def test_a_node_that_hangs_answers_503_within_the_rpc_timeout(api, notarised, settings, silent_node):
    _, prediction = notarised
    settings.ONCHAIN_RPC_URL = silent_node
    settings.ONCHAIN_CHAIN_ID = None
    settings.ONCHAIN_RPC_TIMEOUT = 1
    reset_chains()
    started = time.monotonic()

    response = api.get(url(prediction))

    assert response.status_code == 503 and "did not answer within 1 s" in response.json()["detail"]
    assert time.monotonic() - started < 3
    reset_chains()


def test_an_unknown_prediction_is_404_in_the_error_shape(api, db):
    response = api.get(f"/api/v1/predictions/{uuid.uuid4()}/verification/")

    assert response.status_code == 404 and set(response.json()) == {"detail", "code", "fields"}


def test_anonymous_requests_are_refused_like_the_prediction_detail(chain):
    (prediction,) = issue(1)
    client = APIClient()

    assert client.get(url(prediction)).status_code == client.get(f"/api/v1/predictions/{prediction.pk}/").status_code
    assert client.get(url(prediction)).status_code in (401, 403)


def test_the_schema_documents_the_verification_fields(api, db):
    schema = api.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/predictions/{id}/verification/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][ref]["properties"]
    assert {"hash", "root", "proof", "tx_hash", "block", "chain_id", "contract", "verified"} <= set(fields)
    assert "503" in operation["responses"]
