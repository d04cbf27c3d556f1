"""``{% checkin_rows day as rows %}``: the dashboard's check-in card loads its own rows, so
that the dashboard needs only one include line (templates/tracker/insight/_checkin.html)."""

from datetime import date, timedelta

from django import template

from tracker.insight_selectors import checkin_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def checkin_rows_for(context, day):
    return checkin_rows(context["request"].user, day)


@register.filter
def add_days(day: date, days: int) -> date:
    return day + timedelta(days=int(days))
