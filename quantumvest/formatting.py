"""How numbers read, everywhere: money, quantities, percentages and ratios (pure functions).

One set of rules for pages, e-mails and notification texts, so that a figure reads the same on
every page: thousands separated by commas, a real minus sign (U+2212, never a hyphen), a plus sign
only where a change is meant ("signed" variants), no exponent ever (20, not 2E+1), "—" for a value
that is not known, and percentages of fractions with the sign "%" written straight after the
number. The template filters of the same names (``quantumvest.templatetags.numbers``) are builtins.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext

MINUS = "\u2212"
MISSING = "\u2014"


def _decimal(value) -> Decimal | None:
    """``value`` as a finite Decimal (floats through their shortest repr), or None."""
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _signed(text: str, number: Decimal, *, plus: bool) -> str:
    """``text`` (the digits of abs(number)) with its sign; zero after rounding has none."""
    if set(text) <= set("0.,%"):
        return text
    if number < 0:
        return MINUS + text
    return "+" + text if plus else text


def _fixed(value, places: int, *, plus: bool = False, scale: int = 1, suffix: str = "") -> str:
    number = _decimal(value)
    if number is None:
        return MISSING
    number *= scale
    text = f"{abs(number):,.{int(places)}f}{suffix}"
    return _signed(text, number, plus=plus)


def money(value, places: int = 2) -> str:
    """13872.07 → "13,872.07"; −315.04 → "−315.04"."""
    return _fixed(value, places)


def signed_money(value, places: int = 2) -> str:
    """A change of money: "+1,234.50", "−315.04", "0.00"."""
    return _fixed(value, places, plus=True)


def number(value, places: int = 2) -> str:
    """A plain figure (a ratio, a score, an error): "1.96", "−0.47", "12,345.00"."""
    return _fixed(value, places)


def signed_number(value, places: int = 2) -> str:
    return _fixed(value, places, plus=True)


def integer(value) -> str:
    """A count: "12,345"."""
    return _fixed(value, 0)


def percent(value, places: int = 2) -> str:
    """A fraction as a percentage: 0.1234 → "12.34%", 16.1842 → "1,618.42%", −0.3952 → "−39.52%"."""
    return _fixed(value, places, scale=100, suffix="%")


def signed_percent(value, places: int = 2) -> str:
    """A change as a percentage: 0.2368 → "+23.68%", −0.0047 → "−0.47%"."""
    return _fixed(value, places, plus=True, scale=100, suffix="%")


def quantity(value, max_places: int = 8) -> str:
    """A quantity as exact as it is stored, without trailing zeros or exponents: 20, 0.75, 1,234.5."""
    number = _decimal(value)
    if number is None:
        return MISSING
    with localcontext() as exact:
        exact.prec = 200  # token amounts in base units run past the default 28 digits: never round them
        if number.as_tuple().exponent < -int(max_places):
            number = number.quantize(Decimal(1).scaleb(-int(max_places)))
        number = number.normalize()
        text = f"{abs(number):,f}"
    return _signed(text, number, plus=False)
