"""A linked token's on-chain activity offered to the scikit-learn forecaster, kept only where it helps.

Prices are real (BTC, AAPL from data/sample). The token activity is synthetic test input written
for these tests: an "informative" series built from the asset's own future returns (an oracle, so
that an improvement is certain) and an "uninformative" one that is the same every day. Neither is
ever shown to users.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from apps.assets.models import quantize_price
from apps.assets.selectors import close_series
from apps.onchain import features
from apps.onchain.chain import reset_chains
from apps.onchain.models import SeenBlock, SyncCheckpoint, TokenDaily
from apps.onchain.networks import IN_PROCESS_CHAIN_ID
from apps.onchain.services.links import link_asset_token
from apps.predictions import forecasting, inputs, services
from apps.predictions.models import ModelVersion, Prediction
from tests.onchain.factories import TokenFactory
from tests.predictions import forecasting_data
from tests.predictions.conftest import real_closes

pytestmark = pytest.mark.django_db

MODELS = ["naive", "sklearn"]
ORIGINS = 10
INGESTED_FROM = dt.date(2015, 6, 1)
QUIET = {"transfer_count": 1, "volume": 1, "unique_senders": 1, "unique_receivers": 1}


def _ingested(token, days: dict[dt.date, int]) -> None:
    """Store test aggregates (one count per day) and a checkpoint that covers them."""
    TokenDaily.objects.bulk_create(
        TokenDaily(
            token=token,
            day=day,
            transfer_count=count,
            volume=count * 10**6,
            unique_senders=count,
            unique_receivers=count,
            large_transfers=0,
        )
        for day, count in days.items()
    )
    reached = dt.datetime.combine(max(days) + dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC)
    SyncCheckpoint.objects.create(chain_id=token.chain_id, synced_block=10, synced_hash="0x" + "a" * 64)
    SeenBlock.objects.create(
        chain_id=token.chain_id, number=10, hash="0x" + "b" * 64, parent_hash="0x" + "c" * 64, timestamp=reached
    )


def _oracle(closes: pd.Series, horizon: int) -> dict[dt.date, int]:
    """Day d's count encodes the return from d + 1 to d + 1 + horizon: what a forecast at d + 1 predicts."""
    logp = np.log(closes)
    future = (logp.shift(-(1 + horizon)) - logp.shift(-1)).dropna()
    return {day.date(): round(1000 * math.exp(r)) for day, r in future.loc[str(INGESTED_FROM) :].items()}


def _clearly_better(effect: dict) -> bool:
    """The keep rule as documented: relMAE at least 1% lower and a paired t of at least 2."""
    return effect["rel_mae_with"] <= 0.99 * effect["rel_mae_without"] and effect["t"] >= 2


@pytest.fixture
def token():
    return TokenFactory(chain_id=IN_PROCESS_CHAIN_ID, decimals=6)


@pytest.fixture
def linked_btc(btc, token):
    link_asset_token(asset=btc, chain_id=token.chain_id, address=token.address)
    btc.refresh_from_db()
    return btc


def test_an_informative_series_is_kept_and_its_effect_recorded_in_the_version(linked_btc, token):
    _ingested(token, _oracle(real_closes("BTC", start="2014-06-01", end="2018-06-30"), 1))
    out = StringIO()
    call_command("train_models", "--symbol", "BTC", "--models", ",".join(MODELS), "--origins", str(ORIGINS), stdout=out)
    version = ModelVersion.objects.get(asset=linked_btc)
    assert "1d naive (no edge) +onchain" in out.getvalue()  # 10 origins: too few to serve sklearn

    effect = version.metrics["1d"]["onchain"]
    assert effect["offered"] is True and effect["kept"] is True
    assert effect["rel_mae_with"] < effect["rel_mae_without"]
    assert effect["n_forecasts"] == ORIGINS and effect["onchain_days"] >= inputs.MIN_ONCHAIN_DAYS
    assert "1d" in version.parameters["onchain_horizons"]
    recorded = version.parameters["onchain_token"]
    assert recorded["address"] == token.address and recorded["network"] == "In-process chain (eth-tester)"
    for name, measured in version.metrics.items():  # every horizon is measured and follows the rule
        assert measured["onchain"]["kept"] == _clearly_better(measured["onchain"])
        assert (name in version.parameters["onchain_horizons"]) == measured["onchain"]["kept"]


