"""Factories for on-chain rows (tests that need chain state use the chain fixtures instead)."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.utils import timezone

from apps.onchain.models import AddressKind, Token, TrackedAddress, Transfer
from apps.onchain.networks import IN_PROCESS_CHAIN_ID
from tests.accounts.factories import UserFactory

_counter = itertools.count(1)


def address(n: int | None = None) -> str:
    from apps.onchain.chain import checksum

    return checksum("0x" + f"{n if n is not None else next(_counter):040x}")


def tx_hash(n: int | None = None) -> str:
    return "0x" + f"{n if n is not None else next(_counter):064x}"


class TokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Token

    chain_id = IN_PROCESS_CHAIN_ID
    address = factory.LazyFunction(address)
    name = "Demo Token"
    symbol = "DMO"
    decimals = 6
    large_transfer_threshold = 10_000 * 10**6


class TrackedAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackedAddress

    owner = factory.SubFactory(UserFactory)
    chain_id = IN_PROCESS_CHAIN_ID
    address = factory.LazyFunction(address)
    kind = AddressKind.WALLET
    label = factory.Sequence(lambda n: f"wallet {n}")


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transfer

    chain_id = IN_PROCESS_CHAIN_ID
    tx_hash = factory.LazyFunction(tx_hash)
    log_index = 0
    block_number = factory.Sequence(lambda n: n + 1)
    block_hash = factory.LazyFunction(lambda: tx_hash())  # the module function: the class attribute shadows it here
    timestamp = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    from_address = factory.LazyFunction(address)
    to_address = factory.LazyFunction(address)
    token = factory.SubFactory(TokenFactory)
    value = 1_500_000
    final = True
