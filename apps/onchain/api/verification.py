"""API: the verification of a notarised prediction, ``GET /api/v1/predictions/{id}/verification/``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.onchain.services import verification
from apps.predictions import selectors
from quantumvest.schema import error_response


class RecordSerializer(serializers.Serializer):
    """The canonical record (encoding predictions.v1): strings and one integer, exactly as hashed."""

    id = serializers.UUIDField()
    asset = serializers.CharField()
    model_version = serializers.UUIDField()
    model_name = serializers.CharField()
    timestamp = serializers.CharField(help_text="UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ.")
    timeframe = serializers.CharField()
    horizon_periods = serializers.IntegerField()
    as_of = serializers.CharField()
    as_of_price = serializers.CharField(help_text="Exact decimal string.")
    target_date = serializers.CharField()
    predicted_price = serializers.CharField()
    confidence_lower = serializers.CharField()
    confidence_upper = serializers.CharField()
    level = serializers.CharField()
    direction = serializers.CharField()
    confidence_score = serializers.CharField()


class VerificationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    verified = serializers.BooleanField(
        help_text="The proof folded from the leaf recomputed from the stored prediction equals the root read from the chain."
    )
    status = serializers.CharField(
        help_text="notarised, mismatch, sent, pending, no_key, unreachable, wrong_chain, not_deployed, refused, "
        "other_chain or missing."
    )
    reason = serializers.CharField(
        allow_blank=True, help_text="Why it is not verified, in a sentence; empty when it is."
    )
    encoding = serializers.CharField(help_text="The leaf encoding, documented in the README (predictions.v1).")
    record = RecordSerializer()
    hash = serializers.CharField(help_text="keccak256 of the canonical record: the Merkle leaf.")
    root = serializers.CharField(allow_null=True, help_text="The batch's root as read from the contract.")
    proof = serializers.ListField(child=serializers.CharField(), help_text="Sibling hashes from the leaf up.")
    leaf_index = serializers.IntegerField(allow_null=True)
    batch_id = serializers.IntegerField(allow_null=True, help_text="The contract's id of the batch.")
    tx_hash = serializers.CharField(allow_null=True)
    block = serializers.IntegerField(allow_null=True)
    chain_id = serializers.IntegerField(allow_null=True)
    network = serializers.CharField(allow_null=True)
    contract = serializers.CharField(allow_null=True, help_text="DataTracking's address.")
    recorded_at = serializers.CharField(allow_null=True, help_text="The batch's block time, from the contract.")


class PredictionVerification(APIView):
    @extend_schema(
        responses={
            200: VerificationSerializer,
            404: OpenApiResponse(description="No such prediction."),
            503: error_response("The chain node is unreachable, too slow or on another chain (`chain_unavailable`)."),
        },
        summary="Verify a prediction against the Merkle root recorded on chain (recomputed, not read from the database).",
    )
    def get(self, request, pk):
        prediction = get_object_or_404(selectors.predictions_queryset(), pk=pk)
        return Response(VerificationSerializer(verification.verify(prediction=prediction)).data)


urlpatterns = [
    path("predictions/<uuid:pk>/verification/", PredictionVerification.as_view(), name="prediction-verification"),
]
