"""Templates format numbers with the shared filters (money, percent, quantity, ratio), never with
Django's ``floatformat``: it rounds half-even on floats, drops the unit and ignores the column's
precision, so the same figure reads differently from page to page.

EXPECTED TO FAIL until the lead's migration to the shared filters lands (issue 12): the failure
lists every remaining use, file and line, so that the list shrinks to nothing. No browser needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *sorted((ROOT / "apps").glob("*/templates"))]
# ``|floatformat`` and ``|floatformat:2``, with or without spaces around the bar.
FLOATFORMAT = re.compile(r"\|\s*floatformat\b")


def _uses() -> list[str]:
    found = []
    for folder in TEMPLATE_DIRS:
        for template in sorted(folder.rglob("*")):
            if not template.is_file() or template.suffix not in (".html", ".txt", ".xml", ".js", ".svg"):
                continue
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
                if FLOATFORMAT.search(line):
                    found.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_the_template_folders_are_found():
    # A scan of no folder would pass for the wrong reason.
    assert (ROOT / "templates" / "base.html").exists()
    assert len(TEMPLATE_DIRS) >= 5


def test_no_template_uses_the_floatformat_filter():
    uses = _uses()
    if uses:
        pytest.fail(
            f"{len(uses)} use(s) of |floatformat in templates (use the shared money/percent/quantity/ratio "
            "filters instead):\n  " + "\n  ".join(uses),
            pytrace=False,
        )
