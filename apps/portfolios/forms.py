"""Forms of the portfolio pages: they parse input; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from apps.portfolios import optimization
from apps.portfolios.models import MONEY_PLACES, QUANTITY_PLACES, Objective
from quantumvest.forms import DecimalField


class PortfolioForm(forms.Form):
    name = forms.CharField(max_length=100)
    base_currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        initial="USD",
        error_messages={"invalid": "Use a three-letter ISO 4217 code such as USD."},
        help_text="Valuation assumes holdings are priced in this currency (no FX conversion).",
    )


class RenameForm(forms.Form):
    name = forms.CharField(max_length=100)


class LotForm(forms.Form):
    symbol = forms.CharField(max_length=20)
    quantity = DecimalField(max_digits=28, decimal_places=QUANTITY_PLACES, min_value=0)
    purchase_price = DecimalField(max_digits=20, decimal_places=MONEY_PLACES, min_value=0)
    purchase_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(forms.Form):
    file = forms.FileField(
        required=False, help_text="CSV with the header symbol,quantity,purchase_price,purchase_date."
    )
    csv = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}), strip=False, label="Or paste CSV")
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("csv"):
            raise forms.ValidationError("Choose a CSV file or paste its text.")
        return data


def _percent_field(label: str, *, initial=None, required=True, help_text="", **limits) -> forms.DecimalField:
    return DecimalField(
        label=label,
        initial=initial,
        required=required,
        help_text=help_text,
        max_digits=9,
        decimal_places=4,
        **limits,
    )


def _as_percent(fraction) -> str | None:
    """0.02 → "2" for the form's percentage fields (the API and the run store fractions)."""
    return None if fraction is None else format((Decimal(str(fraction)) * 100).normalize(), "f")


PRESET_LABELS = {
    "conservative": "the lowest volatility",
    "moderate": "the best Sharpe ratio",
    "aggressive": "a higher return for more risk (risk aversion 1)",
}


PERCENT_FIELDS = ("risk_free_rate", "weight_min", "weight_max", "target_volatility", "target_return")


# Short enough for the select on a phone; the run's page names the method in full (Objective's labels).
METHOD_CHOICES = [
    (Objective.MAX_SHARPE, "Best Sharpe ratio"),
    (Objective.MIN_VOLATILITY, "Lowest volatility"),
    (Objective.EFFICIENT_RISK, "Most return at a volatility"),
    (Objective.EFFICIENT_RETURN, "Least risk for a return"),
    (Objective.MAX_QUADRATIC_UTILITY, "Return against risk aversion"),
    (Objective.HRP, "Risk parity (HRP)"),
    (Objective.BLACK_LITTERMAN, "Our forecasts (Black-Litterman)"),
]
assert {value for value, _ in METHOD_CHOICES} == set(Objective.values)


