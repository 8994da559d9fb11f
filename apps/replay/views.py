"""The replay's pages: public and read-only (nothing here starts, stops or changes a replay).

A replay's runs say which period of history was replayed and how far it got: facts about the
public track record's data, not about any user, so they are shown to anyone, like the track
record itself; the banner shows on every page, the login page included. Replays are started
only from the command line (``manage.py replay``).
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.replay import selectors


@require_GET
def runs(request):
    context = {"runs": selectors.runs(), "counts": selectors.replayed_forecast_counts()}
    return render(request, "replay/runs.html", context)


@require_GET
def banner(request):
    """The banner alone, for its own polling while a replay runs."""
    response = render(request, "replay/_banner.html", {"replay_run": selectors.banner_run()})
    response["Vary"] = "HX-Request"
    return response
