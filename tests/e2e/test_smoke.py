"""End-to-end smoke test: a real browser (headless Chromium through Playwright) walks the main pages
against the live test server and fails on any console error, CSP violation, uncaught page error or
HTTP response >= 500.

The asset page shows real bars: SPY 2008-2017 (data/sample/yahoo_SPY_2008_2017.csv) imported through
the import service. Skipped only when /usr/bin/chromium is absent (.ci/run installs it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "yahoo_SPY_2008_2017.csv"

if not CHROMIUM.exists():
    pytest.skip("e2e smoke test needs /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

from apps.assets.services import import_price_file  # noqa: E402
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# A CSP violation is reported to the page as an event; the init script turns it into a console error.
REPORT_CSP = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


@pytest.fixture
def browser_page(live_server, settings):
    # Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # The live server speaks plain http: let the browser keep the session and CSRF cookies.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(REPORT_CSP)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text} ({page.url})"))
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc} ({page.url})"))
        page.on("response", lambda r: r.status >= 500 and problems.append(f"HTTP {r.status}: {r.url}"))
        page.problems = problems
        try:
            yield page
        finally:
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def visit(page, base, path):
    response = page.goto(base + path, wait_until="networkidle")
    assert response.status < 400, f"{path} answered {response.status}"
    return response


def test_main_pages_have_no_errors(browser_page, live_server):
    page, base = browser_page, live_server.url
    report = import_price_file(SAMPLE, format="ohlcv", symbol="SPY", create_assets=True, asset_type="etf")
    assert report.created > 2000
    UserFactory(email="walker@example.com")

    visit(page, base, "/accounts/login/")
    page.fill("input[name=username]", "walker@example.com")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/") == base, f"login did not reach the dashboard: {page.url}"

    visit(page, base, "/assets/?q=spy")
    assert page.locator("table tbody tr", has_text="SPY").count() == 1

    visit(page, base, "/assets/SPY/")
    page.wait_for_selector("#price-chart canvas")
    page.click("button[data-range='Max']")
    page.click("button[data-kind='candles']")
    page.check("input[data-log]")
    page.wait_for_selector("#forecast-panel:not(:has-text('Loading the forecast'))", state="attached")

    visit(page, base, "/portfolios/")
    page.fill("#create-form input[name=name]", "Smoke")
    page.click("#create-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/portfolios/[0-9a-f-]{36}/$"))
    page.wait_for_load_state("networkidle")
    form = page.locator("#lot-add-form")
    form.locator("input[name=symbol]").fill("SPY")
    form.locator("input[name=quantity]").fill("10")
    form.locator("input[name=purchase_price]").fill("120.50")
    form.locator("input[name=purchase_date]").fill("2012-03-01")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#holdings-table tr.lot")
    page.wait_for_load_state("networkidle")
    assert page.locator("#holdings-table tr.lot").count() == 1

    visit(page, base, "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)

    assert page.problems == []
