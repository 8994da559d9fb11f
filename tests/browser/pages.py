"""Which pages the browser checks visit, as data, and which routes they leave out and why.

``PAGES`` lists every HTML page of the product with the URL parameters it takes from the demo data.
``EXCLUDED`` names the routes that render HTML but are not checked here, each with its reason;
``EXCLUDED_NAMESPACES`` does the same for whole namespaces. Every other route is asked for by
``test_coverage.py`` with a signed-in client: one that answers a full HTML page fails that test
until it is added to ``PAGES`` (or, with a reason, to ``EXCLUDED``), so a new page cannot ship
unchecked. Fragments, redirects, POST-only routes, JSON and CSV need no entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from tests.browser import demo_data


@dataclass(frozen=True)
class Page:
    """A page to check. ``ids`` maps a URL parameter to the key of ``Demo.ids`` that fills it;
    ``kwargs`` gives literal parameters. ``ready`` is a selector the page shows once its scripts
    (charts, lazy panels) are done."""

    name: str
    label: str = ""
    kwargs: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    signed_in: bool = True
    ready: str | None = None

    @property
    def id(self) -> str:
        return self.label or self.name

    def url(self, demo: demo_data.Demo) -> str:
        kwargs = dict(self.kwargs) | {param: demo.ids[key] for param, key in self.ids.items()}
        return reverse(self.name, kwargs=kwargs or None)


PORTFOLIO = {"portfolio_id": "portfolio_id"}
PAGES = [
    Page("dashboard"),
    Page("assets:list"),
    Page("assets:detail", "assets:detail[stock]", {"symbol": demo_data.STOCK}, ready="#price-chart canvas"),
    Page("assets:detail", "assets:detail[etf]", {"symbol": demo_data.ETF}, ready="#price-chart canvas"),
    Page("assets:detail", "assets:detail[crypto]", {"symbol": demo_data.CRYPTO}, ready="#price-chart canvas"),
    Page("assets:import"),
    Page("assets:import-job", ids={"job_id": "import_job_id"}),
    Page("portfolios:list"),
    Page("portfolios:detail", ids=PORTFOLIO),
    # The no-JavaScript fallbacks of in-place forms and panels are full pages too.
    Page("portfolios:delete", ids=PORTFOLIO),
    Page("portfolios:lot-edit", ids=PORTFOLIO | {"lot_id": "lot_id"}),
    Page("portfolios:performance", ids=PORTFOLIO),
    Page("portfolios:import", ids=PORTFOLIO),
    Page("portfolios:optimize", ids=PORTFOLIO),
    Page("portfolios:optimization-run", ids=PORTFOLIO | {"run_id": "run_id"}),
    Page("portfolios:optimization-runs", ids=PORTFOLIO),
    Page("portfolios:optimization-apply", ids=PORTFOLIO | {"run_id": "run_id"}),
    Page("portfolios:shares", ids=PORTFOLIO),
    Page("shared:portfolio", ids={"token": "token"}, signed_in=False),
    Page("predictions:job", ids={"job_id": "job_id"}),
    Page("predictions:panel", kwargs={"symbol": demo_data.STOCK}),
    Page("predictions:sentiment-panel", kwargs={"symbol": demo_data.STOCK}),
    Page("track-record:index"),
    Page("track-record:asset", kwargs={"symbol": demo_data.STOCK}),
    Page("track-record:forecast", ids={"pk": "pk"}),
    Page("replay:runs"),
    Page("onchain:index"),
    Page("onchain:address-edit", ids={"address_id": "address_id"}),
    Page("onchain:transactions"),
    Page("onchain:transaction", ids={"transaction_id": "transaction_id"}),
    Page("watchlist:index"),
    Page("alerts:index"),
    Page("notifications:index"),
    Page("notifications:preferences"),
    Page("plan:index"),
    Page("accounts:profile"),
    Page("accounts:password_change"),
    Page("accounts:login", signed_in=False),
    Page("accounts:register", signed_in=False),
    Page("accounts:password_reset", signed_in=False),
    Page("accounts:password_reset_done", signed_in=False),
    Page("accounts:password_reset_confirm", ids={"uidb64": "uidb64", "token": "reset_token"}, signed_in=False),
    Page("accounts:password_reset_complete", signed_in=False),
]

EXCLUDED_NAMESPACES = {
    "admin": "Django's admin: staff only, Django's own markup and styles, not the product's pages",
}
EXCLUDED = {
    "api-docs": "Swagger UI, a third-party page (tests/e2e/test_smoke.py loads it without errors)",
}
