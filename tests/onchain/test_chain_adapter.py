"""The chain adapter against real nodes: transports, timeouts, chain-id checks, the journal."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from apps.onchain.chain import Chain, ChainMismatch, ChainUnavailable, SigningUnavailable, checksum, get_chain
from apps.onchain.networks import IN_PROCESS_CHAIN_ID, network
from tests.anvil import ACCOUNTS, KEYS


def test_http_and_websocket_transports_reach_the_same_node(anvil):
    over_http = Chain(rpc_url=anvil.url, timeout=5)
    over_ws = Chain(rpc_url=anvil.ws_url, timeout=5)
    anvil.mine(3)
    assert over_http.chain_id == over_ws.chain_id == 31337
    assert over_http.head() == over_ws.head() == anvil.head()
    assert over_ws.block(1).hash == over_http.block(1).hash


def test_a_transaction_sent_over_websocket_is_mined(anvil):
    sender = Chain(rpc_url=anvil.ws_url, private_key=KEYS[0], timeout=5)
    receipt = sender.send_value(ACCOUNTS[1], 12345)
    assert receipt.status == 1
    assert sender.transaction(receipt.tx_hash).value == 12345


def test_a_closed_port_is_unavailable_at_once():
    started = time.monotonic()
    with pytest.raises(ChainUnavailable, match="not reachable"):
        Chain(rpc_url="http://127.0.0.1:9", timeout=2).head()
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("scheme", ["http", "ws"])
def test_a_node_that_never_answers_times_out_within_the_rpc_timeout(silent_node, scheme):
    started = time.monotonic()
    with pytest.raises(ChainUnavailable, match="did not answer within 1 s"):
        Chain(rpc_url=silent_node.replace("http", scheme, 1), timeout=1).head()
    assert time.monotonic() - started < 3


def test_the_url_shown_in_errors_hides_credentials():
    with pytest.raises(ChainUnavailable) as caught:
        Chain(rpc_url="http://127.0.0.1:9/v3/secret-api-key?token=abc", timeout=1).head()
    assert "secret-api-key" not in caught.value.detail and "abc" not in caught.value.detail
    assert "http://127.0.0.1:9" in caught.value.detail


def test_a_node_on_another_chain_is_refused_naming_both_ids(anvil):
    with pytest.raises(ChainMismatch, match=r"on chain 31337, but ONCHAIN_CHAIN_ID is 56"):
        Chain(rpc_url=anvil.url, expected_chain_id=56, timeout=5).head()


@pytest.mark.django_db
def test_the_system_check_reports_a_chain_id_mismatch(anvil, settings):
    from django.core.management.base import SystemCheckError

    from apps.onchain.chain import reset_chains

    settings.ONCHAIN_RPC_URL, settings.ONCHAIN_CHAIN_ID = anvil.url, 97
    reset_chains()
    try:
        with pytest.raises(SystemCheckError, match=r"onchain\.E001"):
            call_command("check")
    finally:
        reset_chains()


def test_without_a_key_a_real_node_is_read_only(anvil):
    reader = Chain(rpc_url=anvil.url, timeout=5)
    assert reader.signer is None
    assert reader.balance(ACCOUNTS[0]) > 0
    with pytest.raises(SigningUnavailable, match="No signing key"):
        reader.send_value(ACCOUNTS[1], 1)


def test_the_in_process_journal_replays_after_a_restart(tmp_path):
    journal = tmp_path / "journal.jsonl"
    first = Chain(journal=journal)
    deployed = first.deploy("DemoToken", "Demo", "DMO", 6)
    first.transact("DemoToken", deployed.contract_address, "mint", ACCOUNTS[1], 7_000_000)
    restarted = Chain(journal=journal)
    assert restarted.head() == first.head()
    assert restarted.call("DemoToken", deployed.contract_address, "balanceOf", ACCOUNTS[1]) == 7_000_000


def test_processes_sharing_a_journal_see_each_others_transactions(tmp_path):
    journal = tmp_path / "journal.jsonl"
    server, command = Chain(journal=journal), Chain(journal=journal)
    deployed = command.deploy("DemoToken", "Demo", "DMO", 6)
    # The other "process" catches up before it reads, and its next send gets the right nonce.
    assert server.code_size(deployed.contract_address) > 0
    server.transact("DemoToken", deployed.contract_address, "mint", ACCOUNTS[2], 5)
    assert command.call("DemoToken", deployed.contract_address, "balanceOf", ACCOUNTS[2]) == 5


def test_a_send_racing_another_processes_send_from_the_same_key_signs_with_the_current_nonce(tmp_path):
    # The web server and the background market replay both notarise with the demo key: a nonce read
    # before the journal lock is taken goes stale when the other process sends in between.
    journal = tmp_path / "journal.jsonl"
    server, replay = Chain(journal=journal), Chain(journal=journal)
    server.send_value(ACCOUNTS[1], 1)
    before = server.balance(ACCOUNTS[1])
    catch_up, calls = server.node.catch_up, []

    def catch_up_then_the_other_process_sends():
        catch_up()
        calls.append(1)
        if len(calls) == 2:  # after send_value's reads, before it signs
            replay.send_value(ACCOUNTS[1], 2)

    server.node.catch_up = catch_up_then_the_other_process_sends
    server.send_value(ACCOUNTS[1], 3)
    assert len(calls) >= 2
    assert server.balance(ACCOUNTS[1]) == replay.balance(ACCOUNTS[1]) == before + 5


def test_the_embedded_default_is_the_in_process_chain(chain):
    assert get_chain() is chain
    assert chain.in_process and chain.chain_id == IN_PROCESS_CHAIN_ID
    assert network(chain.chain_id).local and chain.signer is not None


@pytest.mark.parametrize(
    "given,expected",
    [
        ("0x" + "ab" * 20, "0x" + "ab" * 20),
        (ACCOUNTS[0].lower(), ACCOUNTS[0]),
        ("0x" + ACCOUNTS[0][2:].upper(), ACCOUNTS[0]),
    ],
)
def test_addresses_are_stored_checksummed(given, expected):
    assert checksum(given).lower() == expected.lower()
    assert checksum(given) == checksum(expected)


@pytest.mark.parametrize("bad", ["", "0x123", "0x" + "g" * 40, ACCOUNTS[0][:-1] + "X", ACCOUNTS[0].swapcase()])
def test_invalid_addresses_are_refused(bad):
    with pytest.raises(ValueError):
        checksum(bad)
