"""API face of price imports (analysts only): a multipart upload imported synchronously.

``POST /api/v1/assets/{symbol}/prices/import/`` imports a one-symbol file (OHLCV or date,close);
``POST /api/v1/prices/import/`` imports a wide file (date, then one column per symbol).
Both answer the import report, or the error shape with every rejected row in ``fields.file``.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.assets import services
from apps.assets.import_views import upload_too_large
from apps.assets.importing.parsing import FileTooLarge
from apps.assets.models import Asset, AssetType, ImportFormat
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


REJECTED = error_response("The file or some rows were rejected; `fields.file` lists line, column and reason.")
TOO_LARGE = error_response("The upload is over QV_IMPORT_MAX_BYTES.")


def _run_import(request: Request, symbol: str | None) -> Response:
    if upload_too_large(request):
        raise FileTooLarge(f"The file is larger than the limit of {settings.QV_IMPORT_MAX_BYTES:,} bytes.")
    data = PriceImportInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    options = dict(data.validated_data)
    upload = options.pop("file")
    if symbol is not None:
        symbol = symbol.upper()
        if not options["create_assets"] and not Asset.objects.filter(pk=symbol).exists():
            raise NotFound(f"No asset {symbol}; set create_assets to create it.")
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
        responses={200: ImportReportSerializer, 400: REJECTED, 413: TOO_LARGE},
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
        responses={200: ImportReportSerializer, 400: REJECTED, 413: TOO_LARGE},
    )
    def post(self, request: Request) -> Response:
        """Import a wide file: a date column, then one column of closes per symbol."""
        return _run_import(request, None)
