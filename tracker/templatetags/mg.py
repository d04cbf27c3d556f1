"""``{% load mg %}{{ value|mg }}``: the one way a page writes milligrams.

One decimal, rounded once and half up (tracker.intake.quantize_mg), a non-breaking space, then
"mg": "0.0 mg", "318.0 mg", "1200.5 mg" never switches to "0 mg" or "200" on another page.
``|mg_number`` is the same figure without the unit (chart axes, aria values, table cells
whose header says "mg"). Plain string work, not floatformat: these run once per entry on the
most viewed pages.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from tracker.intake import quantize_mg

register = template.Library()

NBSP = "\u00a0"


def mg_text(value) -> str:
    """The figure as text ("318.0"), or "" for None and anything that is not a number."""
    if value is None or value == "":
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if not number.is_finite():
        return ""
    rounded = quantize_mg(number)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0.0"
    return f"{rounded:.1f}"


@register.filter(is_safe=True)
def mg(value) -> str:
    """318 -> "318.0 mg" (with a non-breaking space); None -> ""."""
    text = mg_text(value)
    return f"{text}{NBSP}mg" if text else ""


@register.filter(is_safe=True)
def mg_number(value) -> str:
    """318 -> "318.0"; None -> ""."""
    return mg_text(value)
