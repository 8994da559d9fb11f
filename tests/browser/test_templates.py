"""Static checks of the templates, no browser needed.

Numbers go through the shared filters (money, percent, quantity, ratio), never Django's
``floatformat``: it rounds half-even on floats, drops the unit and ignores the column's precision,
so the same figure reads differently from page to page. And every spacing utility class a template
uses (``mt-4``, ``mb-0``, ...) is defined in the style sheets: an undefined one silently does
nothing (the dashboard's cards touched each other for want of ``.mt-4``).
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


SPACING_CLASS = re.compile(r"\b[mp][tblrxy]?-\d+\b")
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')


def _defined_spacing_classes() -> set[str]:
    css = "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "static" / "css").glob("*.css")))
    return set(re.findall(r"\.([mp][tblrxy]?-\d+)\b", css))


def test_every_spacing_class_used_in_a_template_is_defined():
    defined = _defined_spacing_classes()
    assert "mb-0" in defined  # the style sheets were read
    missing = []
    for folder in TEMPLATE_DIRS:
        for template in sorted(folder.rglob("*.html")):
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
                for attribute in CLASS_ATTRIBUTE.findall(line):
                    for name in SPACING_CLASS.findall(attribute):
                        if name not in defined:
                            missing.append(f"{template.relative_to(ROOT)}:{number}: .{name}")
    assert not missing, "spacing classes used but defined in no style sheet:\n  " + "\n  ".join(missing)
