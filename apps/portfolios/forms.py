"""Forms of the portfolio pages: they parse input; the services decide."""

from __future__ import annotations

from django import forms

from apps.portfolios.models import MONEY_PLACES, QUANTITY_PLACES


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
    quantity = forms.DecimalField(max_digits=28, decimal_places=QUANTITY_PLACES, min_value=0)
    purchase_price = forms.DecimalField(max_digits=20, decimal_places=MONEY_PLACES, min_value=0)
    purchase_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-label", field.label or name)


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
