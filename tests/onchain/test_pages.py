"""The on-chain page /onchain/: full page, htmx partials, errors in place, a node that is down."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.onchain.models import AddressKind, TrackedAddress
from apps.onchain.networks import IN_PROCESS_CHAIN_ID
from tests.accounts.factories import UserFactory
from tests.anvil import ACCOUNTS
from tests.onchain.faces import node_down, signed_in
from tests.onchain.factories import TokenFactory, TrackedAddressFactory, TransferFactory, address

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def user():
    return UserFactory()


def test_the_page_shows_the_chain_status_of_the_in_process_chain(chain, user):
    page = signed_in(user).get("/onchain/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-status="connected"' in text
    assert "In-process chain (eth-tester)" in text and "a local development chain" in text
    assert f"<dd>{IN_PROCESS_CHAIN_ID}</dd>" in text
    assert f"<dd>{chain.head()}</dd>" in text


def test_the_page_renders_from_the_database_when_the_node_is_down(settings, user):
    node_down(settings, chain_id=11155111)
    TrackedAddressFactory(owner=user, chain_id=11155111, label="cold wallet")
    page = signed_in(user).get("/onchain/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-status="disconnected"' in text and "is not reachable" in text
    assert "cold wallet" in text and "Sepolia" in text
    assert "trend signals are read from the TrendAnalysis contract" in text


def test_read_only_mode_is_said_plainly(settings, user):
    node_down(settings)
    text = signed_in(user).get("/onchain/").content.decode()
    assert 'data-status="read-only"' in text and "no signing key is configured" in text


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get("/onchain/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_tracking_a_wallet_answers_the_addresses_partial(chain, user):
    raw = ACCOUNTS[3].lower()
    response = signed_in(user).post("/onchain/addresses/", {"address": raw, "kind": "wallet", "label": "hot"}, **HTMX)
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text and 'id="addresses"' in text
    tracked = TrackedAddress.objects.get(owner=user)
    assert tracked.address != raw and tracked.address.lower() == raw
    assert tracked.address in text and "hot" in text


def test_tracking_without_htmx_redirects_to_the_page(chain, user):
    response = signed_in(user).post("/onchain/addresses/", {"address": address(), "kind": "wallet"})
    assert response.status_code == 302 and response["Location"] == "/onchain/"


def test_an_invalid_address_answers_422_with_the_error_in_the_form(chain, user):
    response = signed_in(user).post("/onchain/addresses/", {"address": "0x1234", "kind": "wallet"}, **HTMX)
    text = response.content.decode()
    assert response.status_code == 422 and 'id="track-form"' in text
    assert "is not an Ethereum address" in text
    assert not TrackedAddress.objects.exists()


def test_a_duplicate_answers_422_saying_it_is_already_tracked(chain, user):
    tracked = TrackedAddressFactory(owner=user, chain_id=chain.chain_id)
    response = signed_in(user).post("/onchain/addresses/", {"address": tracked.address, "kind": "wallet"}, **HTMX)
    assert response.status_code == 422 and "You already track" in response.content.decode()


def test_tracking_a_token_while_the_node_is_down_answers_503_with_the_reason_in_place(settings, user):
    node_down(settings, chain_id=11155111)
    response = signed_in(user).post("/onchain/addresses/", {"address": address(), "kind": "token"}, **HTMX)
    text = response.content.decode()
    assert response.status_code == 503 and 'id="track-form"' in text and "is not reachable" in text
    assert not TrackedAddress.objects.exists()


def test_the_label_form_comes_as_a_row_partial(user):
    tracked = TrackedAddressFactory(owner=user, label="old")
    response = signed_in(user).get(f"/onchain/addresses/{tracked.pk}/edit/", **HTMX)
    text = response.content.decode()
    assert response.status_code == 200 and text.lstrip().startswith(f'<tr id="address-{tracked.pk}"')
    assert 'value="old"' in text


def test_relabelling_answers_the_addresses_partial_with_the_new_label(chain, user):
    tracked = TrackedAddressFactory(owner=user, label="old")
    response = signed_in(user).post(
        f"/onchain/addresses/{tracked.pk}/edit/", {f"a{tracked.pk}-label": "savings"}, **HTMX
    )
    assert response.status_code == 200 and "savings" in response.content.decode()
    tracked.refresh_from_db()
    assert tracked.label == "savings"


def test_a_label_too_long_stays_in_its_row_with_the_error(user):
    tracked = TrackedAddressFactory(owner=user, label="old")
    response = signed_in(user).post(
        f"/onchain/addresses/{tracked.pk}/edit/", {f"a{tracked.pk}-label": "x" * 101}, **HTMX
    )
    assert response.status_code == 422 and response["HX-Retarget"] == f"#address-{tracked.pk}"
    assert "at most 100 characters" in response.content.decode()
    tracked.refresh_from_db()
    assert tracked.label == "old"


def test_removing_an_address_answers_the_partial_without_it(chain, user):
    tracked = TrackedAddressFactory(owner=user, label="gone soon")
    response = signed_in(user).post(f"/onchain/addresses/{tracked.pk}/delete/", **HTMX)
    assert response.status_code == 200 and "gone soon" not in response.content.decode()
    assert not TrackedAddress.objects.filter(pk=tracked.pk).exists()


def test_transfers_show_amounts_with_the_tokens_decimals_exactly(chain, user):
    wallet = TrackedAddressFactory(owner=user)
    token = TokenFactory(symbol="USDX", decimals=6)
    TransferFactory(token=token, to_address=wallet.address, value=1_500_000)
    TransferFactory(token=token, to_address=wallet.address, value=123_456_789_012_345_678_901_234_567)
    text = signed_in(user).get("/onchain/").content.decode()
    assert "1.5 USDX" in text
    assert "123,456,789,012,345,678,901.234567 USDX" in text


def test_transfers_on_a_public_network_link_to_its_explorer(chain, user):
    wallet = TrackedAddressFactory(owner=user, chain_id=11155111)
    transfer = TransferFactory(chain_id=11155111, token=None, log_index=-1, from_address=wallet.address, value=10**18)
    text = signed_in(user).get("/onchain/").content.decode()
    assert f'href="https://sepolia.etherscan.io/tx/{transfer.tx_hash}"' in text
    assert "1 ETH" in text


def test_transfers_on_a_local_chain_have_no_explorer_link(chain, user):
    wallet = TrackedAddressFactory(owner=user)
    transfer = TransferFactory(from_address=wallet.address)
    text = signed_in(user).get("/onchain/").content.decode()
    assert transfer.tx_hash in text and "etherscan" not in text and f"/tx/{transfer.tx_hash}" not in text


def test_another_users_transfers_are_not_shown(chain, user):
    theirs = TrackedAddressFactory()
    transfer = TransferFactory(from_address=theirs.address)
    TrackedAddressFactory(owner=user)
    assert transfer.tx_hash not in signed_in(user).get("/onchain/").content.decode()


def test_a_tracked_tokens_daily_activity_feeds_its_chart(chain, user):
    import datetime as dt

    from apps.onchain.models import TokenDaily

    token = TokenFactory(symbol="ACT", decimals=2)
    TrackedAddressFactory(owner=user, kind=AddressKind.TOKEN, address=token.address, token=token)
    TokenDaily.objects.create(
        token=token,
        day=dt.date(2024, 5, 1),
        transfer_count=3,
        volume=12345,
        unique_senders=2,
        unique_receivers=1,
        large_transfers=0,
    )
    text = signed_in(user).get("/onchain/").content.decode()
    assert "data-token-charts=" in text and "2024-05-01" in text and "123.45" in text
    assert 'data-token-chart="0"' in text


def test_trend_signals_and_deployed_contracts_come_from_the_chain(chain, user):
    from apps.onchain.services.deployment import deploy_contracts
    from apps.onchain.services.trends import asset_key

    deployed = {d.contract.name: d.contract for d in deploy_contracts(chain=chain)}
    trend = deployed["TrendAnalysis"]
    chain.transact(
        "TrendAnalysis", trend.address, "submitMany", asset_key("BTC"), [1, 2, 3], [10**8, 2 * 10**8, 3 * 10**8]
    )
    text = signed_in(user).get("/onchain/").content.decode()
    assert trend.address in text and deployed["DataTracking"].address in text
    assert '<th scope="row">BTC</th>' in text


def test_the_status_partial_refreshes_alone(chain, user):
    response = signed_in(user).get("/onchain/status/", **HTMX)
    text = response.content.decode()
    assert response.status_code == 200 and text.lstrip().startswith('<section class="card onchain-status"')
    assert response["Vary"].find("HX-Request") >= 0


def test_the_page_links_to_transaction_tracking(chain, user):
    assert 'href="/onchain/transactions/"' in signed_in(user).get("/onchain/").content.decode()
