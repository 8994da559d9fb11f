"""/api/v1/onchain/transactions/: tracking through the API, its errors, and who sees what."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.onchain.chain import reset_chains
from apps.onchain.models import TrackedTransaction
from tests.accounts.factories import UserFactory
from tests.onchain.factories import tx_hash
from tests.onchain.nodes import dead_url, hung_node
from tests.onchain.transactions_helpers import (
    RECEIVER,
    TrackedTransactionFactory,
    demo_token,
    send_reverting_transfer,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/onchain/transactions/"
FIELDS = {
    "id",
    "tx_hash",
    "status",
    "confirmations",
    "from_address",
    "to_address",
    "value",
    "gas_used",
    "block_number",
    "transfers",
}


def _client(user=None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user or UserFactory())
    return client


@pytest.mark.parametrize("which", ["chain", "anvil_chain"])
def test_a_submitted_transfer_answers_201_with_the_issues_fields(which, request):
    chain = request.getfixturevalue(which)
    receipt = chain.send_value(RECEIVER, 10**18 + 1)

    response = _client().post(URL, {"tx_hash": receipt.tx_hash}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= FIELDS
    assert body["status"] == "confirmed" and body["value"] == "1000000000000000001"
    assert (body["from_address"], body["to_address"]) == (chain.signer, RECEIVER)
    assert (body["gas_used"], body["block_number"]) == (21000, receipt.block_number)
    assert body["chain_id"] == chain.chain_id and body["explorer_url"] == ""  # local chains have no explorer


def test_token_transfers_come_with_values_as_strings(anvil_chain):
    token = demo_token(anvil_chain, decimals=18, minted=10**30)
    receipt = anvil_chain.transact("DemoToken", token, "transfer", RECEIVER, 10**25 + 3)
    body = _client().post(URL, {"tx_hash": receipt.tx_hash}, format="json").json()
    assert [(t["token"], t["value"], t["decimals"], t["symbol"]) for t in body["transfers"]] == [
        (token, "10000000000000000000000003", 18, "DMO")
    ]


def test_a_reverted_transaction_answers_failed(anvil_chain):
    reverted = send_reverting_transfer(anvil_chain, demo_token(anvil_chain))
    body = _client().post(URL, {"tx_hash": reverted}, format="json").json()
    assert body["status"] == "failed" and body["transfers"] == []


def test_the_same_hash_twice_answers_the_same_row(chain):
    client = _client()
    receipt = chain.send_value(RECEIVER, 1)
    first = client.post(URL, {"tx_hash": receipt.tx_hash}, format="json")
    second = client.post(URL, {"tx_hash": receipt.tx_hash}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


@pytest.mark.parametrize(
    "body",
    [{}, {"tx_hash": ""}, {"tx_hash": "0x1234"}, {"tx_hash": "0x" + "z" * 64}, {"tx_hash": 42}, {"tx_hash": None}],
)
def test_a_bad_hash_is_400_naming_tx_hash(chain, body):
    response = _client().post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["tx_hash"]
    assert not TrackedTransaction.objects.exists()


def test_a_dead_node_answers_503_fast_and_stores_nothing(settings, db):
    settings.ONCHAIN_RPC_URL = dead_url()
    settings.ONCHAIN_RPC_TIMEOUT = 2
    reset_chains()
    started = time.monotonic()
    response = _client().post(URL, {"tx_hash": tx_hash()}, format="json")
    elapsed = time.monotonic() - started
    assert response.status_code == 503 and response.json()["code"] == "chain_unavailable"
    assert "not reachable" in response.json()["detail"]
    assert elapsed < 2
    assert not TrackedTransaction.objects.exists()
    reset_chains()


def test_a_node_that_never_answers_is_503_within_the_timeout(settings, db):
    with hung_node() as url:
        settings.ONCHAIN_RPC_URL = url
        settings.ONCHAIN_RPC_TIMEOUT = 1
        reset_chains()
        started = time.monotonic()
        response = _client().post(URL, {"tx_hash": tx_hash()}, format="json")
        elapsed = time.monotonic() - started
    assert response.status_code == 503 and "did not answer within 1 s" in response.json()["detail"]
    assert elapsed < 2.5
    assert not TrackedTransaction.objects.exists()
    reset_chains()


def test_a_node_on_another_chain_is_503_naming_both_ids(anvil_chain, settings):
    settings.ONCHAIN_CHAIN_ID = 5
    reset_chains()
    response = _client().post(URL, {"tx_hash": tx_hash()}, format="json")
    assert response.status_code == 503 and response.json()["code"] == "chain_id_mismatch"
    assert "chain 31337" in response.json()["detail"] and "ONCHAIN_CHAIN_ID is 5" in response.json()["detail"]
    assert not TrackedTransaction.objects.exists()


def test_the_list_is_paginated_and_holds_only_ones_own(db):
    user = UserFactory()
    mine = TrackedTransactionFactory.create_batch(3, owner=user)
    TrackedTransactionFactory()  # someone else's
    body = _client(user).get(URL, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    everything = _client(user).get(URL, {"page_size": 10}).json()["results"]
    assert {r["id"] for r in everything} == {m.pk for m in mine}


def test_the_list_filters_by_status(db):
    user = UserFactory()
    TrackedTransactionFactory(owner=user)
    failed = TrackedTransactionFactory(owner=user, status="failed")
    body = _client(user).get(URL, {"status": "failed"}).json()
    assert [r["id"] for r in body["results"]] == [failed.pk]


def test_an_unknown_status_filter_is_400_naming_it(db):
    response = _client().get(URL, {"status": "lost"})
    assert response.status_code == 400 and list(response.json()["fields"]) == ["status"]


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_another_users_transaction_is_404_for_every_method(db, method):
    theirs = TrackedTransactionFactory()
    response = getattr(_client(), method)(f"{URL}{theirs.pk}/", {"tx_hash": tx_hash()}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert TrackedTransaction.objects.filter(pk=theirs.pk, status="confirmed").exists()


def test_the_owner_may_not_change_a_transaction(db):
    row = TrackedTransactionFactory()
    assert _client(row.owner).patch(f"{URL}{row.pk}/", {"status": "failed"}, format="json").status_code == 405


def test_the_owner_stops_tracking_with_delete(db):
    row = TrackedTransactionFactory()
    assert _client(row.owner).delete(f"{URL}{row.pk}/").status_code == 204
    assert not TrackedTransaction.objects.filter(pk=row.pk).exists()


def test_anonymous_requests_are_refused(db):
    row = TrackedTransactionFactory()
    assert APIClient().get(f"{URL}{row.pk}/").status_code in (401, 403)
    assert APIClient().post(URL, {"tx_hash": tx_hash()}, format="json").status_code in (401, 403)


def test_reading_an_open_transaction_checks_it_again(anvil_chain, anvil, settings):
    settings.ONCHAIN_CONFIRMATIONS = 3
    reset_chains()
    client = _client()
    receipt = anvil_chain.send_value(RECEIVER, 1)
    created = client.post(URL, {"tx_hash": receipt.tx_hash}, format="json").json()
    assert (created["confirmations"], created["final"]) == (1, False)
    anvil.mine(2)
    TrackedTransaction.objects.filter(pk=created["id"]).update(checked_at=None)  # not within MIN_RECHECK
    body = client.get(f"{URL}{created['id']}/").json()
    assert (body["confirmations"], body["final"]) == (3, True)


def test_reading_while_the_node_is_down_answers_the_stored_state_with_the_reason(chain, settings):
    user = UserFactory()
    row = TrackedTransactionFactory(owner=user, status="pending", final=False)
    client = _client(user)
    settings.ONCHAIN_RPC_URL = dead_url()
    reset_chains()
    response = client.get(f"{URL}{row.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and "not reachable" in response.json()["check_error"]


@pytest.mark.parametrize("transaction_id", ["0", "9223372036854775808", "99999999999999999999999999"])
def test_an_id_beyond_any_row_is_404_not_an_error(db, transaction_id):
    assert _client().get(f"{URL}{transaction_id}/").status_code == 404
    client = Client()
    client.force_login(UserFactory())
    assert client.get(f"/onchain/transactions/{transaction_id}/").status_code == 404
