"""onchain.refresh_transactions: refreshes what is not final, leaves final rows alone, records nothing
twice when delivered twice, and retries a node that is down a bounded number of times."""

from __future__ import annotations

import pytest

from apps.onchain.chain import get_chain, reset_chains
from apps.onchain.models import Token, TrackedTransaction
from apps.onchain.services import transactions as service
from apps.onchain.tasks.transactions import MAX_RETRIES, refresh_transactions
from quantumvest.celery import app
from tests.accounts.factories import UserFactory
from tests.onchain.nodes import dead_url
from tests.onchain.transactions_helpers import RECEIVER, demo_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_confirmations(anvil_chain, settings):
    settings.ONCHAIN_CONFIRMATIONS = 3
    reset_chains()
    return get_chain()


def _snapshot() -> list[tuple]:
    return list(
        TrackedTransaction.objects.order_by("pk").values_list(
            "pk", "status", "confirmations", "final", "block_number", "transfers"
        )
    )


def test_the_task_is_registered_under_the_beat_entrys_name(settings):
    assert settings.CELERY_BEAT_SCHEDULE["onchain-refresh-transactions"]["task"] == refresh_transactions.name
    assert "onchain.refresh_transactions" in app.tasks  # what beat publishes, a worker finds


def test_the_task_refreshes_open_transactions_and_leaves_final_ones_alone(three_confirmations, anvil):
    chain = three_confirmations
    user = UserFactory()
    open_row, _ = service.track_transaction(user=user, tx_hash=chain.send_value(RECEIVER, 1).tx_hash)
    final_row, _ = service.track_transaction(user=user, tx_hash=chain.send_value(RECEIVER, 2).tx_hash)
    TrackedTransaction.objects.filter(pk=final_row.pk).update(final=True, confirmations=1)
    anvil.mine(5)

    result = refresh_transactions.apply().get()

    open_row.refresh_from_db()
    final_row.refresh_from_db()
    assert result["checked"] == 1 and result["final"] == 1
    assert (open_row.confirmations, open_row.final) == (7, True)
    assert (final_row.confirmations, final_row.final) == (1, True)


def test_a_task_delivered_twice_records_nothing_twice(three_confirmations, anvil):
    chain = three_confirmations
    token = demo_token(chain, minted=10**9)
    user = UserFactory()
    receipt = chain.transact("DemoToken", token, "transfer", RECEIVER, 123)
    service.track_transaction(user=user, tx_hash=receipt.tx_hash)
    service.track_transaction(user=UserFactory(), tx_hash=receipt.tx_hash)  # another user follows it too
    anvil.mine(1)

    refresh_transactions.apply().get()
    once = _snapshot()
    refresh_transactions.apply().get()

    assert _snapshot() == once
    assert TrackedTransaction.objects.count() == 2 and Token.objects.count() == 1
    assert all(len(transfers) == 1 for *_, transfers in once)


def test_a_node_that_is_down_is_retried_a_bounded_number_of_times(chain, settings, monkeypatch):
    row, _ = service.track_transaction(user=UserFactory(), tx_hash=chain.send_value(RECEIVER, 1).tx_hash)
    TrackedTransaction.objects.filter(pk=row.pk).update(final=False)
    settings.ONCHAIN_RPC_URL = dead_url()
    reset_chains()

    # Applied eagerly, each retry runs at once (without its countdown) instead of going to a broker;
    # not propagating is what a worker does with the Retry of every attempt but the last.
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    result = refresh_transactions.apply().get()

    assert result["attempts"] == MAX_RETRIES + 1
    assert "not reachable" in result["error"]
    row.refresh_from_db()
    assert not row.final and row.status == "confirmed"
