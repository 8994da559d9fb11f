"""Ownership checks wrapped for each face, so that every route of a portfolio, a lot or a run
answers 404 to another user *before* anything else (even before "method not allowed").

- Pages: ``@portfolio_view("GET", "POST")`` on a function view taking ``portfolio_id``: the view
  receives ``portfolio`` (the user's own) instead; other methods answer 405 to the owner only.
- API: ``OwnedPortfolioMixin`` first in the bases of an ``APIView`` whose URL has ``portfolio_id``:
  ``self.portfolio`` is the user's own portfolio, looked up in ``initial()`` (before DRF picks the
  handler for the method).
- Share links (public, no login): ``public_headers`` on every answer of their pages and API.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from apps.portfolios.selectors import get_portfolio_for_user
from quantumvest.middleware import NO_STORE


def portfolio_view(*methods: str) -> Callable:
    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, portfolio_id, *args, **kwargs) -> HttpResponse:
            portfolio = get_portfolio_for_user(request.user, portfolio_id)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            return view(request, portfolio, *args, **kwargs)

        return wrapper

    return decorate


class OwnedPortfolioMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.portfolio = get_portfolio_for_user(request.user, kwargs["portfolio_id"])


def public_headers(response: HttpResponse) -> HttpResponse:
    """What every public face of a share link sends: kept out of search engines and shared caches,
    and the token (in the URL) never passed on as a Referer to the sites the page links to."""
    response["Cache-Control"] = NO_STORE
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response["Referrer-Policy"] = "no-referrer"
    return response