def test_a_version_that_kept_the_series_forecasts_with_it(linked_btc, token):
    _ingested(token, _oracle(real_closes("BTC", start="2014-06-01", end="2018-06-30"), 1))
    # 24 origins: the fewest with which a model other than the random walk can be selected.
    version = services.train_model_version(asset=linked_btc, models=MODELS, origins=24)
    assert "1d" in version.parameters["onchain_horizons"]
    predictions = services.generate_predictions(asset=linked_btc)
    served = next(p for p in predictions if p.timeframe == "1d")
    assert served.model_name == "sklearn"
    # The same forecast recomputed without the series differs: the served one used it.
    plain = forecasting.forecast(
        close_series(linked_btc.id), horizons={"1d": 1}, selections=services.load_selections(version)
    )["1d"]
    assert served.predicted_price != quantize_price(Decimal(repr(plain.point)))


def test_an_uninformative_series_is_dropped(linked_btc, token):
    days = pd.date_range(INGESTED_FROM, "2018-06-30").date
    noise = np.random.default_rng(7).integers(900, 1100, len(days))
    _ingested(token, {day: int(count) for day, count in zip(days, noise, strict=True)})
    version = services.train_model_version(asset=linked_btc, models=MODELS, origins=ORIGINS)
    assert version.parameters["onchain_horizons"] == []
    for measured in version.metrics.values():
        effect = measured["onchain"]
        assert effect["offered"] is True and effect["kept"] is False
        assert not _clearly_better(effect)


def test_too_short_an_ingested_history_is_not_offered_and_says_why(linked_btc, token):
    _ingested(token, dict.fromkeys(pd.date_range("2018-03-01", "2018-06-30").date, 1000))
    version = services.train_model_version(asset=linked_btc, models=["naive", "drift", "sklearn"], origins=ORIGINS)
    reason = version.metrics["1d"]["onchain"]
    assert reason["offered"] is False and "Not enough on-chain history" in reason["reason"]
    assert version.parameters["onchain_token"]["address"] == token.address


def test_an_asset_without_a_token_link_trains_exactly_as_before(aapl):
    version = services.train_model_version(asset=aapl, models=MODELS, origins=ORIGINS)
    assert version.parameters["onchain_horizons"] == [] and version.parameters["onchain_token"] is None
    assert version.metrics["1d"]["onchain"]["offered"] is False
    assert "not linked" in version.metrics["1d"]["onchain"]["reason"]
    direct = forecasting.select_model(close_series(aapl.id), horizon=1, candidates=tuple(MODELS), origins=ORIGINS)
    assert services.load_selections(version)["1d"].to_dict() == direct.to_dict()


def test_a_forecast_as_of_day_t_does_not_change_when_aggregates_of_days_from_t_change(linked_btc, token):
    """The lag rule, through the forecaster: only days before t reach a forecast as of t."""
    closes = real_closes("BTC", start="2014-06-01", end="2018-06-30")
    _ingested(token, _oracle(closes, 1))
    prices = close_series(linked_btc.id).loc[:"2017-12-31"]
    t = prices.index[-1].date()
    selection = forecasting.select_model(prices, horizon=1, candidates=("naive", "sklearn"), origins=ORIGINS)
    selection.model = "sklearn"

    def forecast_as_of_t() -> float:
        frame, _ = features.daily_frame(token=token, start=prices.index[0].date(), end=t)
        return forecasting.forecast(prices, horizons={"1d": 1}, selections={"1d": selection}, exog=frame)["1d"].point

    before = forecast_as_of_t()
    TokenDaily.objects.filter(token=token, day__gte=t).update(**QUIET)
    assert forecast_as_of_t() == before
    TokenDaily.objects.filter(token=token, day=t - dt.timedelta(days=1)).update(**QUIET)
    assert forecast_as_of_t() != before  # day t − 1 does reach it


def test_training_and_forecasting_work_with_the_node_unreachable(linked_btc, token, settings):
    settings.ONCHAIN_RPC_URL = "http://127.0.0.1:9"  # nothing listens: features come from the database
    settings.ONCHAIN_RPC_TIMEOUT = 1
    reset_chains()
    _ingested(token, _oracle(real_closes("BTC", start="2014-06-01", end="2018-06-30"), 1))
    version = services.train_model_version(asset=linked_btc, models=MODELS, origins=ORIGINS)
    assert version.metrics["1d"]["onchain"]["offered"] is True
    services.generate_predictions(asset=linked_btc)
    assert Prediction.objects.filter(asset=linked_btc, model_version=version).count() == 4
    reset_chains()


def test_an_input_without_data_in_the_training_window_leaves_the_forecast_unchanged():
    """Ingestion that began after an origin: the column is all missing there, and is left out."""
    prices = forecasting_data.btc(900)
    missing = pd.DataFrame({"onchain_transfer_count": np.nan}, index=pd.date_range(prices.index[0], prices.index[-1]))
    plain = forecasting.MODELS["sklearn"]().fit(prices).log_return(1)
    assert forecasting.MODELS["sklearn"]().fit(prices, missing).log_return(1) == plain
