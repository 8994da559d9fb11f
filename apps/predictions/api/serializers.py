from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.predictions.models import ModelVersion, Prediction, PredictionJob


class PredictionSerializer(serializers.ModelSerializer):
    asset = serializers.CharField(source="asset_id", read_only=True, help_text="Asset symbol.")
    timeframe = serializers.ChoiceField(
        choices=Prediction._meta.get_field("timeframe").choices,
        read_only=True,
        help_text="1d/1w/1m/3m = 1/5/21/63 trading days for stocks, 1/7/30/90 calendar days for crypto.",
    )
    model_version = serializers.UUIDField(source="model_version_id", read_only=True)
    generated_at = serializers.DateTimeField(source="timestamp", read_only=True)
    confidence_score = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        read_only=True,
        help_text="Calibrated probability (0–1) that the stated direction is right.",
    )
    is_scored = serializers.BooleanField(read_only=True, help_text="True once the target date's price is known.")

    class Meta:
        model = Prediction
        fields = [
            "id",
            "asset",
            "timeframe",
            "horizon_periods",
            "generated_at",
            "as_of",
            "as_of_price",
            "target_date",
            "predicted_price",
            "confidence_lower",
            "confidence_upper",
            "level",
            "direction",
            "confidence_score",
            "model_name",
            "model_version",
            "is_scored",
            "realised_price",
            "realised_at",
            "abs_error",
            "naive_abs_error",
            "in_interval",
            "direction_correct",
        ]
        read_only_fields = fields


class ModelVersionSerializer(serializers.ModelSerializer):
    asset = serializers.CharField(source="asset_id", read_only=True)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "asset",
            "algorithm",
            "parameters",
            "code_version",
            "training_start",
            "training_end",
            "trained_at",
            "status",
            "metrics",
            "checksum",
        ]
        read_only_fields = fields


class PredictionJobSerializer(serializers.ModelSerializer):
    asset = serializers.CharField(source="asset_id", read_only=True)
    url = serializers.SerializerMethodField(help_text="This job's API address; poll it until state is final.")
    page = serializers.SerializerMethodField(help_text="The job's web page.")

    class Meta:
        model = PredictionJob
        fields = [
            "id",
            "asset",
            "state",
            "progress",
            "message",
            "error",
            "result",
            "created_at",
            "started_at",
            "finished_at",
            "url",
            "page",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_url(self, job: PredictionJob) -> str:
        return self._absolute(reverse("predictions-api:job-detail", args=[job.pk]))

    @extend_schema_field(serializers.URLField())
    def get_page(self, job: PredictionJob) -> str:
        return self._absolute(reverse("predictions:job", args=[job.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class SummarySerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Matured (scored) predictions.")
    hit_rate = serializers.FloatField(allow_null=True, help_text="Share whose stated direction was right.")
    base_rate_up = serializers.FloatField(
        allow_null=True, help_text="Share where the price rose: the hit rate of always saying 'up'."
    )
    coverage = serializers.FloatField(allow_null=True, help_text="Share of realised prices inside the interval.")
    nominal_level = serializers.FloatField(allow_null=True, help_text="The coverage the intervals promised.")
    mean_abs_pct_error = serializers.FloatField(allow_null=True, help_text="Mean |error| / last price used.")
    naive_mean_abs_pct_error = serializers.FloatField(allow_null=True, help_text="The same for the random walk.")
    rel_mae = serializers.FloatField(
        allow_null=True, help_text="Σ|error| / Σ|random-walk error| (scaled errors); below 1 beats the random walk."
    )
    brier = serializers.FloatField(allow_null=True, help_text="Mean (confidence_score − hit)²; lower is better.")
    brier_reference = serializers.FloatField(
        allow_null=True, help_text="Brier score of always stating the observed hit rate."
    )


class TimeframeSummarySerializer(SummarySerializer):
    timeframe = serializers.CharField()


class ReliabilityRowSerializer(serializers.Serializer):
    band = serializers.CharField(help_text="Range of stated confidence_score.")
    count = serializers.IntegerField()
    mean_confidence = serializers.FloatField(allow_null=True)
    hit_rate = serializers.FloatField(allow_null=True, help_text="How often the direction was right in this band.")


class TrackRecordSerializer(serializers.Serializer):
    asset = serializers.CharField(allow_null=True, help_text="The asset, or null for all assets.")
    pending = serializers.IntegerField(help_text="Issued predictions whose target date has no price yet.")
    overall = SummarySerializer()
    by_timeframe = TimeframeSummarySerializer(many=True)
    reliability = ReliabilityRowSerializer(many=True)
