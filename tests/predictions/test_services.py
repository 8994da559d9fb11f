"""Forecast use cases on real price series: training, serving, issuing, scoring, the track record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from apps.assets.models import PriceBar
from apps.assets.selectors import close_series
from apps.predictions import selectors, services
from apps.predictions.models import ModelVersion, Prediction, VersionStatus
from apps.predictions.registry import ArtifactError
from quantumvest.errors import Conflict, ValidationFailed
from tests.predictions.conftest import make_asset, prediction_row, real_closes, store_bars, version_row

pytestmark = pytest.mark.django_db

ISSUED_FIELDS = [
    "asset_id",
    "model_version_id",
    "model_name",
    "timestamp",
    "timeframe",
    "horizon_periods",
    "as_of",
    "as_of_price",
    "target_date",
    "predicted_price",
    "confidence_lower",
    "confidence_upper",
    "level",
    "direction",
    "confidence_score",
]


def issued(prediction: Prediction) -> dict:
    return {name: getattr(prediction, name) for name in ISSUED_FIELDS}


def test_training_stores_a_candidate_with_a_selection_per_horizon(aapl, model_store):
    version = services.train_model_version(asset=aapl, models=["naive", "drift"], origins=12)

    assert version.status == VersionStatus.CANDIDATE
    assert version.algorithm == "selection"
    assert version.training_end == date(2014, 12, 31)
    assert set(version.metrics) == {"1d", "1w", "1m", "3m"}
    for summary in version.metrics.values():
        assert summary["model"] in ("naive", "drift")
        # As many origins as asked, or as fit in five years (3m: 11 origins 63 days apart).
        assert 10 <= summary["metrics"]["n_forecasts"] <= 12
    assert version.metrics["1d"]["metrics"]["n_forecasts"] == 12
    assert (model_store / version.artifact).is_file()
    selections = services.load_selections(version)
    assert {name: s.model for name, s in selections.items()} == {n: s["model"] for n, s in version.metrics.items()}


def test_unknown_model_names_are_refused(aapl):
    with pytest.raises(ValidationFailed, match="Unknown model arima"):
        services.train_model_version(asset=aapl, models=["naive", "arima"])


def test_too_short_a_history_is_a_clear_error(db):
    asset = make_asset("AAPL", start="2014-01-01", end="2014-12-31")
    with pytest.raises(ValidationFailed, match="Cannot train a model for AAPL"):
        services.train_model_version(asset=asset, models=["naive"])


def test_a_young_asset_gets_the_random_walk_where_it_cannot_be_backtested(db):
    asset = make_asset("AAPL", start="2011-01-01", end="2014-12-31")  # 1,006 days: too few for 3m

    predictions = services.generate_predictions(asset=asset)

    version = predictions[0].model_version
    assert "not_backtested" in version.metrics["3m"] and version.metrics["3m"]["model"] == "naive"
    assert "not_backtested" not in version.metrics["1m"]
    assert predictions[3].model_name == "naive"
    assert selectors.skill_in_words(version.metrics["3m"]).startswith("Not backtested")


def test_an_artifact_that_fails_its_checksum_is_refused(aapl, model_store):
    version = services.train_model_version(asset=aapl, models=["naive"], origins=10)
    path = model_store / version.artifact
    path.write_bytes(path.read_bytes() + b"tampered")

    with pytest.raises(ArtifactError, match="fails its checksum"):
        services.load_selections(version)
    with pytest.raises(ArtifactError):
        services.generate_predictions(asset=aapl)
    assert not Prediction.objects.exists()


def test_generation_stores_four_consistent_forecasts(aapl):
    predictions = services.generate_predictions(asset=aapl)

    last_close = Decimal(str(close_series("AAPL").iloc[-1])).quantize(Decimal("0.00000001"))
    assert [p.timeframe for p in predictions] == ["1d", "1w", "1m", "3m"]
    assert [p.horizon_periods for p in predictions] == [1, 5, 21, 63]
    for p in predictions:
        assert p.as_of == date(2014, 12, 31)
        assert p.as_of_price == last_close
        assert p.confidence_lower <= p.predicted_price <= p.confidence_upper
        assert p.confidence_lower < p.confidence_upper
        assert 0 <= p.confidence_score <= 1
        assert p.level == Decimal("0.800")
        if p.predicted_price != last_close:
            assert p.direction == ("up" if p.predicted_price > last_close else "down")
        assert not p.is_scored
    # Business days after Wednesday 2014-12-31: 1 → Thu 1 Jan, 5 → Wed 7 Jan (holidays are not known).
    assert predictions[0].target_date == date(2015, 1, 1)
    assert predictions[1].target_date == date(2015, 1, 7)


def test_crypto_horizons_are_calendar_days(btc):
    predictions = services.generate_predictions(asset=btc)

    assert [p.horizon_periods for p in predictions] == [1, 7, 30, 90]
    assert [(p.target_date - p.as_of).days for p in predictions] == [1, 7, 30, 90]


def test_generation_trains_a_candidate_when_none_exists(aapl):
    services.generate_predictions(asset=aapl)

    version = ModelVersion.objects.get(asset=aapl)
    assert version.parameters["candidates"] == ["naive", "drift"]
    assert Prediction.objects.filter(model_version=version).count() == 4


def test_repeated_generation_for_the_same_data_returns_the_stored_forecasts(aapl):
    first = services.generate_predictions(asset=aapl)
    again = services.generate_predictions(asset=aapl)

    assert [p.pk for p in again] == [p.pk for p in first]
    assert Prediction.objects.count() == 4
    assert ModelVersion.objects.count() == 1


def test_a_new_price_gives_new_forecasts_from_the_same_version(aapl):
    first = services.generate_predictions(asset=aapl)
    store_bars(aapl, real_closes("AAPL", start="2015-01-01", end="2015-01-02"))

    later = services.generate_predictions(asset=aapl)

    assert later[0].as_of == date(2015, 1, 2)
    assert later[0].model_version_id == first[0].model_version_id
    assert Prediction.objects.count() == 8


def test_an_approved_version_is_served_before_newer_candidates(aapl):
    approved = services.train_model_version(asset=aapl, models=["naive"], origins=10)
    services.set_version_status(version=approved, status=VersionStatus.APPROVED)
    services.train_model_version(asset=aapl, models=["naive", "drift"], origins=10)

    predictions = services.generate_predictions(asset=aapl)

    assert {p.model_version_id for p in predictions} == {approved.pk}


def test_retired_versions_are_never_served_and_stay_retired(aapl):
    version = services.train_model_version(asset=aapl, models=["naive"], origins=10)
    services.set_version_status(version=version, status=VersionStatus.RETIRED)

    assert selectors.serving_version(aapl) is None
    with pytest.raises(Conflict):
        services.set_version_status(version=version, status=VersionStatus.APPROVED)


def test_requiring_approval_refuses_to_serve_candidates(aapl, settings):
    settings.QV_REQUIRE_APPROVED_MODEL = True
    services.train_model_version(asset=aapl, models=["naive"], origins=10)

    with pytest.raises(services.NoServableModel):
        services.generate_predictions(asset=aapl)


def test_an_asset_without_prices_is_a_clear_error(plain_asset):
    with pytest.raises(ValidationFailed, match="no prices"):
        services.generate_predictions(asset=plain_asset)


def test_predict_command_stores_four_forecasts(aapl, capsys):
    call_command("predict", "--symbol", "aapl")

    assert Prediction.objects.filter(asset=aapl).count() == 4
    assert "AAPL 3m as of 2014-12-31" in capsys.readouterr().out


def test_predict_command_names_unknown_symbols(db):
    with pytest.raises(CommandError, match="Unknown symbol\\(s\\): NOPE"):
        call_command("predict", "--symbol", "nope")


def test_train_models_command_stores_a_version(aapl, capsys):
    call_command("train_models", "--symbol", "AAPL", "--models", "naive,drift", "--origins", "10")

    assert ModelVersion.objects.filter(asset=aapl, status=VersionStatus.CANDIDATE).count() == 1
    assert "AAPL: version" in capsys.readouterr().out


# --- Scoring ----------------------------------------------------------------------------------------


@pytest.fixture
def issued_in_2014(aapl):
    """Forecasts issued on 2014-12-31's close; later prices are then added from the real file."""
    return services.generate_predictions(asset=aapl)


