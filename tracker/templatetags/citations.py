"""``{% citation "nih_ods" as nih %}``: a citation by its key, for templates that name a
source without a view handing it over (the footer, the reference pages' introductions)."""

from django import template

from tracker.citations import Citation, cite

register = template.Library()


@register.simple_tag
def citation(key: str) -> Citation:
    return cite(key)
