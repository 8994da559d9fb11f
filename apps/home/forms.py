"""Forms of the home app's pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from apps.home.models import AlertKind, Channel
from apps.home.services.alerts import SYMBOL_KINDS, THRESHOLD_KINDS
from quantumvest.forms import DecimalField

THRESHOLD_LABELS = {
    AlertKind.PRICE_ABOVE: ("Price level", "The alert fires when a close rises above this price."),
    AlertKind.PRICE_BELOW: ("Price level", "The alert fires when a close falls below this price."),
    AlertKind.DAILY_MOVE: ("Daily move, %", "For example 5: a close 5% or more above or below the one before."),
    AlertKind.PORTFOLIO_DRIFT: (
        "Drift, percentage points",
        "For example 10: an asset's weight 10 points away from the weight of the last optimisation.",
    ),
    AlertKind.LARGE_TRANSFER: (
        "Amount, coin or token units",
        "Transfers of at least this amount. For a tracked token contract, empty means the token's own large-transfer threshold.",
    ),
}


class AlertForm(forms.Form):
    kind = forms.ChoiceField(choices=AlertKind.choices, initial=AlertKind.PRICE_ABOVE)
    symbol = forms.CharField(max_length=20, required=False, label="Asset symbol")
    threshold = DecimalField(max_digits=24, decimal_places=8, required=False)
    portfolio = forms.ChoiceField(required=False, choices=())
    address = forms.ChoiceField(required=False, choices=(), label="Tracked address")
    channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        initial=[Channel.IN_APP],
        widget=forms.CheckboxSelectMultiple,
        label="Tell me",
        error_messages={"required": "Choose in the app, e-mail or both."},
    )

    def __init__(self, *args, portfolios=(), addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].choices = [("", "Choose a portfolio")] + [(str(p.pk), p.name) for p in portfolios]
        self.fields["address"].choices = [("", "Choose an address")] + [
            (a.address, f"{a.label or a.address} (chain {a.chain_id})") for a in addresses
        ]
        kind = self.data.get("kind") or self.initial.get("kind") or AlertKind.PRICE_ABOVE
        self.kind = kind if kind in AlertKind.values else AlertKind.PRICE_ABOVE
        label, help_text = THRESHOLD_LABELS.get(self.kind, ("Threshold", ""))
        self.fields["threshold"].label, self.fields["threshold"].help_text = label, help_text

    def visible_fields_for_kind(self) -> list:
        """The fields the chosen kind takes, in order."""
        names = ["symbol"] if self.kind in SYMBOL_KINDS else []
        if self.kind == AlertKind.PORTFOLIO_DRIFT:
            names.append("portfolio")
        if self.kind == AlertKind.LARGE_TRANSFER:
            names.append("address")
        if self.kind in THRESHOLD_KINDS or self.kind == AlertKind.LARGE_TRANSFER:
            names.append("threshold")
        return [self[name] for name in names]
