"""Stored forecasts, the model versions that issued them, and the jobs that produce them.

A ``Prediction`` is issued once and never edited: only its scoring fields fill in, once, when the
price on (or first after) its target date is known. A ``ModelVersion`` is one training run for one
asset: for every horizon it records which model the walk-forward selection chose and its
backtested metrics; the selections themselves live in a joblib artifact with a sha256 checksum.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.assets.models import PRICE_PLACES, Asset
from quantumvest.jobs import Job


class Timeframe(models.TextChoices):
    """Horizons: 1/5/21/63 trading days for stocks, ETFs and indices; 1/7/30/90 days for crypto."""

    DAY = "1d", "1 day"
    WEEK = "1w", "1 week"
    MONTH = "1m", "1 month"
    QUARTER = "3m", "3 months"


class Direction(models.TextChoices):
    UP = "up", "Up"
    DOWN = "down", "Down"


class VersionStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    APPROVED = "approved", "Approved"
    RETIRED = "retired", "Retired"


def _price_field(**extra) -> models.DecimalField:
    return models.DecimalField(max_digits=20, decimal_places=PRICE_PLACES, **extra)


class ModelVersion(models.Model):
    """One training run for one asset: the selected model per horizon, its metrics and artifact."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="model_versions")
    algorithm = models.CharField(
        max_length=100, help_text="The model, or 'selection' when the best of several candidates is chosen per horizon."
    )
    parameters = models.JSONField(default=dict, blank=True, help_text="Candidates, origins, interval level, horizons.")
    code_version = models.CharField(max_length=100, help_text="git describe of the code that trained it.")
    training_start = models.DateField()
    training_end = models.DateField(help_text="Last price date the selection saw.")
    trained_at = models.DateTimeField(default=timezone.now)
    metrics = models.JSONField(
        default=dict, blank=True, help_text="Per horizon: chosen model, edge over the random walk, backtest metrics."
    )
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.CANDIDATE)
    artifact = models.CharField(max_length=300, help_text="Path of the joblib file, relative to QV_MODEL_STORE.")
    checksum = models.CharField(max_length=64, help_text="sha256 of the artifact, verified on every load.")
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-trained_at"]
        get_latest_by = "trained_at"
        permissions = [("review_modelversion", "Can approve, retire and re-backtest model versions")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=VersionStatus.values), name="predictions_modelversion_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(training_start__lte=models.F("training_end")),
                name="predictions_modelversion_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(checksum__regex=r"^[0-9a-f]{64}$"), name="predictions_modelversion_checksum_sha256"
            ),
        ]
        indexes = [models.Index(fields=["asset", "status", "-trained_at"], name="predictions_mv_asset_status")]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.algorithm} {self.trained_at:%Y-%m-%d %H:%M} ({self.status})"

    def selection_summary(self, timeframe: str) -> dict:
        """The stored selection for one horizon ({} when the version has none for it)."""
        return (self.metrics or {}).get(timeframe, {})


class PredictionQuerySet(models.QuerySet["Prediction"]):
    def scored(self) -> PredictionQuerySet:
        return self.filter(realised_price__isnull=False)

    def unscored(self) -> PredictionQuerySet:
        return self.filter(realised_price__isnull=True)


