"""Helpers of the transaction-tracking tests: transactions made on the test's chain, as a wallet
would make them (signed with a dev key and sent raw), and tracked rows for page and API tests."""

from __future__ import annotations

import factory
from eth_account import Account

from apps.onchain.chain import Chain, artifact
from apps.onchain.models import TrackedTransaction, TxStatus
from apps.onchain.networks import IN_PROCESS_CHAIN_ID
from tests.accounts.factories import UserFactory
from tests.anvil import ACCOUNTS, KEYS
from tests.onchain.factories import tx_hash

RECEIVER = ACCOUNTS[1]


def key_of(chain: Chain) -> str:
    """The dev key the product signs with on this chain (anvil's first, or the in-process one)."""
    return chain.node.key if chain.in_process else KEYS[0]


def demo_token(chain: Chain, *, decimals: int = 6, minted: int = 1_000_000) -> str:
    """A DemoToken deployed by the signer, who holds ``minted`` base units of it."""
    address = chain.deploy("DemoToken", "Demo Token", "DMO", decimals).contract_address
    chain.transact("DemoToken", address, "mint", chain.signer, minted)
    return address


def send_reverting_transfer(chain: Chain, token: str) -> str:
    """A DemoToken transfer beyond the sender's balance with an explicit gas limit, so that it is mined
    and reverts (a wallet that skips gas estimation does this). Its hash."""
    web3 = chain.web3
    sender = Account.from_key(key_of(chain))
    contract = web3.eth.contract(address=token, abi=artifact("DemoToken")["abi"])
    tx = contract.functions.transfer(RECEIVER, 10**30).build_transaction(
        {
            "from": sender.address,
            "gas": 100_000,
            "gasPrice": web3.eth.gas_price,
            "nonce": web3.eth.get_transaction_count(sender.address, "pending"),
            "chainId": web3.eth.chain_id,
        }
    )
    return "0x" + bytes(web3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)).hex()


class TrackedTransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackedTransaction

    owner = factory.SubFactory(UserFactory)
    chain_id = IN_PROCESS_CHAIN_ID
    tx_hash = factory.LazyFunction(tx_hash)
    status = TxStatus.CONFIRMED
    confirmations = 5
    from_address = ACCOUNTS[0]
    to_address = RECEIVER
    value = 10**18
    gas_used = 21_000
    block_number = 7
    final = True
