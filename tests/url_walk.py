"""Walking the project's URL resolver, for the tests that police every route (access control)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver


def walk(resolvers, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple, URLPattern]]:
    """(route, namespaces, pattern) of every URL pattern under ``resolvers``."""
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespaces, entry


def route_params(route: str) -> list[str]:
    """The parameter names of a route (path converters and regex groups)."""
    return re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)
