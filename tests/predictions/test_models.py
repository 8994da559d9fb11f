"""Database constraints of predictions and model versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.predictions.conftest import prediction_row, version_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(plain_asset):
    return version_row(plain_asset)


def refused(**fields) -> bool:
    try:
        with transaction.atomic():
            prediction_row(**fields)
    except IntegrityError:
        return True
    return False


def test_a_valid_prediction_is_stored(plain_asset, version):
    assert not refused(asset=plain_asset, version=version)


def test_interval_must_contain_the_point(plain_asset, version):
    assert refused(asset=plain_asset, version=version, confidence_lower=Decimal("100.5"))
    assert refused(asset=plain_asset, version=version, confidence_upper=Decimal("99.9"))


def test_confidence_score_stays_within_zero_and_one(plain_asset, version):
    assert refused(asset=plain_asset, version=version, confidence_score=Decimal("1.0001"))
    assert refused(asset=plain_asset, version=version, confidence_score=Decimal("-0.0001"))


def test_timeframe_and_direction_must_be_known(plain_asset, version):
    assert refused(asset=plain_asset, version=version, timeframe="2d")
    assert refused(asset=plain_asset, version=version, direction="flat")


def test_target_date_must_follow_as_of(plain_asset, version):
    assert refused(asset=plain_asset, version=version, target_date=date(2014, 12, 30))


def test_one_prediction_per_asset_timeframe_as_of_and_version(plain_asset, version):
    prediction_row(plain_asset, version)
    assert refused(asset=plain_asset, version=version)
    # Another version, or another timeframe, is a different prediction.
    assert not refused(asset=plain_asset, version=version_row(plain_asset))
    assert not refused(asset=plain_asset, version=version, timeframe="1w", horizon_periods=5)


def test_scoring_fields_fill_all_together(plain_asset, version):
    assert refused(asset=plain_asset, version=version, realised_price=Decimal("101"))
    assert not refused(
        asset=plain_asset,
        version=version,
        realised_price=Decimal("101"),
        realised_at=date(2014, 12, 31),
        abs_error=Decimal("1"),
        naive_abs_error=Decimal("1"),
        in_interval=True,
        direction_correct=True,
        scored_at=timezone.now(),
    )


def test_version_status_and_checksum_are_checked(plain_asset):
    with pytest.raises(IntegrityError), transaction.atomic():
        version_row(plain_asset, status="live")
    with pytest.raises(IntegrityError), transaction.atomic():
        version_row(plain_asset, checksum="not-a-sha256")
