"""What the API reads and writes (pydantic, through django-ninja), and the row -> schema maps.

Figures leave as strings, never floats: ``*_mg`` rounded once for display with
tracker.intake.quantize_mg (half up, one decimal), ``*_mg_exact`` the exact value that sums
and thresholds use.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import field_validator

from tracker import intake, limits
from tracker.models import IntakeEntry, SupplementProduct, SymptomEntry
from tracker.text import control_character

MAX_PAGE = 200
MAX_OFFSET = 1_000_000

Amount = Annotated[
    Decimal, Field(gt=0, le=100_000, allow_inf_nan=False, max_digits=14, decimal_places=6)
]
Note = Annotated[str, Field(max_length=500)]
SymptomCode = Literal[tuple(SymptomEntry.Symptom.values)]  # type: ignore[valid-type]


def mg(value: Decimal | None) -> str | None:
    return None if value is None else f"{intake.quantize_mg(value)}"


def exact(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


# --- Errors ------------------------------------------------------------------------------


class Message(Schema):
    detail: str


class Problem(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


# --- Input -------------------------------------------------------------------------------


def _plain_note(value: str) -> str:
    bad = control_character(value)
    if bad:
        raise ValueError(f"the note holds a control character ({bad})")
    return value.strip()


class _Written(Schema):
    day: dt.date
    time: dt.time | None = None
    note: Note = ""

    _note = field_validator("note")(_plain_note)

    @field_validator("time")
    @classmethod
    def _local_time(cls, value: dt.time | None) -> dt.time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("give the local clock time, without a time zone")
        return value


class SupplementIn(_Written):
    product_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    servings: Amount | None = None
    quantity: Amount | None = None
    unit: Annotated[str, Field(max_length=10)] = intake.SERVING
    confirm_large: bool = False


class FoodIn(_Written):
    food_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    grams: Amount | None = None
    servings: Amount | None = None


class SymptomIn(Schema):
    day: dt.date
    symptom: SymptomCode
    severity: Annotated[int, Field(ge=1, le=5)]
    note: Note = ""

    _note = field_validator("note")(_plain_note)


# A range's ends: the days entries can be on (tracker.limits), so that a week around them
# stays within what a date can hold (0001-01-02 minus six days cannot be computed).
RangeDay = Annotated[dt.date, Field(ge=limits.EARLIEST_DAY, le=dt.date(2999, 12, 31))]


class RangePage(Schema):
    start: RangeDay | None = None
    end: RangeDay | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 50
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0

    def bounds(self, today: dt.date) -> tuple[dt.date, dt.date]:
        end = self.end or (today if self.start is None else self.start + timedelta(days=6))
        start = self.start or end - timedelta(days=6)
        return start, end


# --- Output ------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    name: str
    brand: str
    kind: str
    form: str
    serving: str
    elemental_mg_per_serving: str
    elemental_mg_per_serving_exact: str
    is_archived: bool


def product_out(product: SupplementProduct) -> ProductOut:
    return ProductOut(
        id=product.pk,
        name=product.name,
        brand=product.brand,
        kind=product.kind,
        form=str(product.form),
        serving=product.serving_words,
        elemental_mg_per_serving=mg(product.elemental_mg_per_serving),
        elemental_mg_per_serving_exact=exact(product.elemental_mg_per_serving),
        is_archived=product.is_archived,
    )


class FlagOut(Schema):
    code: str
    severity: str
    title: str
    message: str
    source_title: str
    source_url: str


def flag_out(flag: intake.Flag) -> FlagOut:
    return FlagOut(
        code=str(flag.code),
        severity=flag.severity.name.lower(),
        title=flag.title,
        message=flag.message,
        source_title=flag.source.title,
        source_url=flag.source.url,
    )


class EntryOut(Schema):
    id: int
    day: dt.date
    time: dt.time | None
    kind: str
    product_id: int | None
    food_id: int | None
    name: str
    dose: str
    servings: str | None
    grams: str | None
    elemental_mg: str
    elemental_mg_exact: str
    note: str
    new_flags: list[FlagOut] = []


def entry_out(entry: IntakeEntry, flags: list[intake.Flag] = ()) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        day=entry.day,
        time=entry.time,
        kind=entry.kind,
        product_id=entry.product_id,
        food_id=entry.food_id,
        name=entry.item_name,
        dose=entry.dose_words,
        servings=exact(entry.servings),
        grams=exact(entry.grams),
        elemental_mg=mg(entry.elemental_mg),
        elemental_mg_exact=exact(entry.elemental_mg),
        note=entry.note,
        new_flags=[flag_out(f) for f in flags],
    )


class SymptomOut(Schema):
    id: int
    day: dt.date
    symptom: str
    label: str
    severity: int
    note: str


def symptom_out(symptom: SymptomEntry) -> SymptomOut:
    return SymptomOut(
        id=symptom.pk,
        day=symptom.day,
        symptom=symptom.symptom,
        label=symptom.get_symptom_display(),
        severity=symptom.severity,
        note=symptom.note,
    )


class _Page(Schema):
    count: int
    limit: int
    offset: int
    next_offset: int | None


class EntryPage(_Page):
    items: list[EntryOut]


class SymptomPage(_Page):
    items: list[SymptomOut]


def page(kind, items: list, total: int, filters: RangePage):
    following = filters.offset + len(items)
    return kind(
        count=total,
        limit=filters.limit,
        offset=filters.offset,
        next_offset=following if following < total else None,
        items=items,
    )


class _DayFigures(Schema):
    """What a day's row and a week's day rows both show."""

    day: dt.date
    total_mg: str
    total_mg_exact: str
    supplemental_mg: str
    supplemental_mg_exact: str
    food_mg: str
    food_mg_exact: str
    entries: int
    target_mg: str | None


def _day_figures(day: dt.date, totals, target) -> dict:
    """``_DayFigures``' values from anything with the day's ``*_mg`` totals and ``entries``."""
    return {
        "day": day,
        "total_mg": mg(totals.total_mg),
        "total_mg_exact": exact(totals.total_mg),
        "supplemental_mg": mg(totals.supplemental_mg),
        "supplemental_mg_exact": exact(totals.supplemental_mg),
        "food_mg": mg(totals.food_mg),
        "food_mg_exact": exact(totals.food_mg),
        "entries": totals.entries,
        "target_mg": mg(target.mg) if target else None,
    }


class DayOut(_DayFigures):
    target_rule: str | None
    upper_limit_mg: str | None
    upper_limit_rule: str
    percent_of_target: int
    flags: list[FlagOut]


def day_out(overview) -> DayOut:
    target, ul = overview.target, overview.ul
    return DayOut(
        **_day_figures(overview.day, overview.totals, target),
        target_rule=target.rule if target else None,
        upper_limit_mg=mg(ul.mg),
        upper_limit_rule=ul.rule,
        percent_of_target=overview.percent_of_target,
        flags=[flag_out(f) for f in overview.flags],
    )


class SeriesDayOut(_DayFigures):
    meets_target: bool
    over_upper_limit: bool
    flags: list[str]


def series_day_out(d) -> SeriesDayOut:
    return SeriesDayOut(
        **_day_figures(d.day, d, d.target),
        meets_target=d.meets_target,
        over_upper_limit=d.over_ul,
        flags=[str(code) for code in d.flag_codes],
    )


class WeekOut(Schema):
    start: dt.date
    end: dt.date
    days: list[SeriesDayOut]
