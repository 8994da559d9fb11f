"""Formatting of money, ratios and figures on the portfolio pages (no queries)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def money(value, places: int = 2) -> str:
    if value is None:
        return "—"
    return intcomma(f"{Decimal(value):,.{int(places)}f}".replace(",", ""))


@register.filter
def pct(value, places: int = 2) -> str:
    """0.1234 → 12.34 %."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.{int(places)}f} %"


@register.filter
def quantity(value) -> str:
    if value is None:
        return "—"
    return format(Decimal(value).normalize(), "f")


@register.filter
def figure(fig) -> str:
    """A performance figure in its unit."""
    if fig.value is None:
        return "n/a"
    if fig.unit == "ratio":
        return pct(fig.value)
    return f"{fig.value:.2f}"


@register.filter
def sign_class(value) -> str:
    if value is None:
        return ""
    return "gain" if value > 0 else "loss" if value < 0 else ""
