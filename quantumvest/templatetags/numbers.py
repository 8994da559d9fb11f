"""The number filters of every template (builtins: no ``{% load %}``); see ``quantumvest.formatting``."""

from __future__ import annotations

from django import template

from quantumvest import formatting

register = template.Library()

for _name in (
    "money",
    "signed_money",
    "number",
    "signed_number",
    "integer",
    "percent",
    "signed_percent",
    "quantity",
):
    register.filter(_name, getattr(formatting, _name), is_safe=True)
