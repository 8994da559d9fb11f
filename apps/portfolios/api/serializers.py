"""Input serializers shaped like the services' arguments; read-only output serializers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.portfolios import optimization
from apps.portfolios.models import (
    MONEY_PLACES,
    QUANTITY_PLACES,
    BacktestRun,
    OptimizationRun,
    Portfolio,
    PortfolioAsset,
    PortfolioShare,
)
from quantumvest.serializers import Input, StrictBooleanField


class PortfolioInput(Input):
    name = serializers.CharField(max_length=100)
    base_currency = serializers.RegexField(r"^[A-Za-z]{3}$", max_length=3, required=False, default="USD")


class PortfolioPatchInput(Input):
    require_any = True
    name = serializers.CharField(max_length=100, required=False)
    base_currency = serializers.RegexField(r"^[A-Za-z]{3}$", max_length=3, required=False)


class PortfolioOutput(serializers.ModelSerializer):
    lot_count = serializers.SerializerMethodField()

    class Meta:
        model = Portfolio
        fields = ["id", "name", "base_currency", "lot_count", "created_at", "updated_at"]
        read_only_fields = fields

    def get_lot_count(self, portfolio: Portfolio) -> int:
        # Lists annotate it (selectors.portfolios_for_user); a single portfolio counts its lots.
        count = getattr(portfolio, "lot_count", None)
        return portfolio.lots.count() if count is None else count


class LotInput(Input):
    symbol = serializers.CharField(max_length=20)
    quantity = serializers.DecimalField(max_digits=28, decimal_places=QUANTITY_PLACES)
    purchase_price = serializers.DecimalField(max_digits=20, decimal_places=MONEY_PLACES)
    purchase_date = serializers.DateField()


class LotPatchInput(LotInput):
    require_any = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class LotOutput(serializers.ModelSerializer):
    symbol = serializers.CharField(source="asset_id", read_only=True)
    portfolio = serializers.UUIDField(source="portfolio_id", read_only=True)

    class Meta:
        model = PortfolioAsset
        fields = ["id", "portfolio", "symbol", "quantity", "purchase_price", "purchase_date", "created_at"]
        read_only_fields = fields


class HoldingsImportInput(Input):
    file = serializers.FileField(required=False, help_text="A CSV file (multipart upload).")
    csv = serializers.CharField(
        required=False, trim_whitespace=False, help_text="The CSV text, when not uploading a file."
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Only check the rows and return the preview."
    )

    def validate(self, attrs):
        if bool(attrs.get("file")) == bool(attrs.get("csv")):
            raise serializers.ValidationError("Send either a CSV file ('file') or CSV text ('csv').")
        return attrs


class RowErrorOutput(serializers.Serializer):
    line = serializers.IntegerField()
    column = serializers.CharField()
    reason = serializers.CharField()


class ImportRowOutput(serializers.Serializer):
    line = serializers.IntegerField()
    symbol = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=28, decimal_places=QUANTITY_PLACES)
    purchase_price = serializers.DecimalField(max_digits=20, decimal_places=MONEY_PLACES)
    purchase_date = serializers.DateField()


class ImportPreviewOutput(serializers.Serializer):
    valid = serializers.BooleanField()
    rows = ImportRowOutput(many=True)
    errors = RowErrorOutput(many=True)


class ImportResultOutput(serializers.Serializer):
    imported = serializers.IntegerField()
    lots = LotOutput(many=True)


class FigureOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    unit = serializers.ChoiceField(choices=["ratio", "number", "money"])
    annualisation = serializers.CharField()
    formula = serializers.CharField()
    annualised = serializers.BooleanField(help_text="Whether value is an annual rate or ratio.")
    note = serializers.CharField(
        help_text="What to know to read the value: why it is null, or how uncertain it is (empty when nothing)."
    )


class PositionOutput(serializers.Serializer):
    symbol = serializers.CharField()
    type = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=36, decimal_places=QUANTITY_PLACES)
    cost = serializers.DecimalField(max_digits=48, decimal_places=8)
    price = serializers.DecimalField(max_digits=20, decimal_places=MONEY_PLACES, allow_null=True)
    price_date = serializers.DateField(allow_null=True)
    market_value = serializers.DecimalField(max_digits=48, decimal_places=8, allow_null=True)
    unrealised = serializers.DecimalField(max_digits=48, decimal_places=8, allow_null=True)
    unrealised_pct = serializers.FloatField(allow_null=True)
    weight = serializers.FloatField(allow_null=True)


class ValuePointOutput(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.FloatField()
    benchmark_value = serializers.FloatField(allow_null=True)


class PerformanceOutput(serializers.Serializer):
    portfolio = serializers.UUIDField()
    base_currency = serializers.CharField()
    benchmark = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    periods_per_year = serializers.IntegerField(help_text="252 (trading days) or 365 when the portfolio holds crypto.")
    risk_free_rate = serializers.FloatField()
    cost = serializers.DecimalField(max_digits=48, decimal_places=8)
    market_value = serializers.DecimalField(max_digits=48, decimal_places=8)
    unrealised = serializers.DecimalField(max_digits=48, decimal_places=8)
    unrealised_pct = serializers.FloatField(allow_null=True)
    figures = FigureOutput(many=True)
    positions = PositionOutput(many=True)
    series = ValuePointOutput(many=True)
    notes = serializers.ListField(child=serializers.CharField())


# --- Optimisation and backtests ------------------------------------------------------------------


class BacktestParamsInput(Input):
    window = serializers.IntegerField(min_value=20, max_value=5000, default=252, help_text="Trailing trading days.")
    rebalance_every = serializers.IntegerField(min_value=1, max_value=1000, default=21, help_text="Trading days.")
    cost_bps = serializers.FloatField(min_value=0, max_value=1000, default=10.0, help_text="Basis points per trade.")


class OptimizeInput(Input):
    """The inputs of ``optimization_services.build_request``; names as in PyPortfolioOpt."""

    objective = serializers.ChoiceField(choices=optimization.OBJECTIVES, required=False)
    risk_preference = serializers.ChoiceField(choices=list(optimization.RISK_PREFERENCES), required=False)
    expected_returns = serializers.ChoiceField(choices=optimization.EXPECTED_RETURNS, required=False)
    compounding = serializers.BooleanField(default=True)
    risk_model = serializers.ChoiceField(choices=optimization.RISK_MODELS, required=False)
    risk_free_rate = serializers.FloatField(
        default=optimization.DEFAULT_RISK_FREE_RATE, help_text="Annual, as a fraction (default 0.02)."
    )
    weight_bounds = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, default=[0.0, 1.0]
    )
    target_volatility = serializers.FloatField(required=False, min_value=0.0001, help_text="For efficient_risk.")
    target_return = serializers.FloatField(required=False, help_text="For efficient_return.")
    risk_aversion = serializers.FloatField(required=False, min_value=0.0001, help_text="For max_quadratic_utility.")
    candidates = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, default=list, max_length=1000
    )
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    lookback_days = serializers.IntegerField(required=False, help_text="Calendar days before end.")
    frontier_points = serializers.IntegerField(default=optimization.FRONTIER_POINTS, min_value=0, max_value=60)
    backtest = BacktestParamsInput(required=False, allow_null=True)


class BacktestFiguresOutput(serializers.Serializer):
    """Out-of-sample figures of one strategy (fractions, not percentages)."""

    annual_return = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Compound annual growth rate. When `annualised` is false (less than a year tested) this is "
        "an extrapolation of a few months; show `period_return` instead.",
    )
    period_return = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Cumulative return over the whole test."
    )
    annualised = serializers.BooleanField(
        read_only=True, help_text="True when the test covers at least a year of trading days."
    )
    days = serializers.IntegerField(read_only=True, help_text="Trading days of out-of-sample returns.")
    volatility = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Annualised standard deviation of daily returns."
    )
    sharpe = serializers.FloatField(
        read_only=True, allow_null=True, help_text="(Annualised mean return − risk-free rate) / volatility."
    )
    max_drawdown = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Largest peak-to-trough fall, negative (−0.3952 = −39.52%)."
    )
    turnover = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Traded fraction per year after the first purchase."
    )
    rebalances = serializers.IntegerField(read_only=True)
    failed_rebalances = serializers.IntegerField(read_only=True)


class BacktestSummaryOutput(serializers.Serializer):
    start = serializers.DateField(read_only=True, help_text="First out-of-sample date (the first rebalance).")
    end = serializers.DateField(read_only=True)
    days = serializers.IntegerField(read_only=True, help_text="Trading days of out-of-sample returns.")
    annualised = serializers.BooleanField(
        read_only=True, help_text="False below a year: read `period_return`, not `annual_return`."
    )
    settings = serializers.DictField(
        read_only=True, help_text="window, rebalance_every, cost_bps and the optimiser settings."
    )
    strategies = serializers.DictField(
        read_only=True,
        child=BacktestFiguresOutput(read_only=True),
        help_text="`optimized`, `equal_weight` and, with holdings, `buy_and_hold`.",
    )
    verdict = serializers.CharField(read_only=True)
    notes = serializers.ListField(read_only=True, child=serializers.CharField())


class OptimizationRunOutput(serializers.ModelSerializer):
    status = serializers.CharField(source="state")
    portfolio = serializers.UUIDField(source="portfolio_id")
    figures = serializers.SerializerMethodField(
        help_text="Always `in-sample`: expected_return, volatility and sharpe are measured on the history the "
        "weights were fitted to, so they are optimistic by construction (a max-Sharpe portfolio has the "
        "best Sharpe of that history). `backtest` holds the out-of-sample figures."
    )
    backtest = BacktestSummaryOutput(allow_null=True, read_only=True)

    class Meta:
        model = OptimizationRun
        fields = [
            "id",
            "status",
            "objective",
            "weights",
            "expected_return",
            "volatility",
            "sharpe",
            "frontier",
            "allocation",
            "prices",
            "leftover_cash",
            "trades",
            "backtest",
            "figures",
            "portfolio",
            "inputs",
            "markers",
            "notes",
            "warnings",
            "progress",
            "message",
            "error",
            "error_fields",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_figures(self, run) -> str:
        return "in-sample"


class OptimizationRunSummaryOutput(serializers.ModelSerializer):
    """A run in the list of a portfolio's runs: the figures, without frontier, notes and inputs."""

    status = serializers.CharField(source="state")
    # A plain string: a third "objective" enum would collide in the schema's enum naming.
    objective = serializers.CharField(read_only=True, help_text="One of the optimise endpoint's objectives.")
    url = serializers.SerializerMethodField(help_text="The run's full result.")

    class Meta:
        model = OptimizationRun
        fields = ["id", "status", "objective", "expected_return", "volatility", "sharpe", "url", "created_at"]
        read_only_fields = fields

    def get_url(self, run) -> str:
        from rest_framework.reverse import reverse

        return reverse("portfolios-api:optimization-detail", args=[run.pk], request=self.context.get("request"))


