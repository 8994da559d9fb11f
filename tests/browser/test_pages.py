"""Every page of ``pages.PAGES``, with the demo data, at 1280×800 and 375×812, in the light and the dark
colour scheme: no horizontal overflow, no table or chart wider than its card (and at 1280 none that
needs sideways scrolling), no console error, failed request, CSP violation or error response, no
axe-core violation of impact serious or critical, every form control labelled. A screenshot of each
is saved under ``conftest.SCREENSHOTS`` (printed at the end of the run).

One test per page and variant; a failure lists every finding of that page at once, each with
where it is (CSS path, card, sizes).
"""

from __future__ import annotations

import re

import pytest

from tests.browser import checks
from tests.browser.conftest import CHROMIUM, SCREENSHOTS
from tests.browser.pages import PAGES

if not CHROMIUM.exists():
    pytest.skip("the browser checks need /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

# The demo data is committed by the package's ``site`` fixture; the mark has the test database set up.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db]

VIEWPORTS = {"1280": (1280, 800), "375": (375, 812)}
SCHEMES = ("light", "dark")
VARIANTS = [(width, scheme) for width in VIEWPORTS for scheme in SCHEMES]


def _file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


@pytest.mark.parametrize(("width", "scheme"), VARIANTS, ids=[f"{w}-{s}" for w, s in VARIANTS])
@pytest.mark.parametrize("check", PAGES, ids=[p.id for p in PAGES])
def test_page(check, width, scheme, site, contexts):
    base, demo = site
    viewport = VIEWPORTS[width]
    context = contexts(check.signed_in, *viewport, scheme)
    page = context.new_page()
    recorder = checks.Recorder()
    recorder.attach(page)
    url = check.url(demo)
    findings = []
    shot = SCREENSHOTS / f"{_file_name(check.id)}-{width}-{scheme}.png"
    try:
        page.goto(base + url, wait_until="load")  # an error status is the recorder's finding
        recorder.wait_until_quiet(page)
        if check.ready:
            page.wait_for_selector(check.ready, state="attached")
        if check.signed_in and "/accounts/login/" in page.url:
            findings.append(f"[signed out] the page sent the browser to {page.url}")
        else:
            findings += checks.layout_findings(page, viewport[0])
            findings += checks.label_findings(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shot, full_page=True)
        recorder.on = False  # axe's own script tag must not count as the page's problem
        findings += checks.axe_findings(page)
    finally:
        recorder.on = False
        page.close()
    findings = recorder.findings + findings
    if findings:
        pytest.fail(
            f"{check.id} ({url}) at {viewport[0]}×{viewport[1]}, {scheme} scheme: {len(findings)} problem(s)\n  - "
            + "\n  - ".join(findings)
            + f"\n  screenshot: {shot}",
            pytrace=False,
        )