class OptimizeForm(forms.Form):
    """The optimisation page's inputs; ``as_request_kwargs`` shapes them like the API's JSON body.

    Rates, weights and targets are entered as percentages (2 for 2%) and passed on as fractions,
    as the API takes them. Which fields matter depends on the preset and the objective: the page's
    script hides the others (``data-when`` in the template), and every field shows without it.
    """

    risk_preference = forms.ChoiceField(
        required=False,
        label="Start from a preset",
        widget=forms.RadioSelect,
        choices=[("", "No preset: I choose the method")]
        + [(k, f"{k.title()}: {PRESET_LABELS[k]}") for k in optimization.RISK_PREFERENCES],
        help_text="A preset also chooses the estimates: mean historical returns and Ledoit-Wolf covariance. "
        "The method and the estimate choices below are then not used.",
    )
    objective = forms.ChoiceField(
        label="Method", choices=METHOD_CHOICES, initial="max_sharpe", help_text="What the optimiser looks for."
    )
    target_volatility = _percent_field(
        "Target volatility, % a year",
        required=False,
        min_value=Decimal("0.01"),
        help_text="The highest return whose volatility is at most this, e.g. 19.",
    )
    target_return = _percent_field(
        "Target return, % a year",
        required=False,
        help_text="The least volatile portfolio expected to return at least this, e.g. 25.",
    )
    risk_aversion = forms.FloatField(
        required=False,
        min_value=0.0001,
        label="Risk aversion",
        help_text="How much risk costs: higher gives a safer portfolio. Empty means 1.",
    )
    candidates = forms.CharField(
        required=False,
        label="Other assets to consider",
        help_text="Symbols separated by commas, e.g. MSFT, GLD. They join your holdings for the optimisation.",
    )
    expected_returns = forms.ChoiceField(
        label="Expected returns from",
        choices=[
            ("mean_historical", "Average past growth"),
            ("ema", "Recent growth, weighted more"),
            ("capm", "Market beta (CAPM)"),
        ],
        help_text="Default: average past growth over the history below. Weighted: an exponential average with a 500-day span. CAPM: each asset's beta to the market.",
    )
    compounding = forms.BooleanField(
        required=False,
        initial=True,
        label="Compound the growth (geometric mean)",
        help_text="Ticked (default): the yearly growth an investor would have earned. Unticked: the daily "
        "average × 252.",
    )
    risk_model = forms.ChoiceField(
        label="Risk estimated by",
        choices=[
            ("sample_cov", "Sample covariance"),
            ("ledoit_wolf", "Ledoit-Wolf shrinkage"),
            ("exp_cov", "Recent days weighted more"),
        ],
        help_text="Default: sample covariance. Ledoit-Wolf is steadier with many assets but uses only the days on which every asset has a price; the weighted one has a 180-day span.",
    )
    risk_free_rate = _percent_field(
        "Risk-free rate, % a year",
        initial=Decimal(str(optimization.DEFAULT_RISK_FREE_RATE * 100)),
        min_value=Decimal("-49"),
        max_value=Decimal("99"),
        help_text="Default 2. The return of cash, used by the Sharpe ratio.",
    )
    weight_min = _percent_field(
        "Smallest weight, %",
        initial=Decimal(0),
        min_value=Decimal(0),
        max_value=Decimal(100),
        help_text="Default 0: an asset may be left out.",
    )
    weight_max = _percent_field(
        "Largest weight, %",
        initial=Decimal(100),
        min_value=Decimal(0),
        max_value=Decimal(100),
        help_text="Default 100: no cap. No short selling.",
    )
    lookback_days = forms.IntegerField(
        required=False,
        initial=1095,
        label="History, in calendar days",
        help_text="Default 1,095 (three years) up to the latest close. Empty: use the dates below, or all history.",
    )
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    run_backtest = forms.BooleanField(
        required=False, initial=True, label="Test it on past data against equal weights and buy-and-hold"
    )
    window = forms.IntegerField(
        required=False,
        initial=252,
        min_value=20,
        max_value=5000,
        label="Fit on the previous … trading days",
        help_text="Default 252 (a year).",
    )
    rebalance_every = forms.IntegerField(
        required=False,
        initial=21,
        min_value=1,
        max_value=1000,
        label="Refit every … trading days",
        help_text="Default 21 (a month).",
    )
    cost_pct = _percent_field(
        "Trading cost, % of each trade",
        required=False,
        initial=Decimal("0.1"),
        min_value=Decimal(0),
        max_value=Decimal(10),
        help_text="Default 0.1 (10 basis points).",
    )

    def clean(self):
        data = super().clean()
        objective = None if data.get("risk_preference") else data.get("objective")
        if objective == "efficient_risk" and data.get("target_volatility") is None:
            self.add_error("target_volatility", "Give the target volatility, e.g. 19 for 19% a year.")
        if objective == "efficient_return" and data.get("target_return") is None:
            self.add_error("target_return", "Give the target return, e.g. 25 for 25% a year.")
        low, high = data.get("weight_min"), data.get("weight_max")
        if low is not None and high is not None and low > high:
            self.add_error("weight_max", "The largest weight must be at least the smallest.")
        if data.get("run_backtest"):
            for name in ("window", "rebalance_every", "cost_pct"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "Needed for the test on past data (or untick it).")
        return data

    def as_request_kwargs(self) -> dict:
        data = self.cleaned_data
        fractions = {name: float(data[name] / 100) for name in PERCENT_FIELDS if data.get(name) is not None}
        kwargs = {
            name: data[name]
            for name in (
                "expected_returns",
                "compounding",
                "risk_model",
                "start",
                "end",
                "risk_aversion",
                "lookback_days",
            )
            if data.get(name) is not None
        }
        kwargs.update(
            {n: fractions[n] for n in ("risk_free_rate", "target_volatility", "target_return") if n in fractions}
        )
        if data.get("risk_preference"):
            kwargs["risk_preference"] = data["risk_preference"]
            for name in ("risk_model", "expected_returns", "target_volatility", "target_return", "risk_aversion"):
                kwargs.pop(name, None)  # the preset chooses these; hidden fields may still hold values
            objective = optimization.RISK_PREFERENCES[data["risk_preference"]]["objective"]
        else:
            objective = kwargs["objective"] = data["objective"]
        if objective != "efficient_risk":
            kwargs.pop("target_volatility", None)
        if objective != "efficient_return":
            kwargs.pop("target_return", None)
        if objective != "max_quadratic_utility":
            kwargs.pop("risk_aversion", None)
        # Hierarchical risk parity takes no bounds: the hidden fields are not sent for it.
        if objective != "hrp":
            kwargs["weight_bounds"] = (fractions.get("weight_min", 0.0), fractions.get("weight_max", 1.0))
        kwargs["candidates"] = [c for c in (data.get("candidates") or "").replace(" ", ",").split(",") if c]
        if data.get("run_backtest"):
            kwargs["backtest"] = {
                "window": data["window"],
                "rebalance_every": data["rebalance_every"],
                "cost_bps": float(data["cost_pct"] * 100),
            }
        return kwargs

    @classmethod
    def initial_from(cls, inputs: dict) -> dict:
        """Initial values that repeat a stored run's inputs (empty for none), fractions as percentages."""
        settings, window, backtest = inputs.get("settings") or {}, inputs.get("window") or {}, inputs.get("backtest")
        initial = {name: value for name, value in settings.items() if name in cls.base_fields and value is not None}
        for name in ("risk_free_rate", "target_volatility", "target_return"):
            if name in initial:
                initial[name] = _as_percent(initial[name])
        if "weight_bounds" in settings:
            initial["weight_min"], initial["weight_max"] = (_as_percent(b) for b in settings["weight_bounds"])
        initial.update({name: value for name, value in window.items() if value is not None})
        if "lookback_days" in window and window["lookback_days"] is None:
            initial["lookback_days"] = None
        initial["risk_preference"] = inputs.get("risk_preference") or ""
        initial["candidates"] = ", ".join(inputs.get("candidates") or [])
        initial["run_backtest"] = backtest is not None
        if backtest:
            initial.update({k: backtest[k] for k in ("window", "rebalance_every") if k in backtest})
            if "cost_bps" in backtest:
                initial["cost_pct"] = format((Decimal(str(backtest["cost_bps"])) / 100).normalize(), "f")
        return initial if inputs else {}


class ShareForm(forms.Form):
    include_quantities = forms.BooleanField(
        required=False,
        label="Show quantities",
        help_text="The number of units held of each asset; with the public closes it gives each holding's value.",
    )
