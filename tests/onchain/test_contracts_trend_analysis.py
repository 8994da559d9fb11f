"""TrendAnalysis through web3, on the in-process chain and on anvil: its moving averages and trend flips
equal the Python reference (apps/onchain/trend_reference.py) on real prices, plus roles, reverts and gas."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from apps.onchain import trend_reference as ref
from tests.onchain.contracts import as_other, deploy, events, reverts

NAME = "TrendAnalysis"
SAMPLE = Path(settings.BASE_DIR) / "data" / "sample"
BTC = b"BTC-USD".ljust(32, b"\x00")
SPY = b"SPY".ljust(32, b"\x00")
EPOCH = dt.date(1970, 1, 1)
# Real series (data/sample/PROVENANCE.md): BTC-USD daily closes 2013-2019, SPY adjusted closes 2008-2017.
SERIES = {
    "BTC": ("btc_usd_2013_2019.csv", "date", "close"),
    "SPY": ("yahoo_SPY_2008_2017.csv", "Date", "Adj Close"),
}
# py-evm runs about 40 observations a second here: the in-process chain gets the first 300 days of
# each series (several flips each), anvil the whole series (2,439 and 2,519 days).
IN_PROCESS_DAYS = 300
# Batch sizes cycled through while feeding: single submits and batches that cross the ring's ends.
BATCHES = (1, 6, 23, 70, 200)

# Gas budgets, measured on both chains (solc 0.8.30, optimizer 200 runs, prague) with a margin.
# submit, first observation of an asset: the asset list entry, the series slot, a ring slot (three
# zero-to-nonzero writes); measured 114,992.
SUBMIT_FIRST_BUDGET = 120_000
# submit once the ring is full: the ring slot and the series slot are rewritten, not created;
# measured at most 42,131 (with a TrendChanged event).
SUBMIT_BUDGET = 45_000
# submitMany of 200 observations (the feed's batch) on an asset with a full ring, per observation:
# warm slots and 64 bytes of calldata each; measured 5,550. A new asset's first 200: measured 6,889.
SUBMIT_MANY_PER_OBSERVATION = 6_000
SUBMIT_MANY_NEW_ASSET_PER_OBSERVATION = 7_500


@pytest.fixture
def trends(any_chain):
    """A fresh TrendAnalysis owned by the product signer, who is also a feeder."""
    address = deploy(any_chain, NAME, any_chain.signer)
    any_chain.transact(NAME, address, "setRole", any_chain.signer, True)
    return address


def real_series(which: str) -> list[tuple[int, int]]:
    """(day number, price scaled by 1e8) for every row of a sample file, in file order."""
    filename, date_column, column = SERIES[which]
    with (SAMPLE / filename).open(newline="") as handle:
        return [
            ((dt.date.fromisoformat(row[date_column]) - EPOCH).days, ref.scale_price(row[column]))
            for row in csv.DictReader(handle)
            if row[column]
        ]


def feed(chain, address, asset, observations, sizes=BATCHES):
    """Submit ``observations`` in batches; yields (receipt, observations sent so far) after each batch."""
    sent = 0
    for size in itertools.cycle(sizes):
        chunk = observations[sent : sent + size]
        if not chunk:
            return
        days, prices = [d for d, _ in chunk], [p for _, p in chunk]
        if len(chunk) == 1:
            receipt = chain.transact(NAME, address, "submit", asset, days[0], prices[0])
        else:
            receipt = chain.transact(NAME, address, "submitMany", asset, days, prices)
        sent += len(chunk)
        yield receipt, sent


def flips_of(chain, address, receipt):
    return [
        (e["asset"], e["day"], e["trend"], e["shortMA"], e["longMA"])
        for e in events(chain, NAME, address, receipt, "TrendChanged")
    ]


@pytest.mark.parametrize("which", ["BTC", "SPY"])
def test_moving_averages_and_every_flip_equal_the_reference_on_real_prices(any_chain, trends, which):
    observations = real_series(which)
    if any_chain.in_process:
        observations = observations[:IN_PROCESS_DAYS]
    reference = ref.TrendSeries()
    seen = []
    for receipt, sent in feed(any_chain, trends, BTC, observations):
        seen += flips_of(any_chain, trends, receipt)
        reference.extend(observations[reference.count : sent])
        assert any_chain.call(NAME, trends, "seriesOf", BTC) == [
            reference.last_day,
            reference.count,
            reference.trend,
            *reference.averages(),
        ]
    expected = [(BTC, f.day, f.trend, f.short_ma, f.long_ma) for f in reference.flips]
    assert len(expected) >= 5  # a real series flips: the comparison covers both directions
    assert {f.trend for f in reference.flips} >= {ref.UP, ref.DOWN}
    assert seen == expected


def test_the_reference_script_prints_the_flips_the_contract_emits(any_chain, trends):
    script = Path(settings.BASE_DIR) / "scripts" / "trend_reference.py"
    filename, _, column = SERIES["BTC"]
    out = subprocess.run(
        [sys.executable, str(script), str(SAMPLE / filename), "--column", column, "--last", "120", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},  # no DJANGO_SETTINGS_MODULE, no virtualenv: stand-alone
    )
    printed = json.loads(out.stdout)
    seen = []
    for receipt, _ in feed(any_chain, trends, BTC, real_series("BTC")[-120:], sizes=(120,)):
        seen += flips_of(any_chain, trends, receipt)
    names = {0: "flat", 1: "up", 2: "down"}
    assert [(f["day"], f["trend"], f["shortMA"], f["longMA"]) for f in printed["flips"]] == [
        (day, names[trend], short, long) for _, day, trend, short, long in seen
    ]
    assert printed["series"]["count"] == 120


def test_the_trend_is_flat_until_thirty_observations_then_the_first_flip_is_emitted(any_chain, trends):
    prices = [100 * 10**8 + i * 10**6 for i in range(30)]  # rising
    for day, price in enumerate(prices[:29], start=1):
        receipt = any_chain.transact(NAME, trends, "submit", BTC, day, price)
        assert flips_of(any_chain, trends, receipt) == []
    assert any_chain.call(NAME, trends, "trendOf", BTC) == ref.FLAT
    receipt = any_chain.transact(NAME, trends, "submit", BTC, 30, prices[29])
    assert flips_of(any_chain, trends, receipt) == [(BTC, 30, ref.UP, sum(prices[-7:]) // 7, sum(prices) // 30)]
    assert any_chain.call(NAME, trends, "trendOf", BTC) == ref.UP


def test_the_trend_compares_exact_sums_not_the_rounded_averages(any_chain, trends):
    # 29 equal prices and one a unit higher: both floored averages are equal, the exact short sum is higher.
    price = 100 * 10**8
    days, prices = list(range(1, 31)), [price] * 29 + [price + 1]
    receipt = any_chain.transact(NAME, trends, "submitMany", BTC, days, prices)
    assert flips_of(any_chain, trends, receipt) == [(BTC, 30, ref.UP, price, price)]


def test_constant_prices_stay_flat_without_any_event(any_chain, trends):
    receipt = any_chain.transact(NAME, trends, "submitMany", BTC, list(range(1, 41)), [5 * 10**8] * 40)
    assert flips_of(any_chain, trends, receipt) == []
    assert any_chain.call(NAME, trends, "trendOf", BTC) == ref.FLAT


def test_a_falling_series_flips_down(any_chain, trends):
    prices = [200 * 10**8 - i * 10**7 for i in range(35)]
    receipt = any_chain.transact(NAME, trends, "submitMany", BTC, list(range(1, 36)), prices)
    assert [f[2] for f in flips_of(any_chain, trends, receipt)] == [ref.DOWN]


def test_before_a_window_is_full_its_average_is_over_the_observations_so_far(any_chain, trends):
    prices = [10 * 10**8, 11 * 10**8, 13 * 10**8 + 1]
    any_chain.transact(NAME, trends, "submitMany", BTC, [7, 8, 9], prices)
    assert any_chain.call(NAME, trends, "seriesOf", BTC) == [9, 3, ref.FLAT, sum(prices) // 3, sum(prices) // 3]


def test_assets_are_listed_once_in_order_of_first_observation_and_kept_apart(any_chain, trends):
    any_chain.transact(NAME, trends, "submit", SPY, 1, 3 * 10**8)
    any_chain.transact(NAME, trends, "submit", BTC, 1, 7 * 10**8)
    any_chain.transact(NAME, trends, "submit", SPY, 2, 5 * 10**8)
    assert any_chain.call(NAME, trends, "assetCount") == 2
    assert [any_chain.call(NAME, trends, "assetAt", i) for i in range(2)] == ["0x" + SPY.hex(), "0x" + BTC.hex()]
    assert any_chain.call(NAME, trends, "seriesOf", BTC)[:2] == [1, 1]
    assert any_chain.call(NAME, trends, "seriesOf", SPY)[:2] == [2, 2]


@pytest.mark.parametrize("day", [5, 4], ids=["same-day", "earlier-day"])
def test_a_day_not_after_the_last_one_is_refused(any_chain, trends, day):
    any_chain.transact(NAME, trends, "submit", BTC, 5, 10**8)
    with reverts(f"DayNotIncreasing(0x{BTC.hex()}, 5, {day})"):
        any_chain.transact(NAME, trends, "submit", BTC, day, 10**8)


@pytest.mark.parametrize("price", [0, ref.MAX_PRICE + 1], ids=["zero", "above-max"])
def test_a_price_out_of_range_is_refused(any_chain, trends, price):
    with reverts(f"PriceOutOfRange({price})"):
        any_chain.transact(NAME, trends, "submit", BTC, 1, price)
    assert any_chain.call(NAME, trends, "assetCount") == 0


def test_the_largest_price_is_accepted_for_a_whole_window(any_chain, trends):
    any_chain.transact(NAME, trends, "submitMany", BTC, list(range(1, 31)), [ref.MAX_PRICE] * 30)
    assert any_chain.call(NAME, trends, "seriesOf", BTC)[3:] == [ref.MAX_PRICE, ref.MAX_PRICE]


@pytest.mark.parametrize(("days", "prices"), [([1, 2], [10**8]), ([], [])], ids=["lengths-differ", "empty"])
def test_a_malformed_batch_is_refused(any_chain, trends, days, prices):
    with reverts(f"BadBatch({len(days)}, {len(prices)})"):
        any_chain.transact(NAME, trends, "submitMany", BTC, days, prices)


def test_a_batch_that_fails_midway_applies_none_of_its_observations(any_chain, trends):
    any_chain.transact(NAME, trends, "submit", BTC, 1, 10**8)
    with reverts(f"DayNotIncreasing(0x{BTC.hex()}, 3, 3)"):
        any_chain.transact(NAME, trends, "submitMany", BTC, [2, 3, 3], [10**8] * 3)
    assert any_chain.call(NAME, trends, "seriesOf", BTC)[:2] == [1, 1]


@pytest.mark.parametrize(
    ("function", "args", "error"),
    [
        ("submit", (BTC, 1, 10**8), "MissingRole"),
        ("submitMany", (BTC, [1], [10**8]), "MissingRole"),
        ("setRole", ("SELF", True), "NotOwner"),
        ("transferOwnership", ("SELF",), "NotOwner"),
        ("acceptOwnership", (), "NotPendingOwner"),
    ],
)
def test_every_restricted_function_refuses_a_stranger(any_chain, trends, function, args, error):
    stranger = as_other(any_chain)
    args = tuple(stranger.signer if a == "SELF" else a for a in args)
    with reverts(f"{error}({stranger.signer})"):
        stranger.transact(NAME, trends, function, *args)


def test_a_pending_owner_cannot_grant_the_feeder_role_before_accepting(any_chain, trends):
    heir = as_other(any_chain)
    any_chain.transact(NAME, trends, "transferOwnership", heir.signer)
    with reverts(f"NotOwner({heir.signer})"):
        heir.transact(NAME, trends, "setRole", heir.signer, True)
    heir.transact(NAME, trends, "acceptOwnership")
    heir.transact(NAME, trends, "setRole", heir.signer, True)
    heir.transact(NAME, trends, "submit", BTC, 1, 10**8)


def test_the_first_observation_of_an_asset_stays_within_its_gas_budget(any_chain, trends):
    receipt = any_chain.transact(NAME, trends, "submit", BTC, 1, 10**8)
    assert receipt.gas_used <= SUBMIT_FIRST_BUDGET, receipt.gas_used


def test_an_observation_on_a_full_ring_stays_within_its_gas_budget(any_chain, trends):
    observations = real_series("BTC")[:40]
    list(feed(any_chain, trends, BTC, observations[:30], sizes=(30,)))
    used = [any_chain.transact(NAME, trends, "submit", BTC, d, p).gas_used for d, p in observations[30:]]
    assert max(used) <= SUBMIT_BUDGET, used


# On anvil only: 430 observations take some 20 s on py-evm, and gas is the same on both chains (the
# budgets above were measured on both, to the unit).
def test_a_batch_of_200_observations_stays_within_its_gas_budget_per_observation(anvil_chain):
    trends = deploy(anvil_chain, NAME, anvil_chain.signer)
    anvil_chain.transact(NAME, trends, "setRole", anvil_chain.signer, True)
    observations = real_series("SPY")[:430]
    [(fresh, _)] = feed(anvil_chain, trends, SPY, observations[:200], sizes=(200,))
    assert fresh.gas_used / 200 <= SUBMIT_MANY_NEW_ASSET_PER_OBSERVATION, fresh.gas_used
    list(feed(anvil_chain, trends, SPY, observations[200:230], sizes=(30,)))
    [(established, _)] = feed(anvil_chain, trends, SPY, observations[230:430], sizes=(200,))
    assert established.gas_used / 200 <= SUBMIT_MANY_PER_OBSERVATION, established.gas_used
