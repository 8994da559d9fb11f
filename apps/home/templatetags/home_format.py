"""Signed figures on the home pages: a real minus sign, a plus for gains (no queries)."""

from __future__ import annotations

import json
from decimal import Decimal

from django import template

from apps.portfolios.templatetags.portfolio_format import money

register = template.Library()


@register.filter
def signed_money(value) -> str:
    if value is None:
        return "—"
    text = money(abs(Decimal(value)))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


@register.filter
def signed_pct(value, places: int = 2) -> str:
    """0.0123 → +1.23 %; −0.5 → −50.00 %."""
    if value is None:
        return "—"
    number = float(value) * 100
    text = f"{abs(number):,.{int(places)}f} %"
    return f"+{text}" if number > 0 else f"−{text}" if number < 0 else text


@register.filter
def ratio_pct(value, places: int = 1) -> str:
    """A share 0–1 as a percentage without sign: 0.8 → 80.0 %."""
    return "—" if value is None else f"{float(value) * 100:.{int(places)}f} %"


@register.filter
def json_attr(value) -> str:
    """JSON for a data- attribute (the template's autoescaping makes it attribute-safe)."""
    return json.dumps(value, separators=(",", ":"))


@register.filter
def job_label(job) -> str:
    """What a job is, for a person: its kind and what it works on."""
    kind = str(job._meta.verbose_name).capitalize()
    subject = getattr(job, "asset_id", None) or getattr(getattr(job, "portfolio", None), "name", None)
    return f"{kind} of {subject}" if subject else kind
