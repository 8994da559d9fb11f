"""Chains for tests: a fresh in-process chain per test, and one anvil node per test process whose
state each test snapshots and reverts.

``chain`` and ``anvil_chain`` configure the settings the product reads (ONCHAIN_*), so that
``get_chain()`` in services returns the test's chain.
"""

from __future__ import annotations

import pytest

from apps.onchain.chain import get_chain, reset_chains
from tests.anvil import KEYS, Anvil
from tests.onchain.nodes import hung_node


@pytest.fixture
def chain(settings, tmp_path):
    """A fresh in-process chain (eth-tester), journalled under the test's tmp_path."""
    settings.ONCHAIN_RPC_URL = ""
    settings.ONCHAIN_CHAIN_ID = None
    settings.ONCHAIN_PRIVATE_KEY = ""
    settings.ONCHAIN_CONFIRMATIONS = None
    settings.ONCHAIN_CHAIN_DIR = tmp_path / "chain"
    reset_chains()
    yield get_chain()
    reset_chains()


@pytest.fixture(scope="session")
def anvil_node():
    node = Anvil().start()
    yield node
    node.stop()


@pytest.fixture
def anvil(anvil_node):
    """The process's anvil node, its state restored after the test."""
    snapshot = anvil_node.snapshot()
    yield anvil_node
    anvil_node.revert(snapshot)


@pytest.fixture
def anvil_chain(anvil, settings):
    """The product configured against anvil with its first dev key (1 confirmation, the network default)."""
    settings.ONCHAIN_RPC_URL = anvil.url
    settings.ONCHAIN_CHAIN_ID = anvil.chain_id
    settings.ONCHAIN_PRIVATE_KEY = KEYS[0]
    settings.ONCHAIN_CONFIRMATIONS = None
    settings.ONCHAIN_RPC_TIMEOUT = 5
    reset_chains()
    yield get_chain()
    reset_chains()


@pytest.fixture(params=["chain", "anvil_chain"])
def any_chain(request):
    """The product's chain, once in process and once on anvil (for contract tests that hold on both)."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def silent_node():
    """The URL of a node that accepts connections and never answers."""
    with hung_node() as url:
        yield url
