"""Per-day series for the week and history pages: database aggregates, then the pure rules.

One range costs two queries whatever its length or the number of entries in it: the entries
grouped by day (``values('day').annotate(Sum(...))``) and the range's symptoms. Days with
nothing logged are filled in as zero rows here, so every caller gets one row per calendar day.
The target, the UL and the flags of each day come from ``tracker.intake``, the same rules the
day page uses.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from tracker import intake
from tracker.intake import Flag, FlagCode, Target, UpperLimit
from tracker.models import SUPPLEMENTAL_KINDS, EntryKind, IntakeEntry, SymptomEntry

ZERO = Decimal("0")
MOVING_AVERAGE_DAYS = 7
HISTORY_CHOICES = (30, 90)

# Shown on days before the person's date of birth, where no DRI row applies.
NO_LIMIT_BEFORE_BIRTH = UpperLimit(
    None, "no reference value before your date of birth", intake.UL_SOURCE
)


class DayStatus:
    """How a day reads on the calendar; each has its own words, never colour alone."""

    FLAGGED = "flagged"
    MET = "met"
    BELOW = "below"
    EMPTY = "empty"
    FUTURE = "future"

    LABELS = {
        FLAGGED: "Flagged",
        MET: "Target met",
        BELOW: "Below target",
        EMPTY: "Nothing logged",
        FUTURE: "Not yet",
    }


@dataclass(frozen=True)
class DayTotals:
    day: date
    food_mg: Decimal
    supplemental_mg: Decimal
    entries: int
    supplement_entries: int
    symptoms: frozenset[str]
    target: Target | None
    ul: UpperLimit
    flags: tuple[Flag, ...]

    @property
    def total_mg(self) -> Decimal:
        return self.food_mg + self.supplemental_mg

    @property
    def logged(self) -> bool:
        return self.entries > 0

    @property
    def meets_target(self) -> bool:
        return self.target is not None and self.logged and self.total_mg >= self.target.mg

    @property
    def below_target_by(self) -> Decimal | None:
        if self.target is None or self.total_mg >= self.target.mg:
            return None
        return self.target.mg - self.total_mg

    @property
    def over_ul(self) -> bool:
        return self.ul.mg is not None and self.supplemental_mg > self.ul.mg

    @property
    def side_effect_symptoms(self) -> list[str]:
        return sorted(intake.SIDE_EFFECT_SYMPTOMS & self.symptoms)

    @property
    def has_side_effects(self) -> bool:
        return bool(self.side_effect_symptoms)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def flag_codes(self) -> list[FlagCode]:
        return [f.code for f in self.flags]

    def status(self, today: date) -> str:
        if self.flagged:
            return DayStatus.FLAGGED
        if self.day > today and not self.logged:
            return DayStatus.FUTURE
        if not self.logged:
            return DayStatus.EMPTY
        return DayStatus.MET if self.meets_target else DayStatus.BELOW


def days_between(start: date, end: date) -> Iterator[date]:
    """Every calendar day from start to end, both included."""
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def _limits(person, on: date) -> tuple[Target | None, UpperLimit]:
    try:
        return intake.target_for(person, on), intake.ul_for(person, on)
    except ValueError:
        # A day before the person was born (someone browsing back to 1950): the DRI tables
        # have no row for it, so the page shows no target instead of failing.
        return None, NO_LIMIT_BEFORE_BIRTH


def day_series(person, start: date, end: date) -> list[DayTotals]:
    """One row per day from start to end (inclusive) for ``person``, zero rows included."""
    if end < start:
        return []
    in_range = {"owner": person, "day__range": (start, end)}
    rows = {
        row["day"]: row
        for row in IntakeEntry.objects.filter(**in_range)
        .values("day")
        .annotate(
            supplemental=Sum("elemental_mg", filter=Q(kind__in=SUPPLEMENTAL_KINDS)),
            food=Sum("elemental_mg", filter=Q(kind=EntryKind.FOOD)),
            entries=Count("id"),
            supplement_entries=Count("id", filter=Q(kind__in=SUPPLEMENTAL_KINDS)),
        )
        .order_by("day")
    }
    symptoms: dict[date, set[str]] = defaultdict(set)
    for day, symptom in (
        SymptomEntry.objects.filter(**in_range).values_list("day", "symptom").distinct()
    ):
        symptoms[day].add(symptom)

    series = []
    for day in days_between(start, end):
        row = rows.get(day, {})
        supplemental = intake.settled_mg(row.get("supplemental") or ZERO)
        supplement_entries = row.get("supplement_entries", 0)
        target, ul = _limits(person, day)
        day_symptoms = frozenset(symptoms.get(day, ()))
        flags = intake.flags_for_person(
            person,
            on=day,
            supplemental_mg=supplemental,
            ul=ul,
            has_supplements=supplement_entries > 0,
            symptoms=day_symptoms,
        )
        series.append(
            DayTotals(
                day=day,
                food_mg=intake.settled_mg(row.get("food") or ZERO),
                supplemental_mg=supplemental,
                entries=row.get("entries", 0),
                supplement_entries=supplement_entries,
                symptoms=day_symptoms,
                target=target,
                ul=ul,
                flags=tuple(flags),
            )
        )
    return series


# --- Weeks ---------------------------------------------------------------------------------


def week_bounds(on: date) -> tuple[date, date]:
    """The Monday and the Sunday of the ISO week that holds ``on``."""
    monday = on - timedelta(days=on.weekday())
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True)
class WeekSummary:
    days: list[DayTotals]
    logged_days: int
    mean_total_mg: Decimal | None  # over the days with something logged; None if none
    days_at_target: int
    days_over_ul: int
    days_with_side_effects: int
    days_flagged: int


def week_summary(days: Sequence[DayTotals]) -> WeekSummary:
    """The week's averages. The mean leaves out days with nothing logged: an unlogged day is
    unknown, not a day on which the person took no magnesium."""
    logged = [d for d in days if d.logged]
    mean = (
        intake.quantize_mg(sum((d.total_mg for d in logged), ZERO) / len(logged))
        if logged
        else None
    )
    return WeekSummary(
        days=list(days),
        logged_days=len(logged),
        mean_total_mg=mean,
        days_at_target=sum(1 for d in days if d.meets_target),
        days_over_ul=sum(1 for d in days if d.over_ul),
        days_with_side_effects=sum(1 for d in days if d.has_side_effects),
        days_flagged=sum(1 for d in days if d.flagged),
    )


# --- History -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryDay:
    totals: DayTotals
    moving_average_mg: Decimal


def history_series(person, end: date, days: int) -> list[HistoryDay]:
    """The last ``days`` days up to ``end`` with the trailing 7-day moving average of the total.

    The window reaches back before the first shown day (one query still), so the first
    average is over seven real days. Days with nothing logged count as 0 mg in the average,
    the same as the chart's bars.
    """
    start = end - timedelta(days=days - 1)
    lead = MOVING_AVERAGE_DAYS - 1
    series = day_series(person, start - timedelta(days=lead), end)
    out = []
    for i in range(lead, len(series)):
        window = series[i - lead : i + 1]
        average = sum((d.total_mg for d in window), ZERO) / MOVING_AVERAGE_DAYS
        out.append(HistoryDay(series[i], intake.quantize_mg(average)))
    return out


@dataclass(frozen=True)
class CalendarCell:
    day: date
    in_month: bool
    totals: DayTotals | None  # None for the neighbouring months' days
    status: str = ""
    label: str = ""


@dataclass(frozen=True)
class MonthCalendar:
    year: int
    month: int
    weeks: list[list[CalendarCell]] = field(default_factory=list)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)


def month_calendar(person, year: int, month: int, today: date) -> MonthCalendar:
    """Monday-first weeks of the month, each day with its status (one range, two queries)."""
    weeks_of_dates = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(year, month)
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    by_day = {d.day: d for d in day_series(person, first, last)}
    weeks = []
    for week in weeks_of_dates:
        cells = []
        for day in week:
            totals = by_day.get(day) if day.month == month else None
            if totals is None:
                cells.append(CalendarCell(day, False, None))
                continue
            status = totals.status(today)
            cells.append(CalendarCell(day, True, totals, status, DayStatus.LABELS[status]))
        weeks.append(cells)
    return MonthCalendar(year, month, weeks)
