"""The week page (stacked bars per day) and the history page (30/90 days and a month calendar).

Both draw with Chart.js from the page's ``json_script`` payload (static/js/*_chart.js) and
show the same numbers in a table, which is what screen readers and browsers without
JavaScript get. All numbers come from ``tracker.series`` (database aggregates by day).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker import intake, limits, page_cache, series
from tracker.citations import Citation
from tracker.models import IntakeEntry
from tracker.series import DayStatus, DayTotals
from tracker.views.daily_helpers import day_path, parse_day

YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Pages outside these years are refused: the DRI tables start at birth years after 1900,
# and the last week of year 9999 would run past what Python's date can hold.
LAST_DAY = date(2999, 12, 31)


def _mg(value: Decimal | None) -> float | None:
    """Chart numbers: one decimal place, as every page shows them."""
    return None if value is None else float(intake.quantize_mg(value))


def _parse_day(text: str) -> date:
    return parse_day(text, earliest=limits.EARLIEST_DAY, latest=LAST_DAY)


def _day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def week_chart_data(days: list[DayTotals]) -> dict:
    """The payload static/js/week_chart.js draws; the page's table shows the same numbers."""
    return {
        "labels": [_day_label(d.day) + (" ⚠" if d.flagged else "") for d in days],
        "days": [d.day.isoformat() for d in days],
        "supplemental": [_mg(d.supplemental_mg) for d in days],
        "food": [_mg(d.food_mg) for d in days],
        "total": [_mg(d.total_mg) for d in days],
        "target": [_mg(d.target.mg) if d.target else None for d in days],
        "ul": [_mg(d.ul.mg) for d in days],
        "flagged": [d.flagged for d in days],
        "flags": [[f.title for f in d.flags] for d in days],
    }


def history_chart_data(days: list[series.HistoryDay]) -> dict:
    return {
        "labels": [f"{h.totals.day.day} {h.totals.day:%b}" for h in days],
        "days": [h.totals.day.isoformat() for h in days],
        "total": [_mg(h.totals.total_mg) for h in days],
        "moving_average": [_mg(h.moving_average_mg) for h in days],
        "target": [_mg(h.totals.target.mg) if h.totals.target else None for h in days],
        "flagged": [h.totals.flagged for h in days],
    }


def _rules_shown(days: list[DayTotals]) -> tuple[list, list]:
    """The distinct targets and ULs in a range (a birthday can change them mid-week)."""
    targets = list(dict.fromkeys(d.target for d in days if d.target))
    uls = list(dict.fromkeys(d.ul for d in days if d.ul.mg is not None))
    return targets, uls


def _flag_sources(days: list[DayTotals]) -> list[tuple[str, Citation, str]]:
    """Each flag shown on the page once: its title, its citation and the article's words."""
    return list(dict.fromkeys((f.title, f.source, f.quote) for d in days for f in d.flags))


@login_required
@require_GET
@page_cache.cached_page
def week(request: HttpRequest, day: str | None = None) -> HttpResponse:
    today = timezone.localdate()
    on = _parse_day(day) if day is not None else today
    monday, sunday = series.week_bounds(on)
    days = series.day_series(request.user, monday, sunday)
    summary = series.week_summary(days)
    targets, uls = _rules_shown(days)
    previous_monday = monday - timedelta(days=7)
    next_monday = monday + timedelta(days=7)
    rows = [
        {"totals": d, "url": day_path(d.day), "status": d.status(today), "is_today": d.day == today}
        for d in days
    ]
    flag_sources = _flag_sources(days)
    return render(
        request,
        "tracker/charts/week.html",
        {
            "monday": monday,
            "sunday": sunday,
            "rows": rows,
            "summary": summary,
            "targets": targets,
            "uls": uls,
            "flag_sources": flag_sources,
            "chart_data": week_chart_data(days),
            "previous_url": (
                reverse("week", args=[previous_monday.isoformat()])
                if previous_monday >= limits.EARLIEST_DAY
                else None
            ),
            "next_url": (
                reverse("week", args=[next_monday.isoformat()]) if next_monday <= LAST_DAY else None
            ),
            "this_week_url": reverse("week") if not monday <= today <= sunday else None,
        },
    )


