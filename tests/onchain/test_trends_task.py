"""The onchain.feed_trends task, the feed_trends command and the embedded demo's feed."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.onchain.chain import ChainUnavailable, reset_chains
from apps.onchain.models import Contract
from apps.onchain.services.demo import setup_onchain_demo
from apps.onchain.services.deployment import deploy_contracts
from apps.onchain.services.trends import asset_key
from apps.onchain.tasks.trends import feed_trends
from tests.anvil import free_port
from tests.assets.factories import AssetFactory, PriceBarFactory

pytestmark = pytest.mark.django_db


def count_on_chain(chain, symbol: str) -> int:
    address = Contract.objects.get(chain_id=chain.chain_id, name="TrendAnalysis").address
    return chain.call("TrendAnalysis", address, "seriesOf", asset_key(symbol))[1]


def bars(symbol: str, n: int, **asset):
    return PriceBarFactory.create_batch(n, asset=AssetFactory(id=symbol, **asset), close=Decimal("12.5"))


def test_the_task_has_the_beat_entrys_name():
    from django.conf import settings

    assert feed_trends.name == settings.CELERY_BEAT_SCHEDULE["onchain-feed-trends"]["task"] == "onchain.feed_trends"


@pytest.mark.parametrize("which", ["chain", "anvil_chain"])
def test_a_task_delivered_twice_records_nothing_twice(which, request):
    chain = request.getfixturevalue(which)
    deploy_contracts(chain=chain)
    bars("AAA", 8)
    first, second = feed_trends.apply().get(), feed_trends.apply().get()
    assert (first["sent"], second["sent"]) == ({"AAA": 8}, {"AAA": 0})
    assert count_on_chain(chain, "AAA") == 8


def test_on_the_in_process_chain_the_task_sends_only_the_latest_closes(chain, monkeypatch):
    from apps.onchain.services import trends

    monkeypatch.setattr(trends, "IN_PROCESS_RECENT", 3)  # the cap, made small for the test
    deploy_contracts(chain=chain)
    bars("AAA", 5)
    assert feed_trends.apply().get()["sent"] == {"AAA": 3}


def test_the_task_skips_quietly_when_the_contract_is_not_deployed(chain, caplog):
    bars("AAA", 3)
    result = feed_trends.apply().get()
    assert (result["sent"], "not deployed" in result["skipped"]) == ({}, True)
    assert "trends not fed" in caplog.text


def test_an_unreachable_node_is_retried_a_bounded_number_of_times_then_the_task_fails(settings, monkeypatch):
    from celery.signals import task_retry

    # Eager retries run at once (no countdown) and must come back as results, not exceptions.
    monkeypatch.setitem(feed_trends.app.conf, "task_eager_propagates", False)

    settings.ONCHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.ONCHAIN_CHAIN_ID = None
    settings.ONCHAIN_RPC_TIMEOUT = 1
    reset_chains()
    retries = []

    def count(sender=None, reason=None, **kwargs):
        retries.append(reason)

    task_retry.connect(count, weak=False)
    try:
        outcome = feed_trends.apply()
    finally:
        task_retry.disconnect(count)
        reset_chains()
    assert len(retries) == 4
    assert all("not reachable" in str(reason) for reason in retries)
    assert outcome.failed()
    assert isinstance(outcome.result, ChainUnavailable)
    assert "not reachable" in outcome.result.detail


def test_the_command_feeds_one_asset_with_a_limit(chain):
    deploy_contracts(chain=chain)
    bars("AAA", 6)
    bars("BBB", 6)
    out = io.StringIO()
    call_command("feed_trends", "--asset", "AAA", "--limit", "4", stdout=out)
    assert "AAA        4 observations sent" in out.getvalue()
    assert (count_on_chain(chain, "AAA"), count_on_chain(chain, "BBB")) == (4, 0)


def test_the_command_names_an_unknown_asset(chain):
    deploy_contracts(chain=chain)
    with pytest.raises(CommandError, match="No active asset NOPE"):
        call_command("feed_trends", "--asset", "NOPE")


def test_the_command_refuses_a_negative_limit(chain):
    with pytest.raises(CommandError, match="--limit must be 0 or more"):
        call_command("feed_trends", "--limit", "-1")


def test_the_command_says_when_the_node_is_down(settings):
    settings.ONCHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    settings.ONCHAIN_RPC_TIMEOUT = 1
    reset_chains()
    try:
        with pytest.raises(CommandError, match="not reachable"):
            call_command("feed_trends")
    finally:
        reset_chains()


def test_the_demo_feeds_its_assets_latest_closes_on_the_in_process_chain_once(chain):
    bars("SPY", 35)
    bars("BTC-USD", 35)
    bars("AAPL", 35)  # not a trend demo asset
    lines = []
    setup_onchain_demo(write=lines.append)
    assert any("fed TrendAnalysis" in line and "BTC-USD, SPY" in line and "in-process chain" in line for line in lines)
    assert [count_on_chain(chain, s) for s in ("SPY", "BTC-USD", "AAPL")] == [35, 35, 0]
    again = []
    setup_onchain_demo(write=again.append)
    assert any("already has the latest closes" in line for line in again)


def test_a_wrong_chain_id_fails_the_task_at_once_without_retrying(anvil_chain, settings, monkeypatch):
    from celery.signals import task_retry

    from apps.onchain.chain import ChainMismatch

    monkeypatch.setitem(feed_trends.app.conf, "task_eager_propagates", False)
    settings.ONCHAIN_CHAIN_ID = 5
    reset_chains()
    retries = []

    def count(sender=None, reason=None, **kwargs):
        retries.append(reason)

    task_retry.connect(count, weak=False)
    try:
        outcome = feed_trends.apply()
    finally:
        task_retry.disconnect(count)
    assert (retries, isinstance(outcome.result, ChainMismatch)) == ([], True)
