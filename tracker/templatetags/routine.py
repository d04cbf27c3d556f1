"""The routine's checklist for a day, for templates/tracker/routine/_today.html (included by
the dashboard, whose view stays as it is)."""

from django import template

from tracker import routine_services

register = template.Library()


@register.simple_tag
def routine_today(user, day):
    if not getattr(user, "is_authenticated", False) or day is None:
        return []
    return routine_services.checklist(owner=user, day=day)
