"""Forms of the on-chain page: they parse input; ``services.addresses`` decides."""

from __future__ import annotations

from django import forms

from apps.onchain.models import AddressKind


class TrackForm(forms.Form):
    address = forms.CharField(
        max_length=100,
        help_text="0x and 40 hex digits. Lower or upper case is checksummed for you; mixed case must be a valid EIP-55 checksum.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "0x…"}),
    )
    kind = forms.ChoiceField(choices=AddressKind.choices, initial=AddressKind.WALLET)
    label = forms.CharField(max_length=100, required=False)


class LabelForm(forms.Form):
    label = forms.CharField(max_length=100, required=False, help_text="Blank removes the label.")
