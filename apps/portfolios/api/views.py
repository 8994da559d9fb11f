"""DRF face of portfolios and holdings: thin adapters around selectors and services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from apps.portfolios import holdings_csv, optimization_services, selectors, services
from apps.portfolios.access import OwnedPortfolioMixin, public_headers
from apps.portfolios.api import serializers as s
from apps.portfolios.models import OptimizationRun, PortfolioAsset, PortfolioShare
from apps.portfolios.performance import DEFAULT_RISK_FREE_RATE
from quantumvest.errors import ValidationFailed
from quantumvest.schema import BROKER_UNAVAILABLE, error_response

NAME_CONFLICT = error_response("You already have a portfolio with this name (code `name_taken`).")


class PortfolioListView(GenericAPIView):
    serializer_class = s.PortfolioOutput
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at"]

    def get_queryset(self):
        return selectors.portfolios_for_user(self.request.user)

    @extend_schema(summary="List your portfolios", responses=s.PortfolioOutput(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.PortfolioOutput(page, many=True).data)

    @extend_schema(
        summary="Create a portfolio",
        request=s.PortfolioInput,
        responses={201: s.PortfolioOutput, 409: NAME_CONFLICT},
    )
    def post(self, request):
        data = s.PortfolioInput(data=request.data)
        data.is_valid(raise_exception=True)
        portfolio = services.create_portfolio(user=request.user, **data.validated_data)
        return Response(s.PortfolioOutput(portfolio).data, status=status.HTTP_201_CREATED)


class PortfolioDetailView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.PortfolioOutput

    @extend_schema(summary="One of your portfolios")
    def get(self, request, portfolio_id):
        return Response(s.PortfolioOutput(self.portfolio).data)

    @extend_schema(
        summary="Replace a portfolio's name and currency",
        request=s.PortfolioInput,
        responses={200: s.PortfolioOutput, 409: NAME_CONFLICT},
    )
    def put(self, request, portfolio_id):
        data = s.PortfolioInput(data=request.data)
        data.is_valid(raise_exception=True)
        portfolio = services.update_portfolio(portfolio=self.portfolio, **data.validated_data)
        return Response(s.PortfolioOutput(portfolio).data)

    @extend_schema(
        summary="Rename a portfolio or change its currency",
        request=s.PortfolioPatchInput,
        responses={200: s.PortfolioOutput, 409: NAME_CONFLICT},
    )
    def patch(self, request, portfolio_id):
        data = s.PortfolioPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        portfolio = services.update_portfolio(portfolio=self.portfolio, **data.validated_data)
        return Response(s.PortfolioOutput(portfolio).data)

    @extend_schema(summary="Delete a portfolio and its lots", responses={204: None})
    def delete(self, request, portfolio_id):
        services.delete_portfolio(portfolio=self.portfolio)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HoldingListView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.LotOutput
    queryset = PortfolioAsset.objects.none()  # for the schema; lots are read through selectors

    @extend_schema(summary="The lots of a portfolio", responses=s.LotOutput(many=True))
    def get(self, request, portfolio_id):
        page = self.paginate_queryset(selectors.lots_of(self.portfolio))
        return self.get_paginated_response(s.LotOutput(page, many=True).data)

    @extend_schema(summary="Add a lot (a purchase)", request=s.LotInput, responses={201: s.LotOutput})
    def post(self, request, portfolio_id):
        data = s.LotInput(data=request.data)
        data.is_valid(raise_exception=True)
        lot = services.add_lot(portfolio=self.portfolio, **data.validated_data)
        return Response(s.LotOutput(lot).data, status=status.HTTP_201_CREATED)


class HoldingDetailView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.LotOutput

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.lot = get_object_or_404(self.portfolio.lots.select_related("asset"), pk=kwargs["lot_id"])

    @extend_schema(summary="One lot")
    def get(self, request, portfolio_id, lot_id):
        return Response(s.LotOutput(self.lot).data)

    @extend_schema(summary="Replace a lot", request=s.LotInput)
    def put(self, request, portfolio_id, lot_id):
        data = s.LotInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(s.LotOutput(services.update_lot(lot=self.lot, **data.validated_data)).data)

    @extend_schema(summary="Change some fields of a lot", request=s.LotPatchInput)
    def patch(self, request, portfolio_id, lot_id):
        data = s.LotPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(s.LotOutput(services.update_lot(lot=self.lot, **data.validated_data)).data)

    @extend_schema(summary="Delete a lot", responses={204: None})
    def delete(self, request, portfolio_id, lot_id):
        services.delete_lot(lot=self.lot)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HoldingImportView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.HoldingsImportInput
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="Bulk import lots from CSV (symbol,quantity,purchase_price,purchase_date)",
        description="All rows or none. With `dry_run` the rows are only checked and the preview is "
        "returned. Errors answer 400 with `fields.rows` listing 'line N, column: reason'.",
        request={"multipart/form-data": s.HoldingsImportInput, "application/json": s.HoldingsImportInput},
        responses={201: s.ImportResultOutput, 200: s.ImportPreviewOutput},
    )
    def post(self, request, portfolio_id):
        data = s.HoldingsImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        try:
            text = holdings_csv.decode(upload.read()) if upload else data.validated_data["csv"]
        except ValueError as exc:
            raise ValidationFailed(str(exc), fields={"file": [str(exc)]}) from exc
        if data.validated_data["dry_run"]:
            parsed = services.preview_holdings_import(text=text)
            body = {"valid": parsed.ok, "rows": parsed.rows, "errors": [e.as_dict() for e in parsed.errors]}
            return Response(s.ImportPreviewOutput(body).data)
        lots = services.import_holdings(portfolio=self.portfolio, text=text)
        return Response(
            s.ImportResultOutput({"imported": len(lots), "lots": lots}).data, status=status.HTTP_201_CREATED
        )


class PerformanceView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.PerformanceOutput

    @extend_schema(
        summary="Valuation and performance figures of a portfolio",
        description="Each figure carries its label, formula and annualisation (252 trading days, or 365 "
        "when the portfolio holds crypto). XIRR is a true internal rate of return on dated flows.",
        parameters=[
            OpenApiParameter("benchmark", str, description="Benchmark symbol (default SPY)."),
            OpenApiParameter(
                "risk_free_rate", float, description=f"Annual risk-free rate (default {DEFAULT_RISK_FREE_RATE})."
            ),
        ],
        responses={200: s.PerformanceOutput, 400: error_response("`risk_free_rate` is not a number in (-0.5, 1).")},
    )
    def get(self, request, portfolio_id):
        benchmark = (request.query_params.get("benchmark") or selectors.DEFAULT_BENCHMARK).strip().upper()[:20]
        raw_rate = request.query_params.get("risk_free_rate")
        try:
            rate = DEFAULT_RISK_FREE_RATE if raw_rate in (None, "") else float(raw_rate)
            if not -0.5 < rate < 1:
                raise ValueError
        except ValueError as exc:
            message = "A number between -0.5 and 1 (0.02 is 2 %)."
            raise ValidationFailed(message, fields={"risk_free_rate": [message]}) from exc
        report = selectors.performance_report(self.portfolio, benchmark=benchmark, risk_free_rate=rate)
        return Response(s.PerformanceOutput(report).data)


# --- Optimisation and backtests ------------------------------------------------------------------


def _job_response(data: dict, url: str, queued: bool) -> Response:
    if not queued:
        return Response(data)
    return Response({**data, "job_url": url}, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class OptimizeView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.OptimizationRunOutput

    @extend_schema(
        summary="Optimise a portfolio",
        description="The universe is the priced holdings plus `candidates`. Give an `objective` or a "
        "`risk_preference` (conservative = min_volatility, moderate = max_sharpe, aggressive = "
        "max_quadratic_utility with risk_aversion 1; all with ledoit_wolf). Without start/end/"
        "lookback_days the full price history is used. Small runs answer 200 with the run; larger "
        "ones (or with a `backtest`) answer 202 with `job_url`. expected_return, volatility and sharpe "
        "are in-sample.",
        request=s.OptimizeInput,
        responses={200: s.OptimizationRunOutput, 202: s.OptimizationRunOutput, 503: BROKER_UNAVAILABLE},
    )
    def post(self, request, portfolio_id):
        data = s.OptimizeInput(data=request.data)
        data.is_valid(raise_exception=True)
        req = optimization_services.build_request(**data.validated_data)
        run, queued = optimization_services.request_optimization(
            portfolio=self.portfolio, user=request.user, request=req
        )
        url = reverse("portfolios-api:optimization-detail", args=[run.pk], request=request)
        return _job_response(s.OptimizationRunOutput(run).data, url, queued)


class OptimizationRunView(GenericAPIView):
    serializer_class = s.OptimizationRunOutput

    def initial(self, request, *args, **kwargs):
        # Look the run up before DRF picks a handler: another user's run is 404 for every method.
        super().initial(request, *args, **kwargs)
        self.run = selectors.get_run_for_user(request.user, kwargs["run_id"])

    @extend_schema(summary="One of your optimisation runs (poll this for a queued run)")
    def get(self, request, run_id):
        return Response(s.OptimizationRunOutput(self.run).data)


class OptimizationRunListView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.OptimizationRunSummaryOutput
    queryset = OptimizationRun.objects.none()  # for the schema; the runs come from runs_of(portfolio)

    @extend_schema(
        summary="The portfolio's optimisation runs, newest first (figures in-sample)",
        responses=s.OptimizationRunSummaryOutput(many=True),
    )
    def get(self, request, portfolio_id):
        page = self.paginate_queryset(optimization_services.runs_of(self.portfolio))
        return self.get_paginated_response(
            s.OptimizationRunSummaryOutput(page, many=True, context={"request": request}).data
        )


class OptimizationTargetView(GenericAPIView):
    serializer_class = s.TargetPlanOutput

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.run = selectors.get_run_for_user(request.user, kwargs["run_id"])

    @extend_schema(
        summary="Apply a run as target: the trades from today's holdings to its weights",
        description="Whole shares (crypto to 8 decimals) at each asset's latest close, whose date is given "
        "beside it (`stale` when older than the others'). Reads only: nothing is bought, sold or recorded. "
        "409 with code `run_not_finished` for a run without a recommendation.",
        responses={200: s.TargetPlanOutput, 409: error_response("The run has no recommendation (`run_not_finished`).")},
    )
    def get(self, request, run_id):
        plan = optimization_services.plan_target(run=self.run)
        return Response(s.TargetPlanOutput(plan).data)


class BacktestView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.BacktestRunOutput

    @extend_schema(
        summary="Walk-forward backtest against 1/N and buy-and-hold",
        description="Same inputs as optimize, with `backtest` = {window, rebalance_every, cost_bps}. "
        "Weights at each rebalance use only prices up to that date. Small backtests answer 200; "
        "larger ones 202 with `job_url`.",
        request=s.OptimizeInput,
        responses={200: s.BacktestRunOutput, 202: s.BacktestRunOutput, 503: BROKER_UNAVAILABLE},
    )
    def post(self, request, portfolio_id):
        data = s.OptimizeInput(data=request.data)
        data.is_valid(raise_exception=True)
        req = optimization_services.build_request(**data.validated_data)
        job, queued = optimization_services.request_backtest(portfolio=self.portfolio, user=request.user, request=req)
        url = reverse("portfolios-api:backtest-detail", args=[job.pk], request=request)
        return _job_response(s.BacktestRunOutput(job).data, url, queued)


class BacktestRunView(GenericAPIView):
    serializer_class = s.BacktestRunOutput

    def initial(self, request, *args, **kwargs):
        # Look the backtest up before DRF picks a handler: another user's is 404 for every method.
        super().initial(request, *args, **kwargs)
        self.backtest = selectors.get_backtest_for_user(request.user, kwargs["backtest_id"])

    @extend_schema(summary="One of your backtests (poll this for a queued one)")
    def get(self, request, backtest_id):
        return Response(s.BacktestRunOutput(self.backtest).data)


# --- Share links ---------------------------------------------------------------------------------

SHARE_LIMIT = error_response(
    f"The portfolio already has {services.MAX_ACTIVE_SHARES} active links (code `too_many_shares`)."
)


class ShareListView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.ShareOutput
    queryset = PortfolioShare.objects.none()  # for the schema; shares are read through selectors
    # JSON only, with include_quantities required: a malformed body must publish nothing.
    parser_classes = [JSONParser]

    @extend_schema(
        summary="The share links of a portfolio",
        description="Every link, revoked ones included (`active` false), newest first. The token of a "
        "link is shown only once, in the answer to the POST that created it.",
        responses=s.ShareOutput(many=True),
    )
    def get(self, request, portfolio_id):
        page = self.paginate_queryset(selectors.shares_of(self.portfolio))
        return self.get_paginated_response(s.ShareOutput(page, many=True).data)

    @extend_schema(
        summary="Publish a read-only link to the portfolio's performance",
        description="Anyone with `url` (or `api_url`) sees, without logging in, the portfolio's name, the "
        "date of its first purchase, its returns and risk figures, the time-weighted growth of 100 "
        "against the benchmark, the assets held with their weights and latest closes, and nothing "
        "else: no purchase price, amount paid, lot or owner. With `include_quantities` also the units "
        "of each asset and, at the public closes, each holding's and the total market value. The "
        "`token` is returned once: only its digest is stored.",
        request=s.ShareInput,
        responses={201: s.ShareCreatedOutput, 409: SHARE_LIMIT},
    )
    def post(self, request, portfolio_id):
        data = s.ShareInput(data=request.data)
        data.is_valid(raise_exception=True)
        share, token = services.create_share(portfolio=self.portfolio, by=request.user, **data.validated_data)
        share.token = token
        share.url = reverse("shared:portfolio", args=[token], request=request)
        share.api_url = reverse("shared-api:portfolio", args=[token], request=request)
        return Response(s.ShareCreatedOutput(share).data, status=status.HTTP_201_CREATED)


class ShareDetailView(OwnedPortfolioMixin, GenericAPIView):
    serializer_class = s.ShareOutput

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.share = selectors.get_share_for_user(request.user, self.portfolio.id, kwargs["share_id"])

    @extend_schema(
        summary="Revoke a share link",
        description="From then on the link answers 404, like one that never existed. Revoking a "
        "revoked link changes nothing (204).",
        responses={204: None},
    )
    def delete(self, request, portfolio_id, share_id):
        services.revoke_share(share=self.share, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SharedPortfolioView(GenericAPIView):
    """The figures of a share link's public page, as JSON (no login)."""

    serializer_class = s.SharedPortfolioOutput
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Before DRF picks the handler: an unknown or revoked token is 404 whatever the method.
        self.share = selectors.get_shared_portfolio(kwargs["token"])

    def finalize_response(self, request, response, *args, **kwargs):
        return public_headers(super().finalize_response(request, response, *args, **kwargs))

    @extend_schema(
        summary="A shared portfolio's performance (public, read-only)",
        description="No login. Ratios only (returns, risk figures, weights, the time-weighted growth "
        "of 100) unless the owner chose to show quantities (`include_quantities`): then `quantity` "
        "and `market_value` per position and the total `market_value`. An unknown or revoked token "
        "answers 404.",
    )
    def get(self, request, token):
        return Response(s.SharedPortfolioOutput(selectors.shared_report(self.share)).data)