def _history_days(request: HttpRequest) -> int:
    try:
        value = int(request.GET.get("days", ""))
    except ValueError:
        return series.HISTORY_CHOICES[0]
    return value if value in series.HISTORY_CHOICES else series.HISTORY_CHOICES[0]


def _history_month(request: HttpRequest, today: date) -> tuple[int, int]:
    match = YEAR_MONTH.fullmatch(request.GET.get("month", ""))
    if match:
        year, month = int(match[1]), int(match[2])
        if limits.EARLIEST_DAY.year <= year <= LAST_DAY.year and 1 <= month <= 12:
            return year, month
    return today.year, today.month


def _month_link(days: int, year: int, month: int) -> str | None:
    if not limits.EARLIEST_DAY.year <= year <= LAST_DAY.year:
        return None
    return f"{reverse('history')}?days={days}&month={year:04d}-{month:02d}#calendar"


def _first_entry_day(user) -> date | None:
    """The day of the person's first entry (one query on the (owner, day) index)."""
    first = IntakeEntry.objects.filter(owner=user).order_by("day").values_list("day", flat=True)[:1]
    return first[0] if first else None


def from_first_entry(
    history_days: list[series.HistoryDay], first: date | None
) -> list[series.HistoryDay]:
    """History begins at the first entry: the days before it are not zeros, they are before
    the person started. Its first averages are over the days since then (the first day's
    average is that day's total), not over zeros that were never logged."""
    if first is None or not history_days or first <= history_days[0].totals.day:
        return history_days
    kept = [h for h in history_days if h.totals.day >= first]
    out = []
    for i, h in enumerate(kept):
        if i >= series.MOVING_AVERAGE_DAYS - 1:
            out.append(h)  # a full window of days since the first entry: unchanged
            continue
        window = kept[: i + 1]
        average = sum((d.totals.total_mg for d in window), Decimal(0)) / len(window)
        out.append(series.HistoryDay(h.totals, intake.quantize_mg(average)))
    return out


@login_required
@require_GET
@page_cache.cached_page(params=("days", "month"))
def history(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = _history_days(request)
    year, month = _history_month(request, today)
    history_days = from_first_entry(
        series.history_series(request.user, today, days), _first_entry_day(request.user)
    )
    totals = [h.totals for h in history_days]
    targets, uls = _rules_shown(totals)
    flag_sources = _flag_sources(totals)
    cal = series.month_calendar(request.user, year, month, today)
    previous_month = (year - 1, 12) if month == 1 else (year, month - 1)
    next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    month_param = f"{year:04d}-{month:02d}"
    return render(
        request,
        "tracker/charts/history.html",
        {
            "days": days,
            "choices": [
                {
                    "days": n,
                    "url": f"{reverse('history')}?days={n}&month={month_param}",
                    "active": n == days,
                }
                for n in series.HISTORY_CHOICES
            ],
            "rows": [{"h": h, "url": day_path(h.totals.day)} for h in history_days],
            "logged_days": sum(1 for t in totals if t.logged),
            "shown_days": len(history_days),
            "since": history_days[0].totals.day
            if history_days and len(history_days) < days
            else None,
            "targets": targets,
            "uls": uls,
            "flag_sources": flag_sources,
            "chart_data": history_chart_data(history_days),
            "calendar": cal,
            "calendar_rows": [
                [{"cell": c, "url": day_path(c.day) if c.in_month else None} for c in week_cells]
                for week_cells in cal.weeks
            ],
            "statuses": [
                (key, DayStatus.LABELS[key])
                for key in (DayStatus.MET, DayStatus.BELOW, DayStatus.FLAGGED, DayStatus.EMPTY)
            ],
            "previous_month_url": _month_link(days, *previous_month),
            "next_month_url": _month_link(days, *next_month),
            "moving_average_days": series.MOVING_AVERAGE_DAYS,
        },
    )


urlpatterns = [
    path("week/", week, name="week"),
    path("week/<str:day>/", week, name="week"),
    path("history/", history, name="history"),
]
