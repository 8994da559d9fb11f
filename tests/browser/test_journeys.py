"""Journeys whose defects a static page check cannot see: what a page shows after the user acts."""

from __future__ import annotations

import pytest

from tests.browser import checks
from tests.browser.conftest import CHROMIUM
from tests.browser.demo_data import FORECAST, WATCHED

if not CHROMIUM.exists():
    pytest.skip("the browser checks need /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db]


def test_a_generated_forecast_shows_in_the_panel_without_a_reload(site, contexts):
    """Issue 12, item 1: the job said "Succeeded · 4 forecasts" while the panel below it still said
    "No forecast yet" until a reload."""
    base, _ = site
    symbol = next(s for s in WATCHED if s not in FORECAST)  # a stock the demo has not forecast
    page = contexts(True, 1280, 800, "light").new_page()
    recorder = checks.Recorder()
    recorder.attach(page)
    try:
        page.goto(f"{base}/assets/{symbol}/")
        panel = page.locator("#forecast-panel")
        panel.get_by_text("No forecast yet").wait_for()
        page.evaluate("window.__sameDocument = true")

        panel.get_by_role("button", name="Generate forecast").click()

        page.locator("#forecast-panel table tbody tr").first.wait_for(timeout=90_000)
        text = page.locator("#forecast-panel").inner_text()
        assert "Succeeded" in text and "No forecast yet" not in text
        assert page.locator("#forecast-panel table tbody tr").count() == 4  # 1d, 1w, 1m, 3m
        assert page.locator("#forecast-panel [data-forecast-chart] canvas").count() == 1
        assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    finally:
        recorder.on = False
        page.close()
    assert recorder.findings == []
