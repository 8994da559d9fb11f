"""Refuse requests carrying characters that no text column can hold, before any view runs.

PostgreSQL text cannot store NUL (U+0000): a symbol, a lookup or a filter holding one raises
``DataError`` deep inside a query, which would answer 500. Lone surrogates cannot be encoded at all.
The decoded path, query string and cookies are checked here once, so that every route answers
400: in the API error shape under ``/api/``, with the 400 page elsewhere. Bodies are left to their
parsers: DRF and Django form ``CharField``\\s reject NUL with a field error (their default
``ProhibitNullCharactersValidator``), and reading a body here would defeat the upload size limits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from quantumvest.api import error_body

INVALID = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "The address contains characters that are not allowed (a NUL byte or an invalid code point)."


def has_invalid_characters(request: HttpRequest) -> bool:
    if INVALID.search(request.path) or INVALID.search(request.path_info):
        return True
    for key, values in request.GET.lists():
        if INVALID.search(key) or any(INVALID.search(value) for value in values):
            return True
    return any(INVALID.search(key) or INVALID.search(value) for key, value in request.COOKIES.items())


class InputHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_invalid_characters(request):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body(MESSAGE, "invalid_characters"), status=400)
            return defaults.bad_request(request, BadRequest(MESSAGE))
        return self.get_response(request)
