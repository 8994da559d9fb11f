"""Small presentation helpers of the home pages (no queries); numbers use the builtin filters."""

from __future__ import annotations

import json

from django import template

register = template.Library()


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
