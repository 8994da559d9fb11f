"""The "notarised on chain" line of a prediction, from statuses the view computed (no query here)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("predictions/_notarisation.html")
def notarisation(statuses: dict, prediction, compact: bool = False) -> dict:
    """One prediction's badge, with its transaction and block unless ``compact`` (a table cell);
    ``statuses`` is ``apps.onchain.services.verification.notarisations(...)`` of the page."""
    return {"n": (statuses or {}).get(prediction.pk), "prediction": prediction, "compact": compact}


@register.inclusion_tag("predictions/_notarisation_note.html")
def notarisation_note(statuses: dict) -> dict:
    """The reasons, said once under a table, why some of its predictions are not notarised (yet)."""
    reasons = list(dict.fromkeys(n.reason for n in (statuses or {}).values() if not n.notarised))
    return {"reasons": reasons, "any_notarised": any(n.notarised for n in (statuses or {}).values())}
