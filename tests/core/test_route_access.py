"""Every route of the project refuses anonymous callers unless it is listed as public here.

The test walks the whole URL resolver (``tests.url_walk``) and requests every pattern logged out:
a page must redirect to a login page (302), an API endpoint must answer 401 or 403. A route that
only takes POST (405 to GET) is asked with POST instead. Routes named in ``PUBLIC`` must answer
anonymous callers without refusing them, so that the list never holds a stale entry.

A parameter this test cannot fill fails it: a new route is classified (teach ``VALUES`` its
parameter) before it can ship, and a new public route has to be added to ``PUBLIC`` on purpose.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import get_resolver, reverse

from tests.url_walk import route_params, walk

pytestmark = pytest.mark.django_db

SIGN_IN_AND_RECOVERY = {
    "accounts:login",
    "accounts:register",
    "accounts:register_validate",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts-api:register",
    "accounts-api:token",
    "accounts-api:token-refresh",
    "accounts-api:token-verify",
    "accounts-api:logout",
    "admin:login",
    "admin:logout",
}
OPERATIONS = {"healthz", "readyz"}
# The market date (issue 10): as public as the footer of the login page that shows it.
MARKET = {"assets-api:market"}
API_DOCUMENTATION = {"schema", "api-docs"}
# The public, verifiable track record (issue 10): pages, API, verification of a listed forecast,
# and the old logged-in addresses, which redirect (301) to the public pages.
TRACK_RECORD = {
    "track-record:index",
    "track-record:asset",
    "track-record:forecast",
    "track-record-api:summary",
    "track-record-api:forecasts",
    "track-record-api:verification",
    "predictions:track-record",
    "predictions:asset-track-record",
}
# The read-only portfolio share link (issue 10, item 5): its page and JSON answer anyone holding a
# live token (an unknown or revoked token is a 404); managing links stays the owner's.
SHARE_LINKS = {"shared:portfolio", "shared-api:portfolio"}
# Market replay progress (issue 10): which period of the public record was replayed, read-only;
# replays start from the command line only.
REPLAY = {"replay:runs", "replay:banner"}
PUBLIC = SIGN_IN_AND_RECOVERY | OPERATIONS | MARKET | REPLAY | API_DOCUMENTATION | TRACK_RECORD | SHARE_LINKS

ANY_UUID = str(uuid.UUID(int=1))
VALUES = {
    "symbol": "AAPL",
    "pk": ANY_UUID,
    "job_id": ANY_UUID,
    "portfolio_id": ANY_UUID,
    "lot_id": ANY_UUID,
    "run_id": ANY_UUID,
    "backtest_id": ANY_UUID,
    "share_id": ANY_UUID,
    "address_id": 1,
    "transaction_id": 1,
    "address": "0x" + "ab" * 20,
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "app_label": "auth",
    "url": "nowhere/",
    "uidb64": "MQ",
    "token": "set-password",
    "alert_id": ANY_UUID,
    "notification_id": 1,
    "kind": "price_above",
}
LOGIN_PAGES = (resolve_url(settings.LOGIN_URL), "/admin/login/")


def routes() -> list[tuple[str, str, str]]:
    """(route, name or route, URL) of every pattern; the URL is None when a parameter is unknown."""
    found = []
    for route, namespaces, pattern in walk(get_resolver().url_patterns):
        params = list(dict.fromkeys(route_params(route)))
        name = ":".join((*namespaces, pattern.name)) if pattern.name else None
        if any(param not in VALUES for param in params):
            found.append((route, name or route, None))
            continue
        kwargs = {param: VALUES[param] for param in params}
        found.append((route, name or route, reverse(name, kwargs=kwargs) if name else _fill(route, kwargs)))
    return found


def _fill(route: str, kwargs: dict) -> str:
    """The URL of an unnamed pattern: its converters and regex groups replaced by the values."""
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), url)
    return "/" + url.replace("^", "").replace("$", "")


def _refused(route: str, response) -> bool:
    if route.startswith("api/"):
        return response.status_code in (401, 403)
    return response.status_code == 302 and response["Location"].startswith(LOGIN_PAGES)


def _anonymous(client: Client, url: str):
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


def test_every_route_refuses_anonymous_callers_unless_it_is_public():
    client = Client()
    found = routes()
    unfilled = [route for route, _, url in found if url is None]
    assert not unfilled, f"routes whose parameters this test cannot fill (add them to VALUES): {unfilled}"
    # The walk must reach the routes it polices (a walker that finds nothing proves nothing).
    names = {name for _, name, _ in found}
    assert {"dashboard", "portfolios:detail", "portfolios-api:portfolio-list", "admin:index"} <= names
    assert not PUBLIC - names, f"PUBLIC names routes that do not exist: {PUBLIC - names}"

    open_routes, refused_public = [], []
    for route, name, url in found:
        refused = _refused(route, _anonymous(client, url))
        if name in PUBLIC and refused:
            refused_public.append(url)
        elif name not in PUBLIC and not refused:
            open_routes.append(f"{name} ({url})")
    assert not open_routes, f"anonymous callers are not refused by: {open_routes}"
    assert not refused_public, f"routes listed as PUBLIC refuse anonymous callers: {refused_public}"
