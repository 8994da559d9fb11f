"""The transactions pages in a real browser (headless Chromium through Playwright): a hash submitted
through the form lands on its page, in light and dark themes and at 375 px without sideways
scrolling, with no console error or CSP violation. Screenshots go to the test's tmp_path.

Skipped only when /usr/bin/chromium is absent (.ci/run installs it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("the browser test needs /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory  # noqa: E402
from tests.e2e.test_smoke import REPORT_CSP  # noqa: E402
from tests.onchain.transactions_helpers import RECEIVER, demo_token  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def browser(live_server, settings):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _page(browser, base: str, *, width: int, scheme: str, problems: list[str]):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.add_init_script(REPORT_CSP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text} ({page.url})"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc} ({page.url})"))
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", "tracker@example.com")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def _fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_hash_submitted_in_the_browser_is_tracked_on_every_theme_and_width(browser, live_server, chain, tmp_path):
    UserFactory(email="tracker@example.com")
    token = demo_token(chain, decimals=6, minted=10**9)
    hashes = [
        chain.transact("DemoToken", token, "transfer", RECEIVER, 2_500_000).tx_hash,
        chain.send_value(RECEIVER, 1_500_000_000_000_000_001).tx_hash,
    ]
    problems: list[str] = []
    for index, (width, scheme) in enumerate([(1280, "light"), (375, "dark"), (375, "light"), (1280, "dark")]):
        page = _page(browser, live_server.url, width=width, scheme=scheme, problems=problems)
        page.goto(live_server.url + "/onchain/transactions/", wait_until="networkidle")
        if index < len(hashes):  # the form, with htmx: the browser is sent to the new transaction's page
            page.fill("input[name=tx_hash]", hashes[index])
            page.click("#track-form button[type=submit]")
            page.wait_for_url("**/onchain/transactions/*/")
            page.wait_for_load_state("networkidle")
            assert page.locator("#tx-status .badge", has_text="Confirmed").count() == 1
        else:
            assert page.locator("#transactions-table tbody tr").count() == len(hashes)
            page.screenshot(path=tmp_path / f"list-{width}-{scheme}.png", full_page=True)
            page.click("#transactions-table tbody tr:last-child a")
            page.wait_for_load_state("networkidle")
        page.screenshot(path=tmp_path / f"detail-{width}-{scheme}.png", full_page=True)
        assert _fits(page, width), f"{page.url} scrolls sideways at {width} px ({scheme})"
        page.context.close()
    assert problems == []
