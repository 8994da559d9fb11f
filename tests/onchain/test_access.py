"""Access control through every on-chain face: another user's tracked address, tracked token or
tracked transaction answers 404 whatever the method, and nothing of it changes.

``test_every_onchain_route_with_an_owned_object_answers_404_to_another_user`` walks the URL
resolver: every pattern of the "onchain" and "onchain-api" namespaces that takes a parameter is
requested by a second user with GET, POST, PUT, PATCH and DELETE (JSON and form bodies). A
parameter this test cannot fill fails the test, so routes added later (transaction tracking) are
covered as soon as they exist: ``address_id`` is a tracked address, ``address`` a tracked token's
contract, anything named like a transaction (``transaction``, ``tx``, ``*_id``/``pk`` under
``transactions/``) a TrackedTransaction row, and a ``*hash`` parameter that row's hash.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from apps.onchain.models import AddressKind, TrackedAddress, TrackedTransaction
from tests.accounts.factories import UserFactory
from tests.onchain.factories import TokenFactory, TrackedAddressFactory, TransferFactory, tx_hash
from tests.url_walk import route_params, walk

pytestmark = pytest.mark.django_db

ONCHAIN_NAMESPACES = {"onchain", "onchain-api"}
# A prediction's verification is as public as the prediction itself (any signed-in user, like
# /api/v1/predictions/{id}/): nobody owns it, so it is not part of this walk (tested in
# tests/onchain/test_verification_api.py).
NOT_OWNED = {"onchain-api:prediction-verification"}
METHODS = ["get", "post", "put", "patch", "delete"]
HOSTILE_BODY = {"label": "taken over", "address": "0x" + "ab" * 20, "kind": "wallet", "tx_hash": "0x" + "cd" * 32}


def onchain_routes():
    """(route, url name, parameter names) of every on-chain pattern that takes a parameter."""
    found = []
    for route, namespaces, pattern in walk(get_resolver().url_patterns):
        params = route_params(route)
        name = ":".join((*namespaces, pattern.name)) if pattern.name else None
        if params and set(namespaces) & ONCHAIN_NAMESPACES and name not in NOT_OWNED:
            found.append((route, name, params))
    return found


@pytest.fixture
def owned():
    owner = UserFactory()
    wallet = TrackedAddressFactory(owner=owner, label="owner's wallet")
    token = TokenFactory()
    tracked_token = TrackedAddressFactory(
        owner=owner, kind=AddressKind.TOKEN, address=token.address, token=token, label="owner's token"
    )
    transaction = TrackedTransaction.objects.create(owner=owner, chain_id=wallet.chain_id, tx_hash=tx_hash())
    return {"owner": owner, "wallet": wallet, "token": tracked_token, "transaction": transaction}


def _value_for(route: str, param: str, objects: dict):
    if param == "address_id" or (param in ("pk", "id") and "addresses/" in route):
        return objects["wallet"].pk
    if param == "address":
        return objects["token"].address
    if "hash" in param:
        return objects["transaction"].tx_hash
    if re.search(r"transaction|tx", param) or (param in ("pk", "id") and "transactions/" in route):
        return objects["transaction"].pk
    return None


def test_every_onchain_route_with_an_owned_object_answers_404_to_another_user(owned):
    routes = onchain_routes()
    names = {name for _, name, _ in routes}
    # The walk must find the routes it is meant to police (a walker that finds nothing proves nothing).
    assert {
        "onchain:address-row",
        "onchain:address-edit",
        "onchain:address-delete",
        "onchain-api:address-detail",
        "onchain-api:token-daily",
        "onchain:transaction",
        "onchain:transaction-delete",
        "onchain-api:transaction-detail",
    } <= names

    owner = Client()
    owner.force_login(owned["owner"])
    intruder = Client()
    intruder.force_login(UserFactory())
    uncovered = []
    for route, name, params in routes:
        kwargs = {param: _value_for(route, param, owned) for param in params}
        if name is None or any(value is None for value in kwargs.values()):
            uncovered.append(route)
            continue
        url = reverse(name, kwargs=kwargs)
        assert owner.get(url).status_code != 404, f"owner gets 404 on {url}: the test fills {name} wrongly"
        for method in METHODS:
            if method == "get":
                response = intruder.get(url, HTTP_HX_REQUEST="true")
            else:
                response = getattr(intruder, method)(url, HOSTILE_BODY, content_type="application/json")
                form = getattr(intruder, method)(url, HOSTILE_BODY) if method == "post" else response
                assert form.status_code == 404, f"{method.upper()} (form) {url} → {form.status_code}"
            assert response.status_code == 404, f"{method.upper()} {url} → {response.status_code}"
    assert not uncovered, f"routes this test cannot fill (teach _value_for their parameters): {uncovered}"

    assert set(TrackedAddress.objects.values_list("label", flat=True)) == {"owner's wallet", "owner's token"}
    assert TrackedAddress.objects.count() == 2 and TrackedTransaction.objects.count() == 1


def test_lists_show_only_ones_own_addresses_and_transfers(chain):
    mine = TrackedAddressFactory(label="Mine")
    theirs = TrackedAddressFactory(label="Theirs")
    my_transfer = TransferFactory(to_address=mine.address)
    their_transfer = TransferFactory(to_address=theirs.address)
    client = Client()
    client.force_login(mine.owner)
    page = client.get("/onchain/").content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert my_transfer.tx_hash in page and their_transfer.tx_hash not in page
    api = client.get("/api/v1/onchain/addresses/").json()
    assert [a["label"] for a in api["results"]] == ["Mine"]
    transfers = client.get("/api/v1/onchain/transfers/").json()
    assert [t["tx_hash"] for t in transfers["results"]] == [my_transfer.tx_hash]


def test_anonymous_callers_are_sent_to_login_or_refused():
    tracked = TrackedAddressFactory()
    client = Client()
    page = client.get(f"/onchain/addresses/{tracked.pk}/edit/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert client.post(f"/onchain/addresses/{tracked.pk}/delete/").status_code == 302
    assert APIClient().get(f"/api/v1/onchain/addresses/{tracked.pk}/").status_code == 401
    assert TrackedAddress.objects.filter(pk=tracked.pk).exists()


def test_a_bearer_token_of_another_user_gets_404_and_changes_nothing():
    from rest_framework_simplejwt.tokens import RefreshToken

    tracked = TrackedAddressFactory(label="kept")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(UserFactory()).access_token}")
    url = f"/api/v1/onchain/addresses/{tracked.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"label": "mine"}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    tracked.refresh_from_db()
    assert tracked.label == "kept"
