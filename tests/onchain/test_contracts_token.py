"""DemoToken (the ERC-20 of tests and the local demo) through web3, on the in-process chain and on anvil."""

from __future__ import annotations

import pytest

from tests.onchain.contracts import ZERO, as_other, deploy, events, reverts

NAME = "DemoToken"
SUPPLY = 1_000_000 * 10**6
MAX = 2**256 - 1
# Gas budgets, measured on both chains (solc 0.8.30, optimizer 200 runs, prague) with a margin.
# transfer to an address that held nothing: the receiver's balance slot goes from zero to nonzero
# (22,100); measured 51,507.
TRANSFER_NEW_HOLDER_BUDGET = 55_000
# transfer to an existing holder: both balance slots are rewritten, none created; measured 34,407.
TRANSFER_BUDGET = 37_000


@pytest.fixture
def token(any_chain):
    """A fresh DemoToken (6 decimals) minted by the product signer, who holds the whole supply."""
    address = deploy(any_chain, NAME, "Demo Token", "DMO", 6)
    any_chain.transact(NAME, address, "mint", any_chain.signer, SUPPLY)
    return address


def balances(chain, token, *accounts):
    return [chain.call(NAME, token, "balanceOf", a) for a in accounts]


def test_the_token_describes_itself_and_its_minter(any_chain, token):
    assert [any_chain.call(NAME, token, f) for f in ("name", "symbol", "decimals", "minter", "totalSupply")] == [
        "Demo Token",
        "DMO",
        6,
        any_chain.signer,
        SUPPLY,
    ]


def test_minting_emits_a_transfer_from_the_zero_address(any_chain, token):
    receiver = as_other(any_chain).signer
    receipt = any_chain.transact(NAME, token, "mint", receiver, 5)
    assert events(any_chain, NAME, token, receipt, "Transfer") == [{"from": ZERO, "to": receiver, "value": 5}]
    assert any_chain.call(NAME, token, "totalSupply") == SUPPLY + 5


def test_only_the_minter_may_mint(any_chain, token):
    stranger = as_other(any_chain)
    with reverts(f"NotMinter({stranger.signer})"):
        stranger.transact(NAME, token, "mint", stranger.signer, 1)


def test_minting_to_the_zero_address_is_refused(any_chain, token):
    with reverts(f"InvalidReceiver({ZERO})"):
        any_chain.transact(NAME, token, "mint", ZERO, 1)


def test_a_transfer_moves_the_exact_amount_and_emits_transfer(any_chain, token):
    receiver = as_other(any_chain).signer
    receipt = any_chain.transact(NAME, token, "transfer", receiver, 1_500_000)
    assert events(any_chain, NAME, token, receipt, "Transfer") == [
        {"from": any_chain.signer, "to": receiver, "value": 1_500_000}
    ]
    assert balances(any_chain, token, any_chain.signer, receiver) == [SUPPLY - 1_500_000, 1_500_000]


def test_a_transfer_beyond_the_balance_is_refused_and_moves_nothing(any_chain, token):
    poor = as_other(any_chain)
    any_chain.transact(NAME, token, "transfer", poor.signer, 10)
    with reverts(f"InsufficientBalance({poor.signer}, 10, 11)"):
        poor.transact(NAME, token, "transfer", any_chain.signer, 11)
    assert balances(any_chain, token, any_chain.signer, poor.signer) == [SUPPLY - 10, 10]


def test_a_transfer_to_the_zero_address_is_refused(any_chain, token):
    with reverts(f"InvalidReceiver({ZERO})"):
        any_chain.transact(NAME, token, "transfer", ZERO, 1)


def test_approve_sets_the_allowance_and_emits_approval(any_chain, token):
    spender = as_other(any_chain).signer
    receipt = any_chain.transact(NAME, token, "approve", spender, 700)
    assert events(any_chain, NAME, token, receipt, "Approval") == [
        {"owner": any_chain.signer, "spender": spender, "value": 700}
    ]
    assert any_chain.call(NAME, token, "allowance", any_chain.signer, spender) == 700


def test_transfer_from_spends_the_allowance(any_chain, token):
    spender, receiver = as_other(any_chain, 0), as_other(any_chain, 1)
    any_chain.transact(NAME, token, "approve", spender.signer, 700)
    receipt = spender.transact(NAME, token, "transferFrom", any_chain.signer, receiver.signer, 300)
    assert events(any_chain, NAME, token, receipt, "Transfer") == [
        {"from": any_chain.signer, "to": receiver.signer, "value": 300}
    ]
    assert any_chain.call(NAME, token, "allowance", any_chain.signer, spender.signer) == 400
    assert balances(any_chain, token, receiver.signer) == [300]


def test_transfer_from_beyond_the_allowance_is_refused(any_chain, token):
    spender = as_other(any_chain)
    any_chain.transact(NAME, token, "approve", spender.signer, 700)
    with reverts(f"InsufficientAllowance({spender.signer}, 700, 701)"):
        spender.transact(NAME, token, "transferFrom", any_chain.signer, spender.signer, 701)
    assert any_chain.call(NAME, token, "allowance", any_chain.signer, spender.signer) == 700


def test_transfer_from_without_balance_is_refused_even_with_allowance(any_chain, token):
    poor, spender = as_other(any_chain, 0), as_other(any_chain, 1)
    poor.transact(NAME, token, "approve", spender.signer, 50)
    with reverts(f"InsufficientBalance({poor.signer}, 0, 50)"):
        spender.transact(NAME, token, "transferFrom", poor.signer, spender.signer, 50)


def test_an_unlimited_allowance_is_not_spent(any_chain, token):
    spender = as_other(any_chain)
    any_chain.transact(NAME, token, "approve", spender.signer, MAX)
    spender.transact(NAME, token, "transferFrom", any_chain.signer, spender.signer, 123)
    assert any_chain.call(NAME, token, "allowance", any_chain.signer, spender.signer) == MAX


def test_a_transfer_to_a_new_holder_stays_within_its_gas_budget(any_chain, token):
    receipt = any_chain.transact(NAME, token, "transfer", as_other(any_chain).signer, 1)
    assert receipt.gas_used <= TRANSFER_NEW_HOLDER_BUDGET, receipt.gas_used


def test_a_transfer_to_an_existing_holder_stays_within_its_gas_budget(any_chain, token):
    receiver = as_other(any_chain).signer
    any_chain.transact(NAME, token, "transfer", receiver, 1)
    receipt = any_chain.transact(NAME, token, "transfer", receiver, 1)
    assert receipt.gas_used <= TRANSFER_BUDGET, receipt.gas_used