class Prediction(models.Model):
    """One issued forecast. Issued fields never change; scoring fields fill once, when it matures."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="predictions")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="predictions")
    model_name = models.CharField(max_length=50, help_text="The model the version selected for this horizon.")
    timestamp = models.DateTimeField("generated at", default=timezone.now)
    timeframe = models.CharField(max_length=2, choices=Timeframe.choices)
    horizon_periods = models.PositiveSmallIntegerField(help_text="Trading days (stocks) or calendar days (crypto).")
    as_of = models.DateField(help_text="Date of the last price the forecast used.")
    as_of_price = _price_field(help_text="That last price (adjusted close where the vendor gave one).")
    target_date = models.DateField(
        help_text="as_of + horizon: business days (Mon–Fri, exchange holidays not known) for stocks, calendar days for crypto."
    )
    predicted_price = _price_field()
    confidence_lower = _price_field()
    confidence_upper = _price_field()
    level = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.800"), help_text="Nominal coverage.")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    confidence_score = models.DecimalField(
        max_digits=5, decimal_places=4, help_text="Calibrated probability that the stated direction is right."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replayed = models.BooleanField(
        default=False,
        help_text="Issued by a market replay as of a past market date (not live); shown apart from live forecasts.",
    )

    # Scoring: all empty until the target date's price (or the first one after it) exists.
    realised_price = _price_field(null=True, blank=True)
    realised_at = models.DateField(null=True, blank=True, help_text="Date of the bar the forecast was scored against.")
    abs_error = _price_field(null=True, blank=True)
    naive_abs_error = _price_field(
        null=True, blank=True, help_text="Error of the random walk (tomorrow = today) on the same forecast."
    )
    in_interval = models.BooleanField(null=True, blank=True)
    direction_correct = models.BooleanField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    objects = PredictionQuerySet.as_manager()

    SCORING_FIELDS = (
        "realised_price",
        "realised_at",
        "abs_error",
        "naive_abs_error",
        "in_interval",
        "direction_correct",
        "scored_at",
    )

    class Meta:
        ordering = ["-timestamp", "asset", "horizon_periods"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "timeframe", "as_of", "model_version"], name="predictions_prediction_one_per_version"
            ),
            models.CheckConstraint(
                condition=models.Q(timeframe__in=Timeframe.values), name="predictions_prediction_timeframe_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=Direction.values), name="predictions_prediction_direction_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(confidence_lower__lte=models.F("predicted_price"))
                & models.Q(predicted_price__lte=models.F("confidence_upper")),
                name="predictions_prediction_interval_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence_score__gte=0, confidence_score__lte=1),
                name="predictions_prediction_score_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(level__gt=0, level__lt=1), name="predictions_prediction_level_unit"
            ),
            models.CheckConstraint(
                condition=models.Q(target_date__gt=models.F("as_of")), name="predictions_prediction_target_after_as_of"
            ),
            models.CheckConstraint(
                condition=models.Q(predicted_price__gte=0, as_of_price__gt=0),
                name="predictions_prediction_prices_nonnegative",
            ),
            # Scoring fills all of its fields at once, or none of them.
            models.CheckConstraint(
                condition=models.Q(
                    realised_price__isnull=True,
                    realised_at__isnull=True,
                    abs_error__isnull=True,
                    naive_abs_error__isnull=True,
                    in_interval__isnull=True,
                    direction_correct__isnull=True,
                    scored_at__isnull=True,
                )
                | models.Q(
                    realised_price__isnull=False,
                    realised_at__gte=models.F("target_date"),
                    abs_error__gte=0,
                    naive_abs_error__gte=0,
                    in_interval__isnull=False,
                    direction_correct__isnull=False,
                    scored_at__isnull=False,
                ),
                name="predictions_prediction_scoring_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["asset", "-timestamp"], name="predictions_asset_time"),
            models.Index(
                fields=["target_date"],
                name="predictions_unscored_target",
                condition=models.Q(realised_price__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.timeframe} as of {self.as_of}: {self.predicted_price} ({self.direction})"

    @property
    def is_scored(self) -> bool:
        return self.realised_price is not None


class PredictionJob(Job):
    """A user's request to generate forecasts for one asset, run by a worker."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+")

    class Meta(Job.Meta):
        constraints = [Job.state_constraint("predictions_predictionjob_state_valid")]

    def __str__(self) -> str:
        return f"Forecast {self.asset_id} ({self.state})"


class BacktestRun(Job):
    """An analyst's request to re-run the walk-forward backtest of a version's selected models."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="backtest_runs")

    class Meta(Job.Meta):
        verbose_name = "model backtest run"
        constraints = [Job.state_constraint("predictions_backtestrun_state_valid")]

    def __str__(self) -> str:
        return f"Backtest of {self.model_version} ({self.state})"


class SentimentLabel(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class NewsItem(models.Model):
    """A news headline about one or more assets, scored offline by the finance lexicon."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assets = models.ManyToManyField(Asset, related_name="news")
    published_at = models.DateTimeField()
    source = models.CharField(max_length=200)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, unique=True, help_text="Also the identity: the same URL is one item.")
    body = models.TextField(blank=True)
    sentiment_score = models.DecimalField(
        max_digits=5, decimal_places=4, help_text="-1 (bad news for holders) to +1 (good news)."
    )
    sentiment_label = models.CharField(max_length=8, choices=SentimentLabel.choices)
    scorer_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sentiment_score__gte=-1, sentiment_score__lte=1),
                name="predictions_newsitem_score_range",
            ),
            models.CheckConstraint(
                condition=models.Q(sentiment_label__in=SentimentLabel.values),
                name="predictions_newsitem_label_valid",
            ),
        ]
        indexes = [models.Index(fields=["-published_at"], name="predictions_news_published")]

    def __str__(self) -> str:
        return self.title
