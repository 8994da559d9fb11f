"""The on-chain API: tracked addresses (CRUD, own only), transfers (filters, pagination), token
daily aggregates, status; error shape, 400 naming the field, 404 for another user, 503 node down."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from rest_framework.test import APIClient

from apps.onchain.models import AddressKind, TokenDaily, TrackedAddress
from tests.accounts.factories import UserFactory
from tests.anvil import ACCOUNTS
from tests.onchain.faces import DOWN_TIMEOUT, node_down
from tests.onchain.factories import TokenFactory, TrackedAddressFactory, TransferFactory

pytestmark = pytest.mark.django_db

ADDRESSES = "/api/v1/onchain/addresses/"
TRANSFERS = "/api/v1/onchain/transfers/"
UINT256_MAX = 2**256 - 1


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    return body


# --- addresses ----------------------------------------------------------------------------------


def test_tracking_a_wallet_answers_201_with_the_checksummed_address(chain, api):
    response = api.post(ADDRESSES, {"address": ACCOUNTS[1].lower(), "label": "hot"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("address", "chain_id", "kind", "label", "token")} == {
        "address": ACCOUNTS[1],
        "chain_id": chain.chain_id,
        "kind": "wallet",
        "label": "hot",
        "token": None,
    }
    assert TrackedAddress.objects.get(pk=body["id"]).address == ACCOUNTS[1]


def test_tracking_a_token_answers_its_metadata(anvil_chain, api):
    contract = anvil_chain.deploy("DemoToken", "Demo", "DMO", 8).contract_address
    body = api.post(ADDRESSES, {"address": contract, "kind": "token"}, format="json").json()
    assert body["kind"] == "token" and body["token"] == {
        "address": contract,
        "name": "Demo",
        "symbol": "DMO",
        "decimals": 8,
    }
    assert body["network"] == "Local node (anvil/hardhat)"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"address": "0x12"}, "address"),
        ({"address": ACCOUNTS[1].replace("C", "c", 1)}, "address"),
        ({"address": ACCOUNTS[1], "kind": "contract"}, "kind"),
        ({"address": ACCOUNTS[1], "label": "x" * 101}, "label"),
        ({"address": 42}, "address"),
        ({}, "address"),
    ],
)
def test_bad_input_answers_400_naming_the_field(chain, api, payload, field):
    body = _error(api.post(ADDRESSES, payload, format="json"), 400)
    assert field in body["fields"]


def test_tracking_an_address_twice_answers_409(chain, api):
    api.post(ADDRESSES, {"address": ACCOUNTS[1]}, format="json")
    body = _error(api.post(ADDRESSES, {"address": ACCOUNTS[1].lower()}, format="json"), 409)
    assert body["code"] == "already_tracked" and "already track" in body["fields"]["address"][0]


def test_tracking_a_token_with_the_node_down_answers_503_within_the_timeout(settings, api):
    node_down(settings, chain_id=11155111)
    started = time.monotonic()
    body = _error(api.post(ADDRESSES, {"address": ACCOUNTS[1], "kind": "token"}, format="json"), 503)
    assert time.monotonic() - started < DOWN_TIMEOUT
    assert body["code"] == "chain_unavailable" and "not reachable" in body["detail"]


def test_the_list_holds_only_ones_own_addresses_paginated(api, user):
    mine = [TrackedAddressFactory(owner=user, label=f"mine {i}") for i in range(3)]
    TrackedAddressFactory(label="theirs")
    body = api.get(ADDRESSES, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    labels = [r["label"] for r in body["results"] + api.get(body["next"]).json()["results"]]
    assert labels == sorted(a.label for a in mine)


def test_patch_changes_the_label_only(api, user):
    tracked = TrackedAddressFactory(owner=user, label="old")
    response = api.patch(f"{ADDRESSES}{tracked.pk}/", {"label": "new", "address": ACCOUNTS[0]}, format="json")
    assert response.status_code == 200 and response.json()["label"] == "new"
    tracked.refresh_from_db()
    assert (tracked.label, tracked.address) != ("old", ACCOUNTS[0]) and tracked.address != ACCOUNTS[0]


def test_put_replaces_the_label(api, user):
    tracked = TrackedAddressFactory(owner=user, label="old")
    assert api.put(f"{ADDRESSES}{tracked.pk}/", {"label": ""}, format="json").json()["label"] == ""


def test_an_empty_patch_answers_400(api, user):
    tracked = TrackedAddressFactory(owner=user)
    assert _error(api.patch(f"{ADDRESSES}{tracked.pk}/", {}, format="json"), 400)["code"] == "nothing_to_change"


def test_delete_untracks(api, user):
    tracked = TrackedAddressFactory(owner=user)
    assert api.delete(f"{ADDRESSES}{tracked.pk}/").status_code == 204
    assert not TrackedAddress.objects.filter(pk=tracked.pk).exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_users_address_answers_404(api, method):
    theirs = TrackedAddressFactory(label="theirs")
    response = getattr(api, method)(f"{ADDRESSES}{theirs.pk}/", {"label": "mine now"}, format="json")
    assert _error(response, 404)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.label == "theirs"


def test_an_id_beyond_any_row_answers_404_not_a_database_error(api):
    assert _error(api.get(f"{ADDRESSES}{2**70}/"), 404)["code"] == "not_found"


def test_signed_out_callers_are_refused(chain):
    assert APIClient().get(ADDRESSES).status_code == 401


# --- transfers ----------------------------------------------------------------------------------


@pytest.fixture
def book(user):
    """A tracked wallet and a tracked token of the user, and transfers of others."""
    wallet = TrackedAddressFactory(owner=user)
    token = TokenFactory(symbol="USDX", decimals=6)
    TrackedAddressFactory(owner=user, kind=AddressKind.TOKEN, address=token.address, token=token)
    other_token = TokenFactory(symbol="OTH", decimals=18)
    at = dt.datetime(2024, 3, 10, 12, tzinfo=dt.UTC)
    rows = {
        "native_in": TransferFactory(
            token=None, log_index=-1, to_address=wallet.address, block_number=10, timestamp=at
        ),
        "other_out": TransferFactory(
            token=other_token, from_address=wallet.address, block_number=20, timestamp=at + dt.timedelta(days=1)
        ),
        "token_any": TransferFactory(
            token=token, block_number=30, timestamp=at + dt.timedelta(days=2), value=UINT256_MAX, final=False
        ),
        "unrelated": TransferFactory(token=other_token, block_number=40, timestamp=at),
        "other_chain": TransferFactory(
            chain_id=1, token=None, log_index=-1, to_address=wallet.address, block_number=50
        ),
    }
    return {"wallet": wallet, "token": token, "other_token": other_token, **rows}


def _hashes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {r["tx_hash"] for r in response.json()["results"]}


def test_transfers_are_those_of_ones_own_tracked_wallets_and_tokens(api, book):
    assert _hashes(api.get(TRANSFERS)) == {book[k].tx_hash for k in ("native_in", "other_out", "token_any")}


def test_a_transfer_has_the_documented_fields_and_exact_amounts(api, book):
    rows = {r["tx_hash"]: r for r in api.get(TRANSFERS).json()["results"]}
    token_row = rows[book["token_any"].tx_hash]
    assert token_row["value"] == str(UINT256_MAX) and token_row["decimals"] == 6 and token_row["final"] is False
    assert token_row["token"] == book["token"].address and token_row["symbol"] == "USDX"
    assert token_row["amount"] == f"{UINT256_MAX // 10**6}.{UINT256_MAX % 10**6:06d}"
    native = rows[book["native_in"].tx_hash]
    assert native["token"] is None and native["decimals"] == 18 and native["log_index"] == -1
    assert set(native) >= {
        "chain_id",
        "tx_hash",
        "log_index",
        "block_number",
        "timestamp",
        "from_address",
        "to_address",
        "token",
        "value",
        "decimals",
        "final",
    }


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"from_block": 15}, {"other_out", "token_any"}),
        ({"to_block": 20}, {"native_in", "other_out"}),
        ({"from_block": 15, "to_block": 25}, {"other_out"}),
        ({"start": "2024-03-11"}, {"other_out", "token_any"}),
        ({"end": "2024-03-11"}, {"native_in", "other_out"}),
        ({"start": "2024-03-10T13:00:00Z", "end": "2024-03-12T11:00:00+00:00"}, {"other_out"}),
        ({"token": "native"}, {"native_in"}),
        ({"start": ""}, {"native_in", "other_out", "token_any"}),
    ],
)
def test_transfer_filters(api, book, params, expected):
    assert _hashes(api.get(TRANSFERS, params)) == {book[k].tx_hash for k in expected}


def test_the_token_filter_takes_a_contract_address_in_any_case(api, book):
    assert _hashes(api.get(TRANSFERS, {"token": book["token"].address.lower()})) == {book["token_any"].tx_hash}


def test_the_address_filter_matches_sender_receiver_or_token(api, book):
    assert _hashes(api.get(TRANSFERS, {"address": book["wallet"].address})) == {
        book["native_in"].tx_hash,
        book["other_out"].tx_hash,
    }
    assert _hashes(api.get(TRANSFERS, {"address": book["token"].address})) == {book["token_any"].tx_hash}


def test_the_chain_id_filter_narrows_to_one_chain(api, book, user):
    TrackedAddressFactory(owner=user, chain_id=1, address=book["wallet"].address)
    assert _hashes(api.get(TRANSFERS, {"chain_id": 1})) == {book["other_chain"].tx_hash}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"address": "0xnope"}, "address"),
        ({"token": "USDX"}, "token"),
        ({"from_block": "ten"}, "from_block"),
        ({"from_block": -1}, "from_block"),
        ({"to_block": "1.5"}, "to_block"),
        ({"from_block": 9, "to_block": 3}, "to_block"),
        ({"start": "yesterday"}, "start"),
        ({"end": "2024-13-01"}, "end"),
        ({"start": "2024-03-12", "end": "2024-03-11"}, "end"),
        ({"page_size": 0}, "page_size"),
        ({"from_block": 2**63}, "from_block"),
        ({"chain_id": 2**64}, "chain_id"),
    ],
)
def test_an_invalid_filter_answers_400_naming_it(api, book, params, field):
    assert field in _error(api.get(TRANSFERS, params), 400)["fields"]


def test_transfers_paginate(api, book):
    body = api.get(TRANSFERS, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert [r["block_number"] for r in body["results"]] == [30, 20]


# --- token daily --------------------------------------------------------------------------------


def _daily(token, day: dt.date, count: int, volume: int) -> TokenDaily:
    return TokenDaily.objects.create(
        token=token,
        day=day,
        transfer_count=count,
        volume=volume,
        unique_senders=1,
        unique_receivers=1,
        large_transfers=0,
    )


def test_the_daily_aggregates_of_a_tracked_token_oldest_first(api, book):
    token = book["token"]
    _daily(token, dt.date(2024, 3, 2), 5, UINT256_MAX)
    _daily(token, dt.date(2024, 3, 1), 2, 300)
    body = api.get(f"/api/v1/onchain/tokens/{token.address.lower()}/daily/").json()
    assert [(r["day"], r["transfer_count"], r["volume"]) for r in body["results"]] == [
        ("2024-03-01", 2, "300"),
        ("2024-03-02", 5, str(UINT256_MAX)),
    ]


def test_daily_aggregates_filter_by_day(api, book):
    token = book["token"]
    for day in (1, 2, 3):
        _daily(token, dt.date(2024, 3, day), day, day)
    body = api.get(
        f"/api/v1/onchain/tokens/{token.address}/daily/", {"start": "2024-03-02", "end": "2024-03-02"}
    ).json()
    assert [r["day"] for r in body["results"]] == ["2024-03-02"]


def test_a_token_one_does_not_track_answers_404(api, book):
    _daily(book["other_token"], dt.date(2024, 3, 1), 1, 1)
    assert _error(api.get(f"/api/v1/onchain/tokens/{book['other_token'].address}/daily/"), 404)["code"] == "not_found"


@pytest.mark.parametrize("path, field", [("0x1234", "address"), ("{token}?start=march", "start")])
def test_a_bad_daily_request_answers_400_naming_the_field(api, book, path, field):
    url = f"/api/v1/onchain/tokens/{path.format(token=book['token'].address)}"
    url = url.replace("?", "/daily/?") if "?" in url else url + "/daily/"
    assert field in _error(api.get(url), 400)["fields"]


def test_an_undeclared_method_on_an_invalid_token_address_answers_405(api):
    assert api.generic("TRACE", "/api/v1/onchain/tokens/0/daily/").status_code == 405
    assert api.post("/api/v1/onchain/tokens/0/daily/").status_code == 405


# --- status -------------------------------------------------------------------------------------


def test_status_of_a_connected_chain(chain, api):
    body = api.get("/api/v1/onchain/status/").json()
    assert body["connected"] is True and body["chain_id"] == chain.chain_id
    assert body["network"] == "In-process chain (eth-tester)" and body["head_block"] == chain.head()
    assert {"synced_block", "lag", "last_sync", "read_only", "signer", "confirmations", "reason"} <= set(body)
    assert "private_key" not in str(body).lower()


def test_status_with_the_node_down_answers_200_not_connected_within_the_timeout(settings, api):
    node_down(settings)
    started = time.monotonic()
    response = api.get("/api/v1/onchain/status/")
    assert time.monotonic() - started < DOWN_TIMEOUT
    body = response.json()
    assert response.status_code == 200 and body["connected"] is False and "not reachable" in body["reason"]
    assert body["chain_id"] is None and body["read_only"] is True


# --- schema -------------------------------------------------------------------------------------


def test_the_schema_documents_every_onchain_operation(api):
    import yaml

    schema = yaml.safe_load(api.get("/api/v1/schema/").content)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/onchain/addresses/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/onchain/addresses/{address_id}/"])
    params = {p["name"] for p in paths["/api/v1/onchain/transfers/"]["get"]["parameters"]}
    assert {"address", "token", "from_block", "to_block", "start", "end", "page", "page_size"} <= params
    assert "get" in paths["/api/v1/onchain/tokens/{address}/daily/"]
    status = schema["components"]["schemas"]["StatusOutput"]["properties"]
    assert {"connected", "chain_id", "network", "head_block", "synced_block", "lag", "last_sync"} <= set(status)
    assert schema["components"]["schemas"]["TransferOutput"]["properties"]["value"]["type"] == "string"