def test_scoring_waits_for_the_target_dates_price(aapl, issued_in_2014):
    assert services.score_matured_predictions() == 0
    assert not Prediction.objects.scored().exists()


def test_scoring_fills_only_the_scoring_fields(aapl, issued_in_2014):
    before = {p.pk: issued(p) for p in issued_in_2014}
    later = real_closes("AAPL", start="2015-01-01", end="2015-04-30")
    store_bars(aapl, later)

    assert services.score_matured_predictions() == 4

    for prediction in Prediction.objects.all():
        assert issued(prediction) == before[prediction.pk]
        # The first bar on or after the target date (2015-01-01 was a holiday: 2 January is used).
        bar = PriceBar.objects.filter(asset=aapl, date__gte=prediction.target_date).order_by("date").first()
        assert prediction.realised_at == bar.date
        assert prediction.realised_price == bar.close
        assert prediction.abs_error == abs(bar.close - prediction.predicted_price)
        assert prediction.naive_abs_error == abs(bar.close - prediction.as_of_price)
        assert prediction.in_interval == (prediction.confidence_lower <= bar.close <= prediction.confidence_upper)
        went_up = bar.close > prediction.as_of_price
        assert prediction.direction_correct == (
            went_up if prediction.direction == "up" else bar.close < prediction.as_of_price
        )
    assert Prediction.objects.get(timeframe="1d").realised_at == date(2015, 1, 2)


def test_scoring_twice_changes_nothing(aapl, issued_in_2014):
    store_bars(aapl, real_closes("AAPL", start="2015-01-01", end="2015-04-30"))
    services.score_matured_predictions()
    first = {p.pk: (p.realised_price, p.scored_at) for p in Prediction.objects.all()}

    assert services.score_matured_predictions() == 0
    assert {p.pk: (p.realised_price, p.scored_at) for p in Prediction.objects.all()} == first


