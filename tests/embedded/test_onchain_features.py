"""On-chain features on the `make run` configuration: SQLite, the in-process chain, eager tasks.

The token is deployed on the in-process chain; its daily aggregates are test rows (an oracle of
the asset's own returns), never shown to users.
"""

from __future__ import annotations

import datetime as dt
import math
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from apps.assets.models import Asset
from apps.assets.selectors import close_series
from apps.assets.services import import_price_file
from apps.onchain.chain import get_chain
from apps.onchain.models import SeenBlock, SyncCheckpoint, Token, TokenDaily
from apps.predictions import services

pytestmark = pytest.mark.django_db

BTC = Path(__file__).resolve().parents[2] / "data" / "sample" / "btc_usd_2013_2019.csv"


def test_a_linked_token_is_offered_to_the_forecaster_on_sqlite(settings, tmp_path):
    settings.QV_MODEL_STORE = tmp_path / "models"
    import_price_file(BTC, format="ohlcv", symbol="BTC-USD", create_assets=True, asset_type="crypto")
    chain = get_chain()
    deployed = chain.deploy("DemoToken", "Demo Token", "DMO", 18)
    out = StringIO()
    call_command(
        "link_asset_token",
        "BTC-USD",
        "--chain-id",
        str(chain.chain_id),
        "--address",
        deployed.contract_address,
        stdout=out,
    )
    assert "In-process chain" in out.getvalue()

    asset = Asset.objects.get(pk="BTC-USD")
    token = Token.objects.get(chain_id=asset.metadata["chain_id"], address=asset.metadata["contract_address"])
    closes = close_series(asset.id)
    logp = np.log(closes)
    future = (logp.shift(-2) - logp.shift(-1)).dropna().loc["2016-01-01":]
    TokenDaily.objects.bulk_create(
        TokenDaily(
            token=token,
            day=day.date(),
            transfer_count=round(1000 * math.exp(r)),
            volume=round(1000 * math.exp(r)) * 10**18,  # beyond 64-bit integers: stays exact as Decimal
            unique_senders=1,
            unique_receivers=1,
            large_transfers=0,
        )
        for day, r in future.items()
    )
    reached = dt.datetime.combine(future.index[-1].date() + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    SyncCheckpoint.objects.create(chain_id=chain.chain_id, synced_block=5, synced_hash="0x" + "a" * 64)
    SeenBlock.objects.create(
        chain_id=chain.chain_id, number=5, hash="0x" + "b" * 64, parent_hash="0x" + "c" * 64, timestamp=reached
    )

    version = services.train_model_version(asset=asset, models=["naive", "sklearn"], origins=10)
    assert version.metrics["1d"]["onchain"]["kept"] is True
    assert version.parameters["onchain_token"]["network"] == "In-process chain (eth-tester)"
    assert len(services.generate_predictions(asset=asset)) == 4
