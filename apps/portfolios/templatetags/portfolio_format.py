"""Portfolio figures in their unit, and the colour of a gain or a loss (no queries)."""

from __future__ import annotations

from django import template

from quantumvest.formatting import number, percent

register = template.Library()


@register.filter
def figure(fig) -> str:
    """A performance figure in its unit: a fraction as a percentage, anything else to two places."""
    if fig.value is None:
        return "n/a"
    return percent(fig.value) if fig.unit == "ratio" else number(fig.value)


@register.filter
def sign_class(value) -> str:
    if value is None:
        return ""
    return "gain" if value > 0 else "loss" if value < 0 else ""