def test_only_matured_horizons_are_scored(aapl, issued_in_2014):
    # Targets: 1d 2015-01-01, 1w 01-07, 1m 01-29, 3m 04-01; prices arrive up to 01-20.
    store_bars(aapl, real_closes("AAPL", start="2015-01-01", end="2015-01-20"))

    assert services.score_matured_predictions() == 2
    assert sorted(Prediction.objects.scored().values_list("timeframe", flat=True)) == ["1d", "1w"]


# --- Track record -----------------------------------------------------------------------------------


def scored_row(asset, version, *, as_of_price, predicted, lower, upper, realised, direction, score, timeframe="1d"):
    as_of_price, predicted, lower, upper, realised = map(Decimal, (as_of_price, predicted, lower, upper, realised))
    moved_right = realised > as_of_price if direction == "up" else realised < as_of_price
    return prediction_row(
        asset,
        version,
        timeframe=timeframe,
        as_of_price=as_of_price,
        predicted_price=predicted,
        confidence_lower=lower,
        confidence_upper=upper,
        direction=direction,
        confidence_score=Decimal(score),
        realised_price=realised,
        realised_at=date(2014, 12, 31),
        abs_error=abs(realised - predicted),
        naive_abs_error=abs(realised - as_of_price),
        in_interval=lower <= realised <= upper,
        direction_correct=moved_right,
        scored_at="2015-01-01T00:00:00Z",
    )


def test_track_record_figures_on_a_known_set(plain_asset):
    version = version_row(plain_asset)
    versions = [version, version_row(plain_asset), version_row(plain_asset), version_row(plain_asset)]
    # Four 1d forecasts from a last price of 100 (one per version: same as_of is allowed per version).
    # 1: up to 101, actual 102: right, outside [99, 101.5]; |err| 1, naive 2
    # 2: up to 101, actual 99:  wrong, inside [98, 103];    |err| 2, naive 1
    # 3: down to 99, actual 98: right, inside [97, 101];    |err| 1, naive 2
    # 4: up to 100.5, actual 104: right, outside [99, 102]; |err| 3.5, naive 4
    rows = [
        ("100", "101", "99", "101.5", "102", "up", "0.62"),
        ("100", "101", "98", "103", "99", "up", "0.72"),
        ("100", "99", "97", "101", "98", "down", "0.65"),
        ("100", "100.5", "99", "102", "104", "up", "0.92"),
    ]
    for v, (base, point, lower, upper, actual, direction, score) in zip(versions, rows, strict=True):
        scored_row(
            plain_asset,
            v,
            as_of_price=base,
            predicted=point,
            lower=lower,
            upper=upper,
            realised=actual,
            direction=direction,
            score=score,
        )
    prediction_row(plain_asset, version, timeframe="1w", horizon_periods=5, target_date=date(2015, 1, 7))

    record = selectors.track_record(asset=plain_asset)
    overall = record["overall"]

    assert record["pending"] == 1
    assert overall.count == 4
    assert overall.hit_rate == pytest.approx(0.75)
    assert overall.base_rate_up == pytest.approx(0.5)  # 102 and 104 rose; 99 and 98 fell
    assert overall.coverage == pytest.approx(0.5)
    assert overall.nominal_level == pytest.approx(0.8)
    assert overall.mean_abs_pct_error == pytest.approx((0.01 + 0.02 + 0.01 + 0.035) / 4)
    assert overall.rel_mae == pytest.approx(7.5 / 9)
    # Brier: (0.62-1)² + (0.72-0)² + (0.65-1)² + (0.92-1)² = 0.1444 + 0.5184 + 0.1225 + 0.0064
    assert overall.brier == pytest.approx(0.7917 / 4)
    assert overall.brier_reference == pytest.approx(0.75 * 0.25)
    by_timeframe = dict(record["by_timeframe"])
    assert by_timeframe["1d"].count == 4 and by_timeframe["1w"].count == 0
    reliability = {row["band"]: row for row in record["reliability"]}
    assert reliability["0.6\u20130.7"]["count"] == 2 and reliability["0.6\u20130.7"]["hit_rate"] == pytest.approx(1.0)
    assert reliability["0.7\u20130.8"]["hit_rate"] == pytest.approx(0.0)
    assert reliability["0.9\u20131.0"]["count"] == 1


def test_track_record_is_empty_until_something_matures(aapl, issued_in_2014):
    record = selectors.track_record(asset=aapl)

    assert record["overall"].count == 0 and record["overall"].hit_rate is None
    assert record["pending"] == 4
    assert record["reliability"] == []


def test_skill_is_described_in_plain_words():
    beats = {"beats_random_walk": True, "metrics": {"n_forecasts": 100, "rel_mae": 0.97}}
    none = {"beats_random_walk": False, "metrics": {"n_forecasts": 48, "rel_mae": 1.0}}

    assert selectors.skill_in_words(beats).startswith("Over 100 past forecasts this model's error was 3% smaller")
    assert selectors.skill_in_words(none).startswith("No edge over a random walk")
    assert selectors.skill_in_words({}).startswith("Not backtested")
