"""The replay banner's run for base.html, read only when a page shows the banner."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from apps.replay import selectors


def replay(request) -> dict:
    return {"replay_run": SimpleLazyObject(selectors.banner_run)}
