"""Every HTML page of the product is visited by the browser checks or excluded with a reason.

The URL resolver is walked (``tests.url_walk``) and each route neither in ``pages.PAGES`` nor
excluded is asked for by the signed-in demo user: one that answers a full HTML page (``<html``)
fails here, so a new page cannot escape the checks. No browser needed.
"""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client
from django.urls import get_resolver, reverse

from tests.browser import demo_data
from tests.browser.pages import EXCLUDED, EXCLUDED_NAMESPACES, PAGES
from tests.url_walk import route_params, walk

# URL parameters of the routes asked for, filled from the demo data (the key of ``Demo.ids``) or literally.
FROM_DEMO = {
    "portfolio_id": "portfolio_id",
    "lot_id": "lot_id",
    "run_id": "run_id",
    "job_id": "job_id",
    "share_id": "share_id",
    "address_id": "address_id",
    "transaction_id": "transaction_id",
    "pk": "pk",
    "alert_id": "alert_id",
    "notification_id": "notification_id",
    "token": "token",
    "uidb64": "uidb64",
}
# The demo data is committed by the package's ``site`` fixture; the mark has the test database set up.
pytestmark = pytest.mark.django_db
LITERAL = {
    "symbol": "AAPL",
    "kind": "price_above",
    "address": demo_data.WALLET,
    # Only the API takes it (the demo runs no backtest): a JSON 404, which is not a page.
    "backtest_id": str(uuid.UUID(int=1)),
}

# Routes that read their object from the query string: (parameter, key of ``Demo.ids``).
QUERY = {"notifications:toast": ("id", "notification_id")}


def _routes():
    for route, namespaces, pattern in walk(get_resolver().url_patterns):
        name = ":".join((*namespaces, pattern.name)) if pattern.name else None
        yield route, namespaces, name


def _url(route: str, name: str | None, demo) -> str | None:
    params = list(dict.fromkeys(route_params(route)))
    if any(param not in FROM_DEMO and param not in LITERAL for param in params):
        return None
    kwargs = {param: demo.ids[FROM_DEMO[param]] if param in FROM_DEMO else LITERAL[param] for param in params}
    if name:
        return reverse(name, kwargs=kwargs or None)
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)


def _ask_every_route(demo, visited: set[str]) -> tuple[list[str], list[str], list[str]]:
    """(unfilled, unchecked, unreached) routes, asked for by the signed-in demo user."""
    client = Client()
    client.force_login(demo.user)
    unfilled, unchecked, unreached = [], [], []
    try:
        for route, namespaces, name in _routes():
            if name in visited or name in EXCLUDED or (namespaces and namespaces[0] in EXCLUDED_NAMESPACES):
                continue
            url = _url(route, name, demo)
            if url is None:
                unfilled.append(f"{name or route} ({route})")
                continue
            if name in QUERY:
                param, key = QUERY[name]
                url += f"?{param}={demo.ids[key]}"
            response = client.get(url)
            html = response.get("Content-Type", "").startswith("text/html")
            if response.status_code == 200 and html and b"<html" in response.content[:2000].lower():
                unchecked.append(f"{name or route} ({url})")
            elif response.status_code == 404 and html:
                # A page the demo data does not reach would escape the check above.
                unreached.append(f"{name or route} ({url})")
    finally:
        connections.close_all()
    return unfilled, unchecked, unreached


def test_every_html_page_is_checked_or_excluded_with_a_reason(site):
    _, demo = site
    visited = {page.name for page in PAGES}
    names = {name for _, _, name in _routes()}
    assert not (visited | set(EXCLUDED)) - names, (
        f"pages.py names routes that do not exist: {(visited | set(EXCLUDED)) - names}"
    )
    assert all(reason.strip() for reason in [*EXCLUDED.values(), *EXCLUDED_NAMESPACES.values()])

    # In a thread of its own: when the browser of the other tests is open, this thread runs
    # Playwright's event loop, and Django's async-to-sync adapters refuse to run beside it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        unfilled, unchecked, unreached = pool.submit(_ask_every_route, demo, visited).result()
    assert not unfilled, f"routes whose parameters this test cannot fill (teach FROM_DEMO or LITERAL): {unfilled}"
    assert not unreached, f"routes answering 404 with the demo data (fill their parameters from it): {unreached}"
    assert not unchecked, (
        "routes that render an HTML page but are neither in tests/browser/pages.py PAGES nor EXCLUDED "
        f"(with a reason): {unchecked}"
    )
