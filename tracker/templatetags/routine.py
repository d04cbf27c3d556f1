"""The routine's checklist for a day, for templates/tracker/routine/_today.html (included by
the dashboard, whose view stays as it is)."""

from datetime import timedelta

from django import template

from tracker import services
from tracker.services import routine as routine_services

register = template.Library()


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False)


def _of_day(read, user, day) -> list:
    """``read(owner=user, day=day)``, or nothing without a signed-in person or a day."""
    if not _signed_in(user) or day is None:
        return []
    return read(owner=user, day=day)


@register.simple_tag
def routine_today(user, day):
    return _of_day(routine_services.checklist, user, day)


@register.simple_tag
def routine_adherence(user, start=None, end=None, last_days=None):
    """Planned vs taken doses over [start, end] (or the last ``last_days`` days), up to today:
    a day not reached yet has nothing to adhere to."""
    if not _signed_in(user):
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
def routine_report(user, start, end):
    """The routine part of the doctor's report: the planned doses (each with any medicine
    spacing it falls inside), adherence over [start, end], and the listed medicines' notes."""
    from tracker.models import Medicine, RoutineDose

    if not _signed_in(user):
        return None
    doses = list(
        RoutineDose.objects.filter(owner=user)
        .exclude(end_date__lt=start)
        .select_related("product")
        .order_by("time", "id")
    )
    medicines = list(Medicine.objects.filter(owner=user).order_by("time", "id"))
    if not doses and not medicines:
        return None
    plan = [
        {
            "dose": dose,
            "mg": routine_services.dose_mg(dose),
            "notes": routine_services.medicine_notes(magnesium_at=dose.time, medicines=medicines),
        }
        for dose in doses
    ]
    return {
        "plan": plan,
        "adherence": routine_services.adherence(owner=user, start=start, end=end),
        "medicines": medicines,
        "medicine_notes": routine_services.medicine_notes(magnesium_at=None, medicines=medicines),
    }
