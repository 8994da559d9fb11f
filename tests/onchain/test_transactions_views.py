"""/onchain/transactions/ pages through real URLs: the form, the list, the detail and its poll,
errors in place, and another user's transaction answering 404 through every page route."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.onchain.chain import reset_chains
from apps.onchain.models import TrackedTransaction
from tests.accounts.factories import UserFactory
from tests.onchain.factories import address, tx_hash
from tests.onchain.nodes import dead_url
from tests.onchain.transactions_helpers import RECEIVER, TrackedTransactionFactory, demo_token

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = "/onchain/transactions/"


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_form_and_ones_own_transactions(client, user):
    mine = TrackedTransactionFactory(owner=user)
    theirs = TrackedTransactionFactory()
    html = client.get(LIST).content.decode()
    assert 'id="track-form"' in html and 'name="tx_hash"' in html
    assert f'href="/onchain/transactions/{mine.pk}/"' in html
    assert theirs.tx_hash not in html and f"/onchain/transactions/{theirs.pk}/" not in html


def test_submitting_a_hash_with_htmx_sends_the_browser_to_its_page(client, user, chain):
    receipt = chain.send_value(RECEIVER, 1)
    response = client.post(LIST, {"tx_hash": receipt.tx_hash}, **HTMX)
    row = TrackedTransaction.objects.get(owner=user)
    assert response.status_code == 200 and response["HX-Redirect"] == f"/onchain/transactions/{row.pk}/"


def test_submitting_without_htmx_redirects(client, user, chain):
    response = client.post(LIST, {"tx_hash": chain.send_value(RECEIVER, 1).tx_hash})
    assert response.status_code == 302
    assert response["Location"] == f"/onchain/transactions/{TrackedTransaction.objects.get().pk}/"


def test_a_bad_hash_comes_back_in_the_form_fragment_with_422(client, chain):
    response = client.post(LIST, {"tx_hash": "0xnothex"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and 'id="track-form"' in html and "<html" not in html
    assert "64 hexadecimal digits" in html
    assert not TrackedTransaction.objects.exists()


def test_a_dead_node_is_shown_in_the_form_and_nothing_is_stored(client, settings, db):
    settings.ONCHAIN_RPC_URL = dead_url()
    reset_chains()
    response = client.post(LIST, {"tx_hash": tx_hash()}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 503 and 'id="track-form"' in html and "is not reachable" in html
    assert not TrackedTransaction.objects.exists()
    reset_chains()


def test_the_detail_shows_the_value_exactly_with_the_coins_decimals(client, user, chain):
    receipt = chain.send_value(RECEIVER, 1_500_000_000_000_000_001)
    client.post(LIST, {"tx_hash": receipt.tx_hash})
    row = TrackedTransaction.objects.get()
    html = client.get(f"/onchain/transactions/{row.pk}/").content.decode()
    assert "1.500000000000000001</span> ETH" in html
    assert RECEIVER in html and chain.signer in html and ">21000<" in html.replace("\n", "")
    assert "In-process chain (eth-tester)" in html and "a local chain" in html
    assert "etherscan" not in html  # no explorer on a local chain


def test_token_transfers_are_shown_with_the_tokens_decimals(client, user, chain):
    token = demo_token(chain, decimals=6, minted=10**9)
    receipt = chain.transact("DemoToken", token, "transfer", RECEIVER, 2_500_000)
    client.post(LIST, {"tx_hash": receipt.tx_hash})
    html = client.get(f"/onchain/transactions/{TrackedTransaction.objects.get().pk}/").content.decode()
    assert 'id="tx-transfers"' in html and "2.5 DMO" in html


def test_a_public_network_gets_explorer_links(client, user):
    row = TrackedTransactionFactory(owner=user, chain_id=11155111, from_address=address(), to_address=address())
    html = client.get(f"/onchain/transactions/{row.pk}/").content.decode()
    assert f"https://sepolia.etherscan.io/tx/{row.tx_hash}" in html
    assert f"https://sepolia.etherscan.io/address/{row.to_address}" in html
    assert "Sepolia" in html


def test_an_open_transaction_polls_and_the_poll_answers_the_status_fragment(client, user, anvil_chain, anvil, settings):
    settings.ONCHAIN_CONFIRMATIONS = 3
    reset_chains()
    client.post(LIST, {"tx_hash": anvil_chain.send_value(RECEIVER, 1).tx_hash})
    row = TrackedTransaction.objects.get()
    page = client.get(f"/onchain/transactions/{row.pk}/").content.decode()
    assert 'hx-trigger="every 5s"' in page and '1 <span class="muted small">(final from 3;' in page

    anvil.mine(2)
    TrackedTransaction.objects.filter(pk=row.pk).update(checked_at=None)
    poll = client.get(f"/onchain/transactions/{row.pk}/", **HTMX)
    html = poll.content.decode()
    assert poll.status_code == 200 and html.lstrip().startswith('<section id="tx-status"')
    assert '3 <span class="muted small">(final from 3;' in html and "hx-trigger" not in html  # final: the poll stops
    assert poll["Vary"].lower().count("hx-request") == 1


def test_a_final_transaction_does_not_poll(client, user):
    row = TrackedTransactionFactory(owner=user, final=True)
    html = client.get(f"/onchain/transactions/{row.pk}/").content.decode()
    main = html[html.index('<main id="content"') :]  # the header's notification bell listens for live events
    assert "hx-trigger" not in main


def test_the_detail_still_renders_and_says_why_when_the_node_is_down(client, user, settings, db):
    row = TrackedTransactionFactory(owner=user, status="pending", final=False, block_number=None)
    settings.ONCHAIN_RPC_URL = dead_url()
    reset_chains()
    response = client.get(f"/onchain/transactions/{row.pk}/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "Could not check the transaction now" in html
    assert "is not reachable" in html and "Pending" in html
    reset_chains()


def test_the_owner_stops_tracking_from_the_page(client, user):
    row = TrackedTransactionFactory(owner=user)
    response = client.post(f"/onchain/transactions/{row.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == LIST
    assert not TrackedTransaction.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(db):
    row = TrackedTransactionFactory()
    for url in (LIST, f"/onchain/transactions/{row.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
