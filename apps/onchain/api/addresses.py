"""API of tracked addresses, their transfers, token daily aggregates and the chain status.

Thin adapters: inputs through serializers, writes through ``services.addresses``, reads through
``selectors``. Another user's tracked address answers 404 whatever the method (looked up in
``initial()``, before DRF picks the handler). A token's daily aggregates are shown to users who
track that token (404 to anyone else).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.onchain import selectors
from apps.onchain.api import serializers as s
from apps.onchain.chain import checksum
from apps.onchain.models import TokenDaily, TrackedAddress, Transfer
from apps.onchain.services import addresses as services
from apps.onchain.services.status import chain_status
from quantumvest.errors import ValidationFailed
from quantumvest.schema import error_response

CHAIN_DOWN = error_response(
    "The chain node is unreachable, too slow or on another chain (`chain_unavailable`, `chain_id_mismatch`)."
)
ALREADY_TRACKED = error_response("You already track this address on this chain (code `already_tracked`).")
ADDRESS_ID = OpenApiParameter("address_id", int, OpenApiParameter.PATH, description="The tracked address's id.")
TOKEN_ADDRESS = OpenApiParameter(
    "address", str, OpenApiParameter.PATH, description="The token contract's address (0x and 40 hex digits)."
)


def query(request, serializer_class):
    """The query parameters validated by ``serializer_class``; empty values read as not given."""
    data = {key: value for key, value in request.query_params.items() if value != ""}
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer


class AddressListView(GenericAPIView):
    serializer_class = s.TrackedAddressOutput
    queryset = TrackedAddress.objects.none()  # for the schema; rows come from the selectors
    filter_backends: list = []

    @extend_schema(summary="Your tracked addresses", responses=s.TrackedAddressOutput(many=True))
    def get(self, request):
        page = self.paginate_queryset(selectors.addresses_for_user(request.user))
        return self.get_paginated_response(s.TrackedAddressOutput(page, many=True).data)

    @extend_schema(
        summary="Track a wallet or an ERC-20 token contract on the configured chain",
        description="A token's contract code and metadata are read from the node (503 when it is down).",
        request=s.TrackedAddressInput,
        responses={201: s.TrackedAddressOutput, 409: ALREADY_TRACKED, 503: CHAIN_DOWN},
    )
    def post(self, request):
        data = s.TrackedAddressInput(data=request.data)
        data.is_valid(raise_exception=True)
        tracked = services.track_address(owner=request.user, **data.validated_data)
        return Response(s.TrackedAddressOutput(tracked).data, status=status.HTTP_201_CREATED)


class AddressDetailView(GenericAPIView):
    serializer_class = s.TrackedAddressOutput
    queryset = TrackedAddress.objects.none()
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tracked = selectors.get_address_for_user(request.user, kwargs["address_id"])

    @extend_schema(summary="One of your tracked addresses", parameters=[ADDRESS_ID])
    def get(self, request, address_id):
        return Response(s.TrackedAddressOutput(self.tracked).data)

    @extend_schema(
        summary="Replace the label (address and kind are fixed: untrack and track again to change them)",
        parameters=[ADDRESS_ID],
        request=s.LabelInput,
    )
    def put(self, request, address_id):
        data = s.LabelInput(data=request.data)
        data.is_valid(raise_exception=True)
        tracked = services.relabel_address(tracked=self.tracked, label=data.validated_data["label"])
        return Response(s.TrackedAddressOutput(tracked).data)

    @extend_schema(summary="Change the label", parameters=[ADDRESS_ID], request=s.LabelPatchInput)
    def patch(self, request, address_id):
        data = s.LabelPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        tracked = services.relabel_address(tracked=self.tracked, label=data.validated_data["label"])
        return Response(s.TrackedAddressOutput(tracked).data)

    @extend_schema(summary="Stop tracking (ingested transfers stay)", parameters=[ADDRESS_ID], responses={204: None})
    def delete(self, request, address_id):
        services.untrack_address(tracked=self.tracked)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TransferListView(GenericAPIView):
    serializer_class = s.TransferOutput
    queryset = Transfer.objects.none()
    filter_backends: list = []

    @extend_schema(
        summary="Transfers of your tracked addresses, newest first",
        description=(
            "Native-coin transfers from or to your tracked wallets, and ERC-20 transfers of your tracked "
            "tokens or from or to your tracked wallets. Transfers within the confirmations of the head "
            "are provisional (`final` false) and may vanish after a reorg."
        ),
        parameters=[s.TransferFilterInput],
        responses=s.TransferOutput(many=True),
    )
    def get(self, request):
        filters = query(request, s.TransferFilterInput).as_filter()
        page = self.paginate_queryset(selectors.transfers_for_user(request.user, filters))
        return self.get_paginated_response(s.TransferOutput(page, many=True).data)


class TokenDailyView(GenericAPIView):
    serializer_class = s.TokenDailyOutput
    queryset = TokenDaily.objects.none()
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        """400 for a bad address or filter, 404 for a token the user does not track; for a method
        without a handler, a valid address still answers 404 unless tracked (then 405), an
        invalid one 405: nothing about the token is told before the ownership check."""
        super().initial(request, *args, **kwargs)
        handled = request.method.lower() in ("get", "head")
        try:
            address = checksum(kwargs["address"])
        except ValueError as exc:
            if not handled:
                return  # dispatch answers 405
            raise ValidationFailed(str(exc), fields={"address": [str(exc)]}, code="invalid_address") from exc
        self.filters = query(request, s.DailyFilterInput).validated_data if handled else {}
        self.token = selectors.get_token_for_user(request.user, address, chain_id=self.filters.get("chain_id"))

    @extend_schema(
        summary="Daily aggregates of a token you track, oldest first",
        description="Transfer count, volume (base units), unique senders and receivers, large transfers per UTC day.",
        parameters=[TOKEN_ADDRESS, s.DailyFilterInput],
        responses=s.TokenDailyOutput(many=True),
    )
    def get(self, request, address):
        rows = selectors.daily_of(self.token, start=self.filters.get("start"), end=self.filters.get("end"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.TokenDailyOutput(page, many=True).data)


class StatusView(GenericAPIView):
    serializer_class = s.StatusOutput
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        summary="The chain node and the sync: connected, head, last synced block, lag",
        description="Answers within ONCHAIN_RPC_TIMEOUT: a node that is down gives `connected: false` and the reason.",
    )
    def get(self, request):
        return Response(s.StatusOutput(chain_status()).data)


urlpatterns = [
    path("onchain/addresses/", AddressListView.as_view(), name="address-list"),
    path("onchain/addresses/<int:address_id>/", AddressDetailView.as_view(), name="address-detail"),
    path("onchain/transfers/", TransferListView.as_view(), name="transfer-list"),
    path("onchain/tokens/<str:address>/daily/", TokenDailyView.as_view(), name="token-daily"),
    path("onchain/status/", StatusView.as_view(), name="status"),
]
