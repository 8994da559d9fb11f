"""The embedded demo's chain activity: demo wallets on the in-process chain, tracked and synced."""

from __future__ import annotations

import pytest

from apps.accounts.management.commands.setup_dev import DEMO_EMAIL
from apps.onchain.models import AddressKind, BalanceSnapshot, TrackedAddress, Transfer
from apps.onchain.services.demo import setup_onchain_demo
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_tracks_labelled_wallets_with_real_transfers_once(chain):
    demo_user = UserFactory(email=DEMO_EMAIL)
    lines: list[str] = []
    setup_onchain_demo(write=lines.append)
    setup_onchain_demo(write=lines.append)  # a restart of `make run`: nothing made twice
    tracked = TrackedAddress.objects.filter(owner=demo_user)
    assert sorted(tracked.values_list("kind", flat=True)) == [AddressKind.TOKEN] + [AddressKind.WALLET] * 3
    assert all("local in-process chain" in t.label for t in tracked)
    transfers = Transfer.objects.filter(chain_id=chain.chain_id)
    assert (transfers.filter(token=None).count(), transfers.exclude(token=None).count()) == (3, 4)
    wallet_c = tracked.get(label__startswith="Demo wallet C").address
    tracked_token = tracked.get(kind=AddressKind.TOKEN)
    token = tracked_token.address
    # Linked to its Token, as tracking on the page does: the page's token activity finds it.
    assert tracked_token.token is not None and tracked_token.token.symbol == "QVD"
    assert tracked_token.token.daily.exists()
    head = chain.head()
    assert chain.erc20_balance(token, wallet_c, head) == 15_000_500_000
    latest = BalanceSnapshot.objects.filter(address=wallet_c).order_by("token_id", "-block_number")
    assert {s.token_id is None: int(s.balance) for s in latest} == {True: 3 * 10**18 // 4, False: 15_000_500_000}
    assert sum("demo activity" in line for line in lines) == 1
