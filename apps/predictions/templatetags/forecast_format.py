"""Formatting of track-record figures: shares as percentages, ratios to two decimals, "–" when unknown."""

from __future__ import annotations

from django import template

register = template.Library()

MISSING = "\u2013"


@register.filter
def pct(value, places: int = 0) -> str:
    if value is None:
        return MISSING
    return f"{100 * float(value):.{int(places)}f}%"


@register.filter
def ratio(value) -> str:
    if value is None:
        return MISSING
    return f"{float(value):.2f}"


@register.filter
def ratio3(value) -> str:
    """A ratio to three decimals (Brier scores differ in the third)."""
    if value is None:
        return MISSING
    return f"{float(value):.3f}"
