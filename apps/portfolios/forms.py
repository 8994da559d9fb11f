"""Forms of the portfolio pages: they parse input; the services decide."""

from __future__ import annotations

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


class OptimizeForm(forms.Form):
    """The optimisation page's inputs; ``as_request_kwargs`` shapes them like the API's JSON body."""

    risk_preference = forms.ChoiceField(
        required=False,
        choices=[("", "None: use the objective below")] + [(k, k.title()) for k in optimization.RISK_PREFERENCES],
        help_text="Conservative = minimum volatility; moderate = maximum Sharpe; aggressive = quadratic "
        "utility with risk aversion 1. All use Ledoit-Wolf covariance.",
    )
    objective = forms.ChoiceField(choices=Objective.choices, initial="max_sharpe")
    expected_returns = forms.ChoiceField(
        choices=[("mean_historical", "Mean historical"), ("ema", "Exponentially weighted mean"), ("capm", "CAPM")]
    )
    compounding = forms.BooleanField(required=False, initial=True, help_text="Geometric (compounded) mean.")
    risk_model = forms.ChoiceField(
        choices=[
            ("sample_cov", "Sample covariance"),
            ("ledoit_wolf", "Ledoit-Wolf shrinkage"),
            ("exp_cov", "Exponential"),
        ]
    )
    risk_free_rate = forms.FloatField(
        initial=optimization.DEFAULT_RISK_FREE_RATE, help_text="Annual, as a fraction. Default 0.02 (2 % a year)."
    )
    weight_min = forms.FloatField(initial=0.0, label="Minimum weight")
    weight_max = forms.FloatField(initial=1.0, label="Maximum weight")
    target_volatility = forms.FloatField(required=False, help_text="For efficient_risk, e.g. 0.19.")
    target_return = forms.FloatField(required=False, help_text="For efficient_return, e.g. 0.25.")
    risk_aversion = forms.FloatField(required=False, help_text="For maximum quadratic utility.")
    candidates = forms.CharField(required=False, help_text="Extra symbols to consider, separated by commas.")
    lookback_days = forms.IntegerField(
        required=False, initial=1095, help_text="Calendar days of history; empty = start/end or everything."
    )
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    run_backtest = forms.BooleanField(required=False, initial=True, label="Backtest against 1/N and buy-and-hold")
    window = forms.IntegerField(initial=252, min_value=20, max_value=5000, help_text="Trailing trading days.")
    rebalance_every = forms.IntegerField(initial=21, min_value=1, max_value=1000, help_text="Trading days.")
    cost_bps = forms.FloatField(initial=10, min_value=0, max_value=1000, help_text="Basis points per trade.")

    def as_request_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            name: data[name]
            for name in ("expected_returns", "compounding", "risk_model", "risk_free_rate", "start", "end")
            if data.get(name) is not None
        }
        for name in ("target_volatility", "target_return", "risk_aversion", "lookback_days"):
            if data.get(name) is not None:
                kwargs[name] = data[name]
        if data.get("risk_preference"):
            kwargs["risk_preference"] = data["risk_preference"]
            kwargs.pop("risk_model", None)
            kwargs.pop("expected_returns", None)
        else:
            kwargs["objective"] = data["objective"]
        kwargs["weight_bounds"] = (data["weight_min"], data["weight_max"])
        kwargs["candidates"] = [c for c in (data.get("candidates") or "").replace(" ", ",").split(",") if c]
        if data.get("run_backtest"):
            kwargs["backtest"] = {k: data[k] for k in ("window", "rebalance_every", "cost_bps")}
        return kwargs

    @classmethod
    def initial_from(cls, inputs: dict) -> dict:
        """Initial values that repeat a stored run's inputs (empty for none)."""
        settings, window, backtest = inputs.get("settings") or {}, inputs.get("window") or {}, inputs.get("backtest")
        initial = {name: value for name, value in settings.items() if name in cls.base_fields and value is not None}
        if "weight_bounds" in settings:
            initial["weight_min"], initial["weight_max"] = settings["weight_bounds"]
        initial.update({name: value for name, value in window.items() if value is not None})
        if "lookback_days" in window and window["lookback_days"] is None:
            initial["lookback_days"] = None
        initial["risk_preference"] = inputs.get("risk_preference") or ""
        initial["candidates"] = ", ".join(inputs.get("candidates") or [])
        initial["run_backtest"] = backtest is not None
        initial.update(backtest or {})
        return initial if inputs else {}


class ShareForm(forms.Form):
    include_quantities = forms.BooleanField(
        required=False,
        label="Show quantities",
        help_text="The number of units held of each asset; with the public closes it gives each holding's value.",
    )
