"""What the browser checks look for on a loaded page, each check returning findings as text.

A finding names what is wrong and where (a CSS path, the card's heading, sizes in CSS pixels), so
that a failure reads as a to-do list: ``test_pages.py`` prefixes the page, width and scheme.

Layout (``LAYOUT``), by tag:
- ``[page overflow]``: the document is wider than the viewport; the elements sticking out are named.
- ``[table wider than card]``, ``[chart wider than card]``: the element's box reaches outside its
  closest ``.card``, at every width, also when a scrolling wrapper (``.table-wrap``) holds it.
- ``[table scrolls]``, ``[chart scrolls]``: at 1280 px, inside its card but in a wrapper that needs
  sideways scrolling (at 1280 nothing may need it).
- ``[scrolls sideways]``, ``[cuts off its content]``: any other element whose content is wider than
  it (a navigation bar that scrolls on a phone), except text for screen readers only (1 px), form
  controls and ``text-overflow: ellipsis``.
Labels (``LABELS``): ``[unlabelled control]``. axe (``AXE_RUN``): ``[axe serious]``, ``[axe critical]``.
The ``Recorder``: ``[console error]``, ``[CSP violation]``, ``[page error]``, ``[request failed]``,
``[HTTP nnn]`` (an error status not in ``expected_statuses``), ``[still loading]``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# Evaluated as a script (not a function): it defines window.axe.
AXE_SOURCE = AXE.read_text(encoding="utf-8") + "\n;typeof window.axe"
# axe-core's impacts that fail the checks (minor and moderate are reported by axe, not failed here).
FAILING_IMPACTS = ("serious", "critical")
WIDE_1280 = 1280  # at this width (and wider) nothing may need sideways scrolling, in a wrapper or not

# Helpers shared by the layout and label scripts: a short CSS path, and the heading of a card.
_JS_HELPERS = """
const describe = (el) => {
  const parts = [];
  for (let node = el; node && node.nodeType === 1 && parts.length < 4; node = node.parentElement) {
    let part = node.tagName.toLowerCase();
    if (node.id) { parts.unshift(part + '#' + node.id); break; }
    const classes = [...node.classList].slice(0, 2);
    if (classes.length) part += '.' + classes.join('.');
    parts.unshift(part);
  }
  return parts.join(' > ');
};
const cardName = (card) => {
  const heading = card.querySelector('h1, h2, h3, h4, caption, legend');
  const text = heading ? heading.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60) : '';
  return describe(card) + (text ? ' "' + text + '"' : '');
};
const px = (value) => Math.round(value);
"""

LAYOUT = (
    "(wide) => {"
    + _JS_HELPERS
    + """
  const findings = [];
  const viewport = document.documentElement.clientWidth;
  const scrollWidth = document.documentElement.scrollWidth;
  // An element is clipped when an ancestor that hides or scrolls its overflow ends inside the viewport.
  const clipped = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== 'visible' && node.getBoundingClientRect().right <= viewport + 0.5) return true;
    }
    return false;
  };
  if (scrollWidth > viewport) {
    // The elements sticking out furthest to the right, innermost first, say where the overflow comes from.
    const culprits = [...document.body.querySelectorAll('*')]
      .map((el) => [el, el.getBoundingClientRect()])
      .filter(([el, box]) => box.width > 0 && box.right > viewport + 0.5 && !clipped(el))
      .filter(([el]) => ![...el.children].some((child) => child.getBoundingClientRect().right > viewport + 0.5))
      .sort((a, b) => b[1].right - a[1].right)
      .slice(0, 5)
      .map(([el, box]) => describe(el) + ' (right edge ' + px(box.right) + ' px, width ' + px(box.width) + ' px)');
    findings.push('[page overflow] the page is ' + scrollWidth + ' px wide for a ' + viewport +
                  ' px viewport; sticking out: ' + (culprits.join('; ') || 'no element found'));
  }
  const scroller = (el, card) => {
    for (let node = el.parentElement; node && node !== card.parentElement; node = node.parentElement) {
      const overflowX = getComputedStyle(node).overflowX;
      if (overflowX === 'auto' || overflowX === 'scroll') return node;
    }
    return null;
  };
  const reported = new Set();
  for (const el of document.querySelectorAll('table, .chart, canvas, svg')) {
    const card = el.closest('.card');
    if (!card || el.closest('[hidden]') || el.getClientRects().length === 0) continue;
    if (el.tagName === 'svg' && el.closest('button, a, .icon')) continue;  // icons are not charts
    const kind = el.tagName === 'TABLE' ? 'table' : 'chart';
    const box = el.getBoundingClientRect();
    const cardBox = card.getBoundingClientRect();
    const wrapper = scroller(el, card);
    const scrolls = wrapper && wrapper.scrollWidth > wrapper.clientWidth + 1;
    const what = kind + ' ' + describe(el) + ' (' + px(box.width) + ' px wide)';
    const inWrapper = scrolls ? ', in ' + describe(wrapper) + ' which scrolls sideways (' + wrapper.clientWidth +
                                ' px shown of ' + wrapper.scrollWidth + ' px)' : '';
    if (scrolls) reported.add(wrapper);
    if (box.right > cardBox.right + 0.5 || box.left < cardBox.left - 0.5) {
      findings.push('[' + kind + ' wider than card] ' + what + ' spans ' + px(box.left) + '..' + px(box.right) +
                    ' px, outside card ' + cardName(card) + ' (' + px(cardBox.left) + '..' + px(cardBox.right) +
                    ' px, ' + px(cardBox.width) + ' px wide)' + inWrapper);
    } else if (scrolls && wide) {
      findings.push('[' + kind + ' scrolls] ' + what + ' needs sideways scrolling' + inWrapper + ' in card ' + cardName(card));
    }
  }
  // Anything else that scrolls sideways (a navigation bar on a phone) or cuts its content off.
  for (const el of document.body.querySelectorAll('*')) {
    if (reported.has(el) || el.getClientRects().length === 0 || el.scrollWidth <= el.clientWidth + 1) continue;
    // Text for screen readers only (clipped to 1 px on purpose) and form controls (which scroll their
    // own text) are not cut off.
    if (el.getBoundingClientRect().width <= 1 || el.matches('input, textarea, select')) continue;
    const style = getComputedStyle(el);
    if (style.overflowX === 'visible' || style.textOverflow === 'ellipsis') continue;
    const how = style.overflowX === 'auto' || style.overflowX === 'scroll' ? 'scrolls sideways' : 'cuts off its content';
    findings.push('[' + how + '] ' + describe(el) + ' shows ' + el.clientWidth + ' px of ' + el.scrollWidth +
                  ' px (overflow-x: ' + style.overflowX + ')');
  }
  return findings;
}"""
)

# Every form control has a label: a <label> (for= or around it), aria-label or aria-labelledby
# pointing at text. A placeholder or a title is not a label.
LABELS = (
    "() => {"
    + _JS_HELPERS
    + """
  const skipped = ['hidden', 'submit', 'button', 'reset', 'image'];
  const findings = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.tagName === 'INPUT' && skipped.includes(el.type)) continue;
    const fromLabels = [...(el.labels || [])].some((label) => label.textContent.trim());
    const fromAria = (el.getAttribute('aria-label') || '').trim();
    const fromIds = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .some((id) => (document.getElementById(id)?.textContent || '').trim());
    if (!fromLabels && !fromAria && !fromIds) {
      const name = el.name ? ' name="' + el.name + '"' : '';
      const form = el.form ? ' in form ' + describe(el.form) : '';
      findings.push('[unlabelled control] <' + el.tagName.toLowerCase() + (el.type ? ' type="' + el.type + '"' : '') +
                    name + '> ' + describe(el) + form);
    }
  }
  return findings;
}"""
)

AXE_RUN = """async (impacts) => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations
    .filter((violation) => impacts.includes(violation.impact))
    .map((violation) => ({
      id: violation.id, impact: violation.impact, help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
      summary: (violation.nodes[0]?.failureSummary || '').split('\\n').slice(0, 3).join(' ').trim(),
      html: (violation.nodes[0]?.html || '').replace(/\\s+/g, ' ').slice(0, 160),
    }));
}"""


@dataclass
class Recorder:
    """Console errors, page errors, failed requests and error responses of one page, while on."""

    on: bool = True
    expected_statuses: tuple[int, ...] = ()
    findings: list[str] = field(default_factory=list)
    in_flight: set = field(default_factory=set)
    last_activity: float = field(default_factory=time.monotonic)

    def attach(self, page) -> None:
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self._add(f"[page error] {exc}"))
        page.on(
            "requestfailed",
            lambda request: self._add(f"[request failed] {request.method} {request.url}: {request.failure}"),
        )
        page.on("response", self._response)

    def _started(self, request) -> None:
        self.in_flight.add(request)
        self.last_activity = time.monotonic()

    def _ended(self, request) -> None:
        self.in_flight.discard(request)
        self.last_activity = time.monotonic()

    def wait_until_quiet(self, page, quiet: float = 0.2, limit: float = 10.0) -> None:
        """Until no request has been in flight for ``quiet`` seconds (the panels htmx loads after
        the page, the charts' data): Playwright's "networkidle" waits 0.5 s, which adds up."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if not self.in_flight and time.monotonic() - self.last_activity >= quiet:
                return
            page.wait_for_timeout(50)
        self._add(
            f"[still loading] {len(self.in_flight)} request(s) in flight after {limit:.0f} s: "
            + ", ".join(sorted(r.url for r in self.in_flight))[:500]
        )

    def _add(self, finding: str) -> None:
        if self.on:
            self.findings.append(finding)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        expected = re.match(r"Failed to load resource: the server responded with a status of (\d+)", message.text)
        if expected and int(expected.group(1)) in self.expected_statuses:
            return  # Chromium's own line for an expected status (an invalid form's 422)
        where = message.location.get("url", "")
        kind = "CSP violation" if message.text.startswith("CSP violation") else "console error"
        self._add(f"[{kind}] {message.text}" + (f" ({where})" if where and where not in message.text else ""))

    def _response(self, response) -> None:
        if response.status >= 400 and response.status not in self.expected_statuses:
            self._add(f"[HTTP {response.status}] {response.request.method} {response.url}")


def layout_findings(page, width: int) -> list[str]:
    return page.evaluate(LAYOUT, width >= WIDE_1280)


def label_findings(page) -> list[str]:
    return page.evaluate(LABELS)


def axe_findings(page) -> list[str]:
    # page.add_script_tag(path=AXE) would add an inline <script>, which the product's CSP (script-src
    # 'self' and a nonce) rightly blocks, and bypass_csp would blind the CSP check; code evaluated
    # through the DevTools protocol is not subject to the page's CSP, so axe's vendored source is
    # evaluated in the page instead (nothing is fetched).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(AXE_RUN, list(FAILING_IMPACTS))
    findings = []
    for v in violations:
        targets = v["targets"]
        shown = "; ".join(targets[:8]) + (f"; … {len(targets) - 8} more" if len(targets) > 8 else "")
        findings.append(
            f"[axe {v['impact']}] {v['id']}: {v['help']} — {len(targets)} element(s): {shown}; "
            f"first: {v['html']} ({v['summary']})"
        )
    return findings
