"""API face of price imports (analysts only): a multipart upload, imported in the request when small.

``POST /api/v1/assets/{symbol}/prices/import/`` imports a one-symbol file (OHLCV or date,close);
``POST /api/v1/prices/import/`` imports a wide file (date, then one column per symbol).
A file up to ``QV_IMPORT_SYNC_MAX_BYTES`` is imported at once: 200 with the import report, or the
error shape with every rejected row in ``fields.file``. A larger one (up to ``QV_IMPORT_MAX_BYTES``)
becomes an import job, as on the upload page: 202 with the job, whose ``url`` is polled at
``GET /api/v1/jobs/imports/{id}/`` (the owner only; 404 for anyone else).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.assets import services
from apps.assets.models import Asset, AssetType, ImportFormat, ImportJob
from quantumvest.errors import NotFound
from quantumvest.schema import error_response


class IsAnalyst(BasePermission):
    message = "Importing prices needs the analyst role."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_analyst)


class PriceImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8 (BOM allowed), dates YYYY-MM-DD or M/D/YYYY.")
    format = serializers.ChoiceField(
        choices=ImportFormat.choices, required=False, help_text="Default: from the header."
    )
    asset_type = serializers.ChoiceField(choices=AssetType.choices, required=False, help_text="Type of created assets.")
    create_assets = serializers.BooleanField(default=False, help_text="Create symbols the database does not know.")
    skip_invalid = serializers.BooleanField(
        default=False, help_text="Apply the valid rows and report the invalid ones (otherwise nothing applies)."
    )


class ProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    column = serializers.CharField()
    reason = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    filename = serializers.CharField()
    format = serializers.CharField()
    symbols = serializers.ListField(child=serializers.CharField())
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    flagged = serializers.IntegerField(help_text="Bars kept as given but flagged for data quality (warnings).")
    applied = serializers.BooleanField()
    created_assets = serializers.ListField(child=serializers.CharField())
    errors = ProblemSerializer(many=True)
    warnings = ProblemSerializer(many=True)


class ImportJobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This job's API address; poll it until state is final.")
    page = serializers.SerializerMethodField(help_text="The job's web page.")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "filename",
            "format",
            "symbol",
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
    def get_url(self, job: ImportJob) -> str:
        return self.context["request"].build_absolute_uri(reverse("assets-api:import-job-detail", args=[job.pk]))

    @extend_schema_field(serializers.URLField())
    def get_page(self, job: ImportJob) -> str:
        return self.context["request"].build_absolute_uri(reverse("assets:import-job", args=[job.pk]))


REJECTED = error_response("The file or some rows were rejected; `fields.file` lists line, column and reason.")
TOO_LARGE = error_response("The upload is over QV_IMPORT_MAX_BYTES (refused before it is read).")
UNAVAILABLE = error_response("The database (`database_unavailable`) or the job queue is not available.")
IMPORT_RESPONSES = {
    200: ImportReportSerializer,
    202: ImportJobSerializer,
    400: REJECTED,
    413: TOO_LARGE,
    503: UNAVAILABLE,
}
IMPORT_DESCRIPTION = (
    "Files up to QV_IMPORT_SYNC_MAX_BYTES are imported in the request: 200 with the report. Larger "
    "files (up to QV_IMPORT_MAX_BYTES) are imported by a job: 202 with the job and a `Location` header; "
    "poll its `url` until `state` is succeeded (the report is in `result`) or failed."
)


def _run_import(request: Request, symbol: str | None) -> Response:
    data = PriceImportInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    options = dict(data.validated_data)
    upload = options.pop("file")
    with services.database_errors("nothing was imported"):
        if symbol is not None:
            symbol = symbol.upper()
            if not options["create_assets"] and not Asset.objects.filter(pk=symbol).exists():
                raise NotFound(f"No asset {symbol}; set create_assets to create it.")
        if upload.size > settings.QV_IMPORT_SYNC_MAX_BYTES:
            # Too long for one request (gunicorn's timeout): the worker imports it, as on the page.
            job = services.queue_import_job(upload=upload, by=request.user, symbol=symbol or "", **options)
            body = ImportJobSerializer(job, context={"request": request}).data
            return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})
    report = services.import_prices(
        source=upload,
        filename=upload.name,
        size=upload.size,
        symbol=symbol,
        by=request.user,
        max_bytes=settings.QV_IMPORT_MAX_BYTES,
        **options,
    )
    return Response(ImportReportSerializer(report).data)


class AssetPriceImportView(APIView):
    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticated, IsAnalyst]

    @extend_schema(
        operation_id="assets_prices_import",
        parameters=[OpenApiParameter("symbol", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. SPY")],
        request={"multipart/form-data": PriceImportInputSerializer},
        responses=IMPORT_RESPONSES,
        description=IMPORT_DESCRIPTION,
    )
    def post(self, request: Request, symbol: str) -> Response:
        """Import one symbol's daily bars (OHLCV, or date and close). Atomic unless ``skip_invalid``."""
        return _run_import(request, symbol)


class WidePriceImportView(APIView):
    parser_classes = [MultiPartParser]
    permission_classes = [IsAuthenticated, IsAnalyst]

    @extend_schema(
        operation_id="prices_import",
        request={"multipart/form-data": PriceImportInputSerializer},
        responses=IMPORT_RESPONSES,
        description=IMPORT_DESCRIPTION,
    )
    def post(self, request: Request) -> Response:
        """Import a wide file: a date column, then one column of closes per symbol."""
        return _run_import(request, None)


class ImportJobDetailView(APIView):
    permission_classes = [IsAuthenticated, IsAnalyst]

    @extend_schema(
        operation_id="jobs_imports_retrieve",
        responses={200: ImportJobSerializer, 404: error_response("No such import job of yours.")},
        summary="State, progress and (when finished) the report of one of your price import jobs.",
    )
    def get(self, request: Request, job_id) -> Response:
        with services.database_errors("the job cannot be read now"):
            job = services.get_import_job_for_user(job_id, request.user)
        return Response(ImportJobSerializer(job, context={"request": request}).data)
