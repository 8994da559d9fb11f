"""Forms of the market-data pages (the price-file upload)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from apps.assets.models import SYMBOL_PATTERN, AssetType, ImportFormat


class PriceImportForm(forms.Form):
    file = forms.FileField(
        label="Price file (CSV)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    format = forms.ChoiceField(
        choices=[("", "Detect from the header"), *ImportFormat.choices],
        required=False,
        help_text="Wide: Date, then one column per symbol. OHLCV: Date, Open, High, Low, Close, Adj Close, Volume.",
    )
    symbol = forms.RegexField(
        regex=SYMBOL_PATTERN,
        max_length=20,
        required=False,
        help_text="The symbol of an OHLCV file (e.g. SPY, BTC-USD). Not needed for a wide file.",
        error_messages={"invalid": "Use upper-case letters, digits and . - ^."},
    )
    asset_type = forms.ChoiceField(
        label="Type of new assets", choices=[("", "Stock"), *AssetType.choices[1:]], required=False
    )
    create_assets = forms.BooleanField(
        label="Create assets the database does not know yet", required=False, initial=False
    )
    skip_invalid = forms.BooleanField(
        label="Import the valid rows and report the invalid ones",
        required=False,
        help_text="Otherwise one invalid row stops the whole file and nothing is imported.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"UTF-8, comma-separated, dates as YYYY-MM-DD or M/D/YYYY; at most "
            f"{filesizeformat(settings.QV_IMPORT_MAX_BYTES)}."
        )

    def clean_symbol(self) -> str:
        return (self.cleaned_data.get("symbol") or "").strip().upper()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.QV_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than the limit of {filesizeformat(settings.QV_IMPORT_MAX_BYTES)}."
            )
        return upload

    def import_options(self) -> dict:
        """The cleaned fields as ``services.queue_import_job`` options (everything but the file)."""
        return {key: value for key, value in self.cleaned_data.items() if key != "file"}
