"""Three journeys done with the keyboard only (Tab, Shift+Tab, Enter, Space, arrows and typing; no
clicks, no fills): logging in, adding a lot to a portfolio, running an optimisation from the
portfolio's optimise page. Each also fails on a console error, failed request, CSP violation or
error response on the way.
"""

from __future__ import annotations

import pytest

from apps.portfolios.models import OptimizationRun, PortfolioAsset
from tests.browser import checks
from tests.browser.conftest import CHROMIUM, REPORT_CSP
from tests.browser.demo_data import first_close

if not CHROMIUM.exists():
    pytest.skip("the browser checks need /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

# The demo data is committed by the package's ``site`` fixture; the mark has the test database set up.
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db]
MAX_TABS = 120


def _focused(page) -> str:
    """The focused element, described for a failure message."""
    return page.evaluate(
        """() => { const el = document.activeElement; if (!el || el === document.body) return 'nothing';
        return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '') +
               ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"'; }"""
    )


def tab_to(page, selector: str, *, backwards: bool = False) -> int:
    """Press Tab (Shift+Tab) until the focused element matches ``selector``; how many presses. Fails
    with the focus order seen when it is not reached in ``MAX_TABS`` presses."""
    seen = []
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return presses
        seen.append(_focused(page))
    pytest.fail(
        f"{selector} is not reachable with the keyboard on {page.url}: focus went through "
        + ", ".join(dict.fromkeys(seen)),
        pytrace=False,
    )


@pytest.fixture
def keyboard_page(site, browser):
    """A page in a fresh context (no session) at 1280×800, recording problems; (page, base, demo, recorder)."""
    base, demo = site
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.add_init_script(REPORT_CSP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    recorder = checks.Recorder()
    recorder.attach(page)
    yield page, base, demo, recorder
    recorder.on = False
    context.close()


def log_in(page, base, demo) -> None:
    page.goto(base + "/accounts/login/")
    tab_to(page, "input[name=username]")
    page.keyboard.type(demo.email)
    tab_to(page, "input[name=password]")
    page.keyboard.type(demo.password)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")


def test_logging_in_with_the_keyboard_only(keyboard_page):
    page, base, demo, recorder = keyboard_page
    log_in(page, base, demo)
    assert page.locator("#watchlist-title").count() == 1
    assert recorder.findings == []


def test_adding_a_lot_with_the_keyboard_only(keyboard_page):
    page, base, demo, recorder = keyboard_page
    log_in(page, base, demo)
    portfolio_id = demo.ids["portfolio_id"]
    before = PortfolioAsset.objects.filter(portfolio_id=portfolio_id).count()
    bought_on, price = first_close("WMT", "2016-03-01")
    page.goto(f"{base}/portfolios/{portfolio_id}/")
    page.wait_for_load_state("networkidle")
    tab_to(page, "#lot-add-form input[name=symbol]")
    page.keyboard.type("WMT")
    tab_to(page, "#lot-add-form input[name=quantity]")
    page.keyboard.type("12")
    tab_to(page, "#lot-add-form input[name=purchase_price]")
    page.keyboard.type(f"{price}")
    tab_to(page, "#lot-add-form input[name=purchase_date]")
    # First a date after WMT's last price (2018-04-11, where the sample ends): the lot cannot be valued,
    # so the form comes back with 422 and says why, in place.
    page.keyboard.type("06032019")  # a date input takes its segments as typed (en-US: month, day, year)
    recorder.expected_statuses = (422,)
    tab_to(page, "#lot-add-form button[type=submit]")
    with page.expect_response(lambda r: r.request.method == "POST" and "/lots/" in r.url) as posted:
        page.keyboard.press("Enter")
    assert posted.value.status == 422, f"a lot bought after the last price answered {posted.value.status}"
    page.wait_for_selector("#lot-add-form #id_purchase_date_error .errorlist")
    recorder.expected_statuses = ()
    # Back to the field before the date (Shift+Tab would enter the date at its last part, the year).
    tab_to(page, "#lot-add-form input[name=purchase_price]", backwards=True)
    page.keyboard.press("Tab")
    page.keyboard.type(bought_on.strftime("%m%d%Y"))
    tab_to(page, "#lot-add-form button[type=submit]")
    with page.expect_response(lambda r: r.request.method == "POST" and "/lots/" in r.url) as posted:
        page.keyboard.press("Enter")
    assert posted.value.status == 200, (
        f"adding the lot answered {posted.value.status}: {page.inner_text('#lot-add-form')[:300]}"
    )
    page.wait_for_selector("#holdings-table tr.position th:has-text('WMT')")
    assert page.locator("#holdings-table tr.lot").count() == before + 1
    lot = PortfolioAsset.objects.get(portfolio_id=portfolio_id, asset_id="WMT")
    assert (lot.quantity, lot.purchase_price, lot.purchase_date) == (12, price, bought_on)
    assert PortfolioAsset.objects.filter(portfolio_id=portfolio_id).count() == before + 1
    assert recorder.findings == []


def test_running_an_optimisation_with_the_keyboard_only(keyboard_page):
    page, base, demo, recorder = keyboard_page
    log_in(page, base, demo)
    portfolio_id = demo.ids["portfolio_id"]
    before = set(OptimizationRun.objects.filter(portfolio_id=portfolio_id).values_list("pk", flat=True))
    page.goto(f"{base}/portfolios/{portfolio_id}/optimize/")
    page.wait_for_load_state("networkidle")
    tab_to(page, "#optimize-workspace select[name=objective]")
    first = page.evaluate("() => document.activeElement.value")
    page.keyboard.press("ArrowDown")  # the next objective, chosen on the closed list
    objective = page.evaluate("() => document.activeElement.value")
    assert objective != first, f"ArrowDown on the objective list left it at {first}"
    tab_to(page, "#optimize-workspace button[type=submit]")
    with page.expect_response(lambda r: r.request.method == "POST" and "/optimize/" in r.url) as posted:
        page.keyboard.press("Space")
    assert posted.value.status == 200, f"the optimisation answered {posted.value.status}"
    page.wait_for_load_state("networkidle")
    runs = OptimizationRun.objects.filter(portfolio_id=portfolio_id).exclude(pk__in=before)
    assert [(run.objective, run.state) for run in runs] == [(objective, "succeeded")]
    assert recorder.findings == []
