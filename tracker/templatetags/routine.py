"""The routine's checklist for a day, for templates/tracker/routine/_today.html (included by
the dashboard, whose view stays as it is)."""

from datetime import timedelta

from django import template

from tracker import services
from tracker.services import routine as routine_services

register = template.Library()


@register.simple_tag
def routine_today(user, day):
    if not getattr(user, "is_authenticated", False) or day is None:
        return []
    return routine_services.checklist(owner=user, day=day)


@register.simple_tag
def routine_adherence(user, start=None, end=None, last_days=None):
    """Planned vs taken doses over [start, end] (or the last ``last_days`` days), up to today:
    a day not reached yet has nothing to adhere to."""
    if not getattr(user, "is_authenticated", False):
        return None
    today = services.person_today(user)
    if last_days:
        start, end = today - timedelta(days=int(last_days) - 1), today
    if not start or not end:  # an include that passed neither
        return None
    end = min(end, today)
    if end < start:
        return None
    return routine_services.adherence(owner=user, start=start, end=end)


@register.simple_tag
def routine_logged_notes(user, day):
    """Spacing flags for the magnesium logged on ``day`` at a time inside a medicine's window."""
    if not getattr(user, "is_authenticated", False) or day is None:
        return []
    return routine_services.logged_notes(owner=user, day=day)
