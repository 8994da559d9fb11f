"""Form fields shared by every page's forms."""

from __future__ import annotations

from decimal import Decimal

from django import forms


class DecimalInput(forms.NumberInput):
    """A number input that shows a Decimal as a person types it: 20, not 2E+1 or 20.00000000."""

    def format_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            value = value.normalize()
            return format(value.quantize(Decimal(1)) if value == value.to_integral() else value, "f")
        return super().format_value(value)


class DecimalField(forms.DecimalField):
    """``forms.DecimalField`` with :class:`DecimalInput`, and ``step="any"`` so no value is refused by
    the browser for its number of places (the field's own ``decimal_places`` decides, with a message)."""

    widget = DecimalInput

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["step"] = "any"
        return attrs
