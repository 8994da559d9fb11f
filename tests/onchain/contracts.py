"""Helpers for the contract tests: accounts other than the product's signer, deployment, decoded events.

The tests act through the chain adapter (``Chain.transact``/``call`` raise ``TransactionFailed`` with
the decoded custom error, for example ``MissingRole(0x...)``) and read events with web3 directly.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from eth_account import Account
from web3.logs import DISCARD

from apps.onchain.chain import Chain, TransactionFailed, artifact
from tests.anvil import KEYS

ZERO = "0x0000000000000000000000000000000000000000"


def other_keys(chain: Chain) -> list[str]:
    """Funded private keys of the chain other than the product signer's (eth-tester's or anvil's dev keys)."""
    keys = [k.to_hex() for k in chain.node.backend.account_keys] if chain.in_process else list(KEYS)
    return [k for k in keys if Account.from_key(k).address != chain.signer]


def as_other(chain: Chain, n: int = 0) -> Chain:
    """The same chain acting as the ``n``-th other funded account."""
    return chain.with_key(other_keys(chain)[n])


def deploy(chain: Chain, name: str, *args) -> str:
    """Deploy artifact ``name`` (owned by the signer for the Owned contracts); its address."""
    return chain.deploy(name, *args).contract_address


def events(chain: Chain, name: str, address: str, receipt, event: str) -> list[dict]:
    """The ``event`` logs that contract ``name`` at ``address`` emitted in a transaction, decoded, in order."""
    raw = chain.web3.eth.get_transaction_receipt(receipt.tx_hash)
    contract = chain.web3.eth.contract(address=address, abi=artifact(name)["abi"])
    found = getattr(contract.events, event)().process_receipt(raw, errors=DISCARD)
    return [dict(e["args"]) for e in found if e["address"] == address]


@contextmanager
def reverts(error: str):
    """The block must raise TransactionFailed naming exactly ``error`` (for example ``MissingRole(0xAb..)``)."""
    with pytest.raises(TransactionFailed) as caught:
        yield caught
    assert str(caught.value.detail) == error, caught.value.detail
