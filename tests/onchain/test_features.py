"""On-chain activity as exogenous series (apps.onchain.features) and linking an asset to a token.

The aggregates here are test rows written for the test, never shown to users.
"""

from __future__ import annotations

import datetime as dt
import math
from io import StringIO

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from apps.assets.models import Asset
from apps.onchain import features
from apps.onchain.chain import reset_chains
from apps.onchain.models import SeenBlock, SyncCheckpoint, Token, TokenDaily
from tests.accounts.factories import UserFactory
from tests.onchain.factories import TokenFactory, TransferFactory, address

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _daily(token, day: dt.date, count: int, **extra) -> TokenDaily:
    fields = {
        "transfer_count": count,
        "volume": count * 10**6,
        "unique_senders": count,
        "unique_receivers": count,
        "large_transfers": 0,
    }
    return TokenDaily.objects.create(token=token, day=day, **(fields | extra))


def _synced_to(chain_id: int, when: dt.datetime, block: int = 1000) -> None:
    """Ingestion of ``chain_id`` reached a block mined at ``when``."""
    SyncCheckpoint.objects.create(chain_id=chain_id, synced_block=block, synced_hash="0x" + "a" * 64)
    SeenBlock.objects.create(
        chain_id=chain_id, number=block, hash="0x" + "b" * 64, parent_hash="0x" + "c" * 64, timestamp=when
    )


@pytest.fixture
def token():
    return TokenFactory(decimals=6)


def test_the_row_of_a_day_holds_the_previous_days_aggregates_in_whole_tokens(token):
    _daily(token, dt.date(2024, 3, 1), 3)
    _daily(token, dt.date(2024, 3, 2), 5, volume=2_500_000, large_transfers=1)
    _synced_to(token.chain_id, dt.datetime(2024, 3, 10, 6, tzinfo=UTC))
    frame, _ = features.daily_frame(token=token, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 5))
    row = frame.loc["2024-03-03"]
    assert row["onchain_transfer_count"] == 5
    assert row["onchain_volume"] == 2.5
    assert row["onchain_large_transfers"] == 1


def test_a_covered_day_without_transfers_is_zero_and_days_before_ingestion_are_missing(token):
    _daily(token, dt.date(2024, 3, 1), 3)
    _daily(token, dt.date(2024, 3, 2), 4)
    _daily(token, dt.date(2024, 3, 5), 6)
    _synced_to(token.chain_id, dt.datetime(2024, 3, 10, 6, tzinfo=UTC))
    frame, days = features.daily_frame(token=token, start=dt.date(2024, 2, 25), end=dt.date(2024, 3, 8))
    assert frame.loc[:"2024-03-02"].isna().all().all()  # before, and the first (maybe partial) day
    assert frame.loc["2024-03-03", "onchain_transfer_count"] == 4
    assert frame.loc["2024-03-04", "onchain_transfer_count"] == 0  # 03-03 ingested, no transfers
    assert frame.loc["2024-03-06", "onchain_transfer_count"] == 6
    assert days == 6  # rows 03-03 .. 03-08


def test_days_ingestion_has_not_completed_are_missing_not_zero(token):
    _daily(token, dt.date(2024, 3, 1), 3)
    _daily(token, dt.date(2024, 3, 2), 4)
    _synced_to(token.chain_id, dt.datetime(2024, 3, 4, 9, tzinfo=UTC))  # 03-04 still running
    frame, _ = features.daily_frame(token=token, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 8))
    assert frame.loc["2024-03-04", "onchain_transfer_count"] == 0  # day 03-03: complete, quiet
    assert frame.loc["2024-03-05":].isna().all().all()


def test_a_transfer_beyond_the_checkpoint_does_not_extend_the_coverage(token):
    _daily(token, dt.date(2024, 3, 1), 3)
    _synced_to(token.chain_id, dt.datetime(2024, 3, 5, 9, tzinfo=UTC), block=1000)
    late = dt.datetime(2024, 3, 9, tzinfo=UTC)
    TransferFactory(token=token, block_number=2000, block_hash="0x" + "d" * 64, timestamp=late)
    assert features.coverage(token).last_day == dt.date(2024, 3, 4)


def test_a_forecast_day_sees_nothing_of_that_day_or_later(token):
    """The lag rule: rows up to day t are the same whatever the aggregates of days ≥ t become."""
    for offset in range(20):
        _daily(token, dt.date(2024, 3, 1) + dt.timedelta(days=offset), 10 + offset)
    _synced_to(token.chain_id, dt.datetime(2024, 3, 25, tzinfo=UTC))
    t = pd.Timestamp("2024-03-12")
    before, _ = features.daily_frame(token=token, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 24))
    TokenDaily.objects.filter(token=token, day__gte=t.date()).update(transfer_count=999, volume=999 * 10**6)
    after, _ = features.daily_frame(token=token, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 24))
    assert after.loc[:t].equals(before.loc[:t])
    assert after.loc[t + pd.Timedelta(days=1), "onchain_transfer_count"] == 999  # day t reaches t + 1


