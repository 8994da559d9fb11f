"""The networks QuantumVest knows by chain id: name, native coin, default confirmations, explorer.

A chain id that is not listed still works (any JSON-RPC node does); it is shown as "chain <id>"
with no explorer links and the conservative default of 12 confirmations.
"""

from __future__ import annotations

from dataclasses import dataclass

# eth-tester's chain id: the in-process chain of the embedded default.
IN_PROCESS_CHAIN_ID = 131277322940537


@dataclass(frozen=True)
class Network:
    chain_id: int
    name: str
    symbol: str
    decimals: int
    confirmations: int
    explorer: str  # base URL, "" when there is none
    testnet: bool
    local: bool = False

    def tx_url(self, tx_hash: str) -> str:
        return f"{self.explorer}/tx/{tx_hash}" if self.explorer else ""

    def address_url(self, address: str) -> str:
        return f"{self.explorer}/address/{address}" if self.explorer else ""

    def block_url(self, number: int) -> str:
        return f"{self.explorer}/block/{number}" if self.explorer else ""


NETWORKS: dict[int, Network] = {
    n.chain_id: n
    for n in (
        Network(1, "Ethereum", "ETH", 18, 12, "https://etherscan.io", testnet=False),
        Network(11155111, "Sepolia", "ETH", 18, 3, "https://sepolia.etherscan.io", testnet=True),
        Network(56, "BNB Smart Chain", "BNB", 18, 15, "https://bscscan.com", testnet=False),
        Network(97, "BNB Smart Chain Testnet", "tBNB", 18, 3, "https://testnet.bscscan.com", testnet=True),
        Network(31337, "Local node (anvil/hardhat)", "ETH", 18, 1, "", testnet=True, local=True),
        Network(IN_PROCESS_CHAIN_ID, "In-process chain (eth-tester)", "ETH", 18, 1, "", testnet=True, local=True),
    )
}


def network(chain_id: int) -> Network:
    """The registry entry for ``chain_id``, or a generic one for a chain we do not list."""
    known = NETWORKS.get(chain_id)
    if known is not None:
        return known
    return Network(chain_id, f"Chain {chain_id}", "ETH", 18, 12, "", testnet=False)


def required_confirmations(chain_id: int) -> int:
    """Blocks behind the head before data of ``chain_id`` is final: ONCHAIN_CONFIRMATIONS when set,
    else the network's default (what ``Chain.confirmations`` answers, without asking a node)."""
    from django.conf import settings

    configured = settings.ONCHAIN_CONFIRMATIONS
    return configured if configured is not None else network(chain_id).confirmations