class PricedCloseOutput(serializers.Serializer):
    price = serializers.CharField(read_only=True, help_text="The latest close, a decimal string.")
    date = serializers.DateField(read_only=True, help_text="The date of that close.")
    stale = serializers.BooleanField(read_only=True, help_text="Older than the other assets' latest closes.")


class TradeOutput(serializers.Serializer):
    symbol = serializers.CharField(read_only=True)
    side = serializers.ChoiceField(choices=["buy", "sell"], read_only=True)
    quantity = serializers.CharField(read_only=True, help_text="Decimal string.")
    price = serializers.CharField(read_only=True, help_text="The close used, a decimal string.")
    price_date = serializers.DateField(read_only=True, help_text="The date of that close.")
    value = serializers.CharField(read_only=True, help_text="quantity × price, to the cent.")


class TargetPlanOutput(serializers.Serializer):
    """Apply as target: trades from today's holdings to a run's weights. Nothing is written."""

    weights = serializers.DictField(child=serializers.FloatField(), read_only=True)
    allocation = serializers.DictField(child=serializers.DecimalField(max_digits=28, decimal_places=8), read_only=True)
    budget = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)
    leftover = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)
    trades = TradeOutput(many=True, read_only=True)
    prices = serializers.DictField(child=PricedCloseOutput(), read_only=True)
    notes = serializers.ListField(child=serializers.CharField(), read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class BacktestRunOutput(serializers.ModelSerializer):
    status = serializers.CharField(source="state")
    portfolio = serializers.UUIDField(source="portfolio_id")
    backtest = serializers.SerializerMethodField()

    class Meta:
        model = BacktestRun
        fields = [
            "id",
            "status",
            "portfolio",
            "inputs",
            "backtest",
            "progress",
            "message",
            "error",
            "error_fields",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(BacktestSummaryOutput(allow_null=True))
    def get_backtest(self, job) -> dict | None:
        return BacktestSummaryOutput(job.result).data if "strategies" in (job.result or {}) else job.result


# --- Share links ---------------------------------------------------------------------------------


class ShareInput(Input):
    include_quantities = StrictBooleanField(
        help_text="Required, so that revealing quantities is always a choice: true shows the units held of "
        "each asset (and so, at public closes, each holding's market value); false shows ratios only.",
    )


class ShareOutput(serializers.ModelSerializer):
    portfolio = serializers.UUIDField(source="portfolio_id", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = PortfolioShare
        fields = ["id", "portfolio", "token_hint", "include_quantities", "active", "created_at", "revoked_at"]
        read_only_fields = fields


class ShareCreatedOutput(ShareOutput):
    token = serializers.CharField(read_only=True, help_text="Shown once: only its digest is stored.")
    url = serializers.URLField(read_only=True, help_text="The public page (HTML) of the link.")
    api_url = serializers.URLField(read_only=True, help_text="The same figures as JSON.")

    class Meta(ShareOutput.Meta):
        fields = [*ShareOutput.Meta.fields, "token", "url", "api_url"]
        read_only_fields = fields


class SharedPositionOutput(serializers.Serializer):
    symbol = serializers.CharField()
    name = serializers.CharField()
    type = serializers.CharField()
    weight = serializers.FloatField(allow_null=True, help_text="Share of the priced market value (0.25 = 25 %).")
    price = serializers.DecimalField(
        max_digits=20, decimal_places=MONEY_PLACES, allow_null=True, help_text="The asset's latest close."
    )
    price_date = serializers.DateField(allow_null=True)
    quantity = serializers.DecimalField(
        max_digits=36, decimal_places=QUANTITY_PLACES, allow_null=True, help_text="null unless the owner shows it."
    )
    market_value = serializers.DecimalField(
        max_digits=48,
        decimal_places=8,
        allow_null=True,
        help_text="quantity × price; null unless quantities are shown.",
    )


class SharedTypeWeightOutput(serializers.Serializer):
    type = serializers.CharField()
    weight = serializers.FloatField()


class SharedGrowthPointOutput(serializers.Serializer):
    date = serializers.DateField()
    portfolio = serializers.FloatField(allow_null=True, help_text="100 × Π(1 + r_t): the time-weighted path.")
    benchmark = serializers.FloatField(allow_null=True, help_text="The benchmark's close path on the same scale.")


class SharedPortfolioOutput(serializers.Serializer):
    name = serializers.CharField()
    base_currency = serializers.CharField()
    include_quantities = serializers.BooleanField()
    as_of = serializers.DateField(allow_null=True, help_text="The latest close of the holdings: figures are as of it.")
    market_date = serializers.DateField(help_text="The latest market date the product's data has reached.")
    start = serializers.DateField(allow_null=True, help_text="The first purchase: the performance period starts here.")
    end = serializers.DateField(allow_null=True)
    benchmark = serializers.CharField()
    periods_per_year = serializers.IntegerField()
    risk_free_rate = serializers.FloatField()
    figures = FigureOutput(many=True)
    positions = SharedPositionOutput(many=True)
    allocation_by_type = SharedTypeWeightOutput(many=True)
    market_value = serializers.DecimalField(
        max_digits=48, decimal_places=8, allow_null=True, help_text="null unless quantities are shown."
    )
    growth = SharedGrowthPointOutput(many=True)
    notes = serializers.ListField(child=serializers.CharField())
