"""The checks of ``checks.py`` find what they are meant to find: each runs on a small page made to have
one defect (and on one without it), so that a passing page check means something."""

from __future__ import annotations

import pytest

from tests.browser import checks
from tests.browser.conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("the browser checks need /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db]
ORIGIN = "http://checks.localhost"
STYLE = """<style>
  body { margin: 0; font: 16px sans-serif; }
  .card { width: 300px; padding: 10px; border: 1px solid #999; }
  .table-wrap { overflow-x: auto; }
  .nav { display: flex; overflow-x: auto; width: 200px; }
  .nav a { flex: none; width: 120px; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  td { padding: 0; }
</style>"""


@pytest.fixture
def page(contexts):
    """A page at 1280×800 of the signed-out light context that serves ``page.serve(html, headers)``."""
    tab = contexts(False, 1280, 800, "light").new_page()
    served = {}
    tab.route(f"{ORIGIN}/**", lambda route: route.fulfill(status=200, content_type="text/html", **served))

    def serve(html: str, headers: dict | None = None):
        served.update(
            body=f"<!doctype html><html lang='en'><head><title>t</title>{STYLE}</head><body>{html}</body></html>"
        )
        served["headers"] = headers or {}
        recorder = checks.Recorder()
        recorder.attach(tab)
        tab.goto(f"{ORIGIN}/")
        recorder.wait_until_quiet(tab)
        return recorder

    tab.serve = serve
    yield tab
    tab.close()


def _one(findings: list[str], tag: str) -> str:
    hits = [finding for finding in findings if finding.startswith(tag)]
    assert len(hits) == 1, f"expected one {tag} finding in {findings}"
    return hits[0]


def test_a_page_without_defects_has_no_findings(page):
    recorder = page.serve(
        "<main><section class='card'><h2>Fine</h2><table><tr><th scope='col'>a</th></tr><tr><td>1</td></tr></table>"
        "<label for='q'>Query</label><input id='q' name='q'><span class='visually-hidden'>a long text for "
        "screen readers only</span></section></main>"
    )
    assert checks.layout_findings(page, 1280) == []
    assert checks.label_findings(page) == []
    assert checks.axe_findings(page) == []
    assert recorder.findings == []


def test_a_table_wider_than_its_card_is_found_with_its_card_and_sizes(page):
    page.serve(
        "<section class='card'><h2>Wide</h2><table id='t' style='width: 600px'><tr><td>x</td></tr></table></section>"
    )
    finding = _one(checks.layout_findings(page, 375), "[table wider than card]")
    assert "table#t (600 px wide)" in finding and 'section.card "Wide"' in finding and "322 px wide" in finding


def test_a_table_in_a_scrolling_wrapper_is_too_wide_at_1280(page):
    page.serve(
        "<section class='card'><h2>Scrolls</h2><div class='table-wrap'>"
        "<table id='t' style='width: 305px'><tr><td>x</td></tr></table></div></section>"
    )
    finding = _one(checks.layout_findings(page, 1280), "[table scrolls]")
    assert "300 px shown of 305 px" in finding


def test_page_overflow_names_the_element_sticking_out(page):
    page.serve("<main><div id='wide' style='width: 2000px'>x</div></main>")
    finding = _one(checks.layout_findings(page, 1280), "[page overflow]")
    assert "2000 px wide for a 1280 px viewport" in finding and "div#wide" in finding


def test_a_navigation_that_scrolls_sideways_is_found(page):
    page.serve("<nav class='nav' id='n'><a href='#a'>one</a><a href='#b'>two</a><a href='#c'>three</a></nav>")
    assert "nav#n shows 200 px of 360 px" in _one(checks.layout_findings(page, 375), "[scrolls sideways]")


def test_an_unlabelled_control_is_found_and_a_placeholder_is_no_label(page):
    page.serve(
        "<form id='f'><input name='plain' placeholder='Name'><input name='named' aria-label='Named'>"
        "<span id='l'>Town</span><input name='by-id' aria-labelledby='l'><input type='hidden' name='h'></form>"
    )
    finding = _one(checks.label_findings(page), "[unlabelled control]")
    assert 'name="plain"' in finding and "form#f" in finding


def test_axe_reports_a_critical_violation_with_its_rule_and_target(page):
    page.serve("<main><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' id='pic'></main>")
    finding = _one(checks.axe_findings(page), "[axe critical]")
    assert "image-alt" in finding and "#pic" in finding


def test_console_errors_error_responses_and_failed_requests_are_recorded(page):
    recorder = page.serve("<script>console.error('boom');</script>")
    page.route(f"{ORIGIN}/missing", lambda route: route.fulfill(status=404, body="no"))
    page.route(f"{ORIGIN}/broken", lambda route: route.abort())
    page.evaluate(f"() => Promise.allSettled([fetch('{ORIGIN}/missing'), fetch('{ORIGIN}/broken')])")
    found = recorder.findings
    assert "[console error] boom" in found[0]
    assert f"[HTTP 404] GET {ORIGIN}/missing" in found
    assert any(finding.startswith(f"[request failed] GET {ORIGIN}/broken") for finding in found)


def test_an_expected_status_is_not_a_finding(page):
    recorder = page.serve("<p>form</p>")
    recorder.expected_statuses = (422,)
    page.route(f"{ORIGIN}/invalid", lambda route: route.fulfill(status=422, body="errors"))
    page.evaluate(f"() => fetch('{ORIGIN}/invalid')")
    assert [f for f in recorder.findings if "422" in f] == []


def test_a_csp_violation_is_recorded(page):
    recorder = page.serve(
        "<script>document.title = 'ran';</script>", headers={"Content-Security-Policy": "script-src 'self'"}
    )
    assert any(finding.startswith("[CSP violation] CSP violation: script-src") for finding in recorder.findings), (
        recorder.findings
    )