def test_without_ingested_aggregates_no_row_carries_data(token):
    _synced_to(token.chain_id, dt.datetime(2024, 3, 25, tzinfo=UTC))
    frame, days = features.daily_frame(token=token, start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 24))
    assert days == 0 and math.isnan(frame.iloc[-1, 0])


def test_an_asset_without_the_metadata_keys_has_no_token_and_says_so():
    token, reason = features.linked_token({"sector": "tech"})
    assert token is None and "not linked" in reason


def test_metadata_naming_an_unknown_token_has_no_token_and_says_so():
    token, reason = features.linked_token({"chain_id": 1, "contract_address": address()})
    assert token is None and "link_asset_token" in reason


# --- link_asset_token ----------------------------------------------------------------------------


@pytest.fixture
def asset(db):
    return Asset.objects.create(id="DMO", name="Demo token", type="crypto", metadata={"sector": "test"})


def _link(*args) -> str:
    out = StringIO()
    call_command("link_asset_token", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("which", ["chain", "anvil_chain"])
def test_linking_reads_an_unknown_token_from_the_chain(which, request, asset):
    chain = request.getfixturevalue(which)
    deployed = chain.deploy("DemoToken", "Demo Token", "DMO", 6)
    output = _link("DMO", "--chain-id", str(chain.chain_id), "--address", deployed.contract_address.lower())
    asset.refresh_from_db()
    assert asset.metadata == {
        "sector": "test",
        "chain_id": chain.chain_id,
        "contract_address": deployed.contract_address,
    }
    token = Token.objects.get(chain_id=chain.chain_id, address=deployed.contract_address)
    assert (token.symbol, token.decimals) == ("DMO", 6)
    assert chain.network.name in output


def test_linking_a_known_token_needs_no_node(asset, settings):
    settings.ONCHAIN_RPC_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.ONCHAIN_RPC_TIMEOUT = 1
    reset_chains()
    token = TokenFactory(chain_id=1)
    _link("DMO", "--chain-id", "1", "--address", token.address)
    asset.refresh_from_db()
    assert asset.metadata["contract_address"] == token.address
    reset_chains()


def test_a_wrong_eip55_checksum_is_refused(asset, chain):
    good = address(0xABCDEF)
    wrong = good[:2] + good[2:].swapcase()
    with pytest.raises(CommandError, match="EIP-55"):
        _link("DMO", "--chain-id", str(chain.chain_id), "--address", wrong)


def test_an_address_without_code_is_not_a_token(asset, chain):
    with pytest.raises(CommandError, match="no contract code"):
        _link("DMO", "--chain-id", str(chain.chain_id), "--address", address(0xBEEF))
    asset.refresh_from_db()
    assert "contract_address" not in asset.metadata


def test_an_unknown_token_on_another_chain_is_refused_naming_both_chains(asset, chain):
    with pytest.raises(CommandError, match=rf"chain 56.*node is chain {chain.chain_id}"):
        _link("DMO", "--chain-id", "56", "--address", address(0xBEEF))


def test_an_unreachable_node_is_a_clear_error_fast(asset, settings):
    settings.ONCHAIN_RPC_URL = "http://127.0.0.1:9"
    settings.ONCHAIN_CHAIN_ID = 31337
    settings.ONCHAIN_RPC_TIMEOUT = 1
    reset_chains()
    started = dt.datetime.now()
    with pytest.raises(CommandError, match="is not reachable"):
        _link("DMO", "--chain-id", "31337", "--address", address(0xBEEF))
    assert (dt.datetime.now() - started).total_seconds() < 5
    reset_chains()


def test_unlinking_keeps_the_other_metadata(asset):
    token = TokenFactory(chain_id=1)
    _link("DMO", "--chain-id", "1", "--address", token.address)
    _link("DMO", "--unlink")
    asset.refresh_from_db()
    assert asset.metadata == {"sector": "test"}


# --- the asset admin -----------------------------------------------------------------------------


def _save_in_admin(client, asset, metadata: str):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    form = {"id": asset.id, "name": asset.name, "type": asset.type, "currency": "USD", "metadata": metadata}
    return client.post(f"/admin/assets/asset/{asset.id}/change/", form | {"is_active": "on", "description": ""})


def test_the_asset_admin_stores_a_link_to_a_known_token_checksummed(client, asset):
    token = TokenFactory(chain_id=1)
    answer = _save_in_admin(client, asset, f'{{"chain_id": "1", "contract_address": "{token.address.lower()}"}}')
    assert answer.status_code == 302
    asset.refresh_from_db()
    assert asset.metadata == {"chain_id": 1, "contract_address": token.address}


def test_the_asset_admin_refuses_a_link_that_names_no_token(client, asset, chain):
    answer = _save_in_admin(client, asset, f'{{"chain_id": {chain.chain_id}, "contract_address": "{address(0xBEEF)}"}}')
    assert answer.status_code == 200
    assert "no contract code" in answer.content.decode()
    asset.refresh_from_db()
    assert asset.metadata == {"sector": "test"}
