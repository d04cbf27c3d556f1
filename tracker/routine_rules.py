"""Pure rules of the routine: when a planned dose falls, how long a bottle lasts, quiet hours,
what a routine adds up to per day, and the spacing windows between magnesium and other
medicines (tracker/data/interactions.csv). No ORM: everything here is tested with plain values.
"""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
ALL_WEEKDAYS = "0123456"
"""Monday is 0, as ``date.weekday()`` counts."""
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_REFILL_DAYS = 7
"""A refill notice goes out when the routine's supply lasts this many days or fewer."""
MINUTES_PER_DAY = 24 * 60
EU_MIN_INTAKES = 2
"""BfR 2017: supplemental magnesium above 250 mg a day is better split into at least two
intakes (cited as bfr_2017)."""


# --- When a dose falls -----------------------------------------------------------------------


def zone_for(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def planned_instant(day: dt.date, at: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The moment (UTC) a dose planned for ``at`` local time on ``day`` falls due.

    A local time skipped by a spring-forward change (02:30 in Berlin on the last Sunday of
    March) falls due one hour later on the wall clock (03:30), the moment the clock would have
    shown it; a time that happens twice in autumn falls due at its first occurrence (fold=0),
    and only once, since a reminder is kept per dose and day.
    """
    local = dt.datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    return local.astimezone(dt.UTC)


def is_planned_on(day: dt.date, *, weekdays: str, start: dt.date, end: dt.date | None) -> bool:
    if day < start or (end is not None and day > end):
        return False
    return str(day.weekday()) in weekdays


def weekday_words(weekdays: str) -> str:
    if sorted(weekdays) == list(ALL_WEEKDAYS):
        return "daily"
    return ", ".join(WEEKDAY_NAMES[int(d)] for d in sorted(set(weekdays)))


def in_quiet_hours(at: dt.time, start: dt.time | None, end: dt.time | None) -> bool:
    """Whether a local time lies in quiet hours [start, end), which may wrap past midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def after_quiet_hours(
    moment: dt.datetime, zone: zoneinfo.ZoneInfo, start: dt.time | None, end: dt.time | None
) -> dt.datetime:
    """The moment a notification due at ``moment`` may be sent: at once, or when quiet hours
    end (the next local ``end`` after it)."""
    local = moment.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return moment
    assert end is not None  # in_quiet_hours is False without both ends
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return planned_instant(day, end, zone)


# --- Supply ----------------------------------------------------------------------------------


def days_left(on_hand: Decimal, per_day: Decimal) -> Decimal | None:
    """How many days the units on hand last at the routine's use per day (None: no use)."""
    if per_day <= 0:
        return None
    return max(on_hand, Decimal(0)) / per_day


def refill_due(on_hand: Decimal, per_day: Decimal, threshold_days: int) -> bool:
    """True when the supply lasts ``threshold_days`` or fewer (2 capsules a day, 14 left, 7)."""
    left = days_left(on_hand, per_day)
    return left is not None and left <= threshold_days


def average_per_day(doses: list[tuple[Decimal, str]]) -> Decimal:
    """Units used per day on average over a week, from (units per dose, weekdays) pairs."""
    weekly = sum((units * len(set(days)) for units, days in doses), Decimal(0))
    return weekly / 7


# --- A routine's daily supplemental total ----------------------------------------------------


@dataclass(frozen=True)
class PlannedMg:
    elemental_mg: Decimal
    weekdays: str


def busiest_day(doses: list[PlannedMg]) -> tuple[Decimal, int]:
    """The largest planned supplemental total on any weekday, and how many intakes make it."""
    best, count = Decimal(0), 0
    for weekday in ALL_WEEKDAYS:
        todays = [d for d in doses if weekday in d.weekdays]
        total = sum((d.elemental_mg for d in todays), Decimal(0))
        if total > best:
            best, count = total, len(todays)
    return best, count


# --- Medicine timing -------------------------------------------------------------------------


@dataclass(frozen=True)
class MedicineRule:
    group: str
    examples: str
    rule: str  # "separate" or "inform"
    hours_before: int | None  # take the medicine at least this long before magnesium
    hours_after: int | None  # ... or at least this long after it
    citation_key: str
    note: str

    @property
    def has_timing(self) -> bool:
        return self.rule == "separate"


@cache
def medicine_rules() -> dict[str, MedicineRule]:
    with open(DATA_DIR / "interactions.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rules = {}
    for row in rows:
        before = row["take_other_at_least_hours_before_mg"]
        after = row["take_other_at_least_hours_after_mg"]
        rules[row["medicine_group"]] = MedicineRule(
            group=row["medicine_group"],
            examples=row["examples"],
            rule=row["rule"],
            hours_before=int(before) if before else None,
            hours_after=int(after) if after else None,
            citation_key=row["citation_key"],
            note=row["note"],
        )
    return rules


def _minutes(at: dt.time) -> int:
    return at.hour * 60 + at.minute


def inside_window(*, magnesium_at: dt.time, medicine_at: dt.time, rule: MedicineRule) -> bool:
    """Whether a magnesium dose at ``magnesium_at`` falls inside the medicine's spacing window.

    The medicine is fine at least ``hours_before`` before the magnesium, or at least
    ``hours_after`` after it: exactly 2 h before is fine, 1 h 59 min is inside. Both are daily
    times, so 23:30 and 00:30 are one hour apart.
    """
    if not rule.has_timing:
        return False
    before = (rule.hours_before or 0) * 60
    after = (rule.hours_after or 0) * 60
    delta = _minutes(medicine_at) - _minutes(magnesium_at)  # > 0: medicine after magnesium
    return any(
        -before < d < after for d in (delta, delta - MINUTES_PER_DAY, delta + MINUTES_PER_DAY)
    )


def spacing_words(rule: MedicineRule) -> str:
    return (
        f"take {rule.group} at least {rule.hours_before} hours before or "
        f"{rule.hours_after} hours after magnesium"
    )
