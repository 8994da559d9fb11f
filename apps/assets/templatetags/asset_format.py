"""Number formatting for market-data templates (pure formatting: no queries)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, places: int = 2) -> str:
    """0.1234 → "12.34%"; None → "" (templates show a dash)."""
    if value is None:
        return ""
    return f"{value * 100:.{int(places)}f}%"


@register.filter
def signed_percent(value: float | None, places: int = 2) -> str:
    """0.1234 → "+12.34%", -0.05 → "−5.00%" (a real minus sign)."""
    if value is None:
        return ""
    return f"{value * 100:+.{int(places)}f}%".replace("-", "\u2212")
