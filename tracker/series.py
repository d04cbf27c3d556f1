"""The one per-day read model: a day's sums from the database, then the pure rules.

``DaySums`` is what one aggregate gives for a day (supplemental and food milligrams, counts);
``DayTotals`` adds what the rules make of it: the target, the upper limit and the day's flags
(tracker.intake), and the symptoms they read. The dashboard, the day page, the week and the
history all build their days here, so a figure or a flag cannot differ between pages.

One range costs two queries whatever its length or the number of entries in it: the entries
grouped by day (``values('day').annotate(Sum(...))``) and the range's symptoms. Days with
nothing logged are filled in as zero rows, so every caller gets one row per calendar day.
Sums are settled to their exact value (tracker.intake.settled_mg) before anything compares
or shows them.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from tracker import day_sql, intake
from tracker.intake import Flag, FlagCode, Target, UpperLimit
from tracker.limits import ZERO
from tracker.models import SUPPLEMENTAL_KINDS, EntryKind, IntakeEntry, SymptomEntry

MOVING_AVERAGE_DAYS = 7
HISTORY_CHOICES = (30, 90)

# Shown on days before the person's date of birth, where no DRI row applies.
NO_LIMIT_BEFORE_BIRTH = UpperLimit(
    None, "no reference value before your date of birth", intake.UL_SOURCE
)

MG_SUM_FIELD = DecimalField(max_digits=24, decimal_places=10)
"""A sum of stored entries keeps their places; ``intake.settled_mg`` settles it."""


def _mg_sum(condition: Q) -> Coalesce:
    return Coalesce(Sum("elemental_mg", filter=condition), Value(ZERO), output_field=MG_SUM_FIELD)


SUMS = {
    "supplemental": _mg_sum(Q(kind__in=SUPPLEMENTAL_KINDS)),
    "food": _mg_sum(Q(kind=EntryKind.FOOD)),
    "entries": Count("id"),
    "supplement_entries": Count("id", filter=Q(kind__in=SUPPLEMENTAL_KINDS)),
}
"""The aggregates of a day, for ``aggregate()`` (one day) and ``values('day').annotate()``."""


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
class DaySums:
    """One local day's magnesium, split as the UL needs it: food never counts towards it."""

    day: date
    supplemental_mg: Decimal
    food_mg: Decimal
    entries: int
    supplement_entries: int

    @classmethod
    def from_row(cls, day: date, row: dict) -> DaySums:
        return cls(
            day=day,
            supplemental_mg=intake.settled_mg(row.get("supplemental") or ZERO),
            food_mg=intake.settled_mg(row.get("food") or ZERO),
            entries=row.get("entries", 0),
            supplement_entries=row.get("supplement_entries", 0),
        )

    @property
    def total_mg(self) -> Decimal:
        return self.supplemental_mg + self.food_mg

    @property
    def logged(self) -> bool:
        return self.entries > 0

    @property
    def has_supplements(self) -> bool:
        return self.supplement_entries > 0


@dataclass(frozen=True)
class DayTotals(DaySums):
    """A day's sums with the target, the upper limit and the flags the rules give them."""

    symptoms: frozenset[str] = frozenset()
    target: Target | None = None
    ul: UpperLimit = NO_LIMIT_BEFORE_BIRTH
    flags: tuple[Flag, ...] = ()

    @property
    def meets_target(self) -> bool:
        return self.target is not None and self.logged and self.total_mg >= self.target.mg

    @property
    def below_target_by(self) -> Decimal | None:
        if self.target is None or self.total_mg >= self.target.mg:
            return None
        return self.target.mg - self.total_mg

    @property
    def flag_codes(self) -> list[FlagCode]:
        return [f.code for f in self.flags]

    @property
    def over_ul(self) -> bool:
        return FlagCode.ABOVE_UL in self.flag_codes

    @property
    def side_effect_symptoms(self) -> list[str]:
        return sorted(intake.SIDE_EFFECT_SYMPTOMS & self.symptoms)

    @property
    def has_side_effects(self) -> bool:
        """A side-effect symptom was logged (with or without supplements). Whether it is a
        warning is the flag's business: see ``flag_codes`` (FlagCode.SIDE_EFFECTS)."""
        return bool(self.side_effect_symptoms)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

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


def limits_on(person, on: date) -> tuple[Target | None, UpperLimit]:
    """The person's target and upper limit on a day.

    A day before the person was born (an entry that predates a birth date corrected later,
    or someone browsing back to 1950) has no DRI row: no target and no limit, not an error.
    """
    try:
        return intake.target_for(person, on), intake.ul_for(person, on)
    except ValueError:
        return None, NO_LIMIT_BEFORE_BIRTH


def summarise(person, sums: DaySums, symptoms: Iterable[str]) -> DayTotals:
    """What the rules make of a day's sums (no query)."""
    target, ul = limits_on(person, sums.day)
    codes = frozenset(symptoms)
    flags = intake.flags_for_person(
        person,
        on=sums.day,
        supplemental_mg=sums.supplemental_mg,
        ul=ul,
        has_supplements=sums.has_supplements,
        symptoms=codes,
    )
    return DayTotals(
        day=sums.day,
        supplemental_mg=sums.supplemental_mg,
        food_mg=sums.food_mg,
        entries=sums.entries,
        supplement_entries=sums.supplement_entries,
        symptoms=codes,
        target=target,
        ul=ul,
        flags=tuple(flags),
    )


def day_sums(person, day: date) -> DaySums:
    """One day's sums and counts, in ONE aggregate query (SUMS for one day, as SQL written
    once: tracker.day_sql says why)."""
    return DaySums.from_row(day, day_sql.day_sums(person.pk, day))


def day_series(person, start: date, end: date) -> list[DayTotals]:
    """One row per day from start to end (inclusive) for ``person``, zero rows included."""
    if end < start:
        return []
    in_range = {"owner": person, "day__range": (start, end)}
    rows = {
        row["day"]: row
        for row in IntakeEntry.objects.filter(**in_range)
        .values("day")
        .annotate(**SUMS)
        .order_by("day")
    }
    symptoms: dict[date, set[str]] = defaultdict(set)
    for day, symptom in (
        SymptomEntry.objects.filter(**in_range).values_list("day", "symptom").distinct()
    ):
        symptoms[day].add(symptom)
    return [
        summarise(person, DaySums.from_row(day, rows.get(day, {})), symptoms.get(day, ()))
        for day in days_between(start, end)
    ]


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
        # The flag, not the symptom alone: a side effect counts on a day with supplements.
        days_with_side_effects=sum(1 for d in days if FlagCode.SIDE_EFFECTS in d.flag_codes),
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
