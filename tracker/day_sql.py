"""One day's reads in SQL: its sums, its entries and its symptoms.

Why SQL here and the ORM everywhere else: these three reads run on every view of the
dashboard and the day page (the first view after each log renders the day afresh) and in
every write's flag check, before and after. Through the ORM, compiling the three querysets
and building their model objects cost 5.4 ms of CPU per page (0.9 symptoms, 1.9 sums, 2.7
entries); as written SQL the same reads cost 0.4 ms (measured in-process on the benchmark's
data). The dashboard's first view after a change is what the daily screen's speed target
measures.

The statements are plain SQL that SQLite and PostgreSQL both run. The values come back as
the ORM would return them (``_decimal``); tests/tracker/test_day_sql.py compares every
figure with the ORM's reads on both databases.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from django.db import connection

from tracker.models import (
    SUPPLEMENTAL_KINDS,
    EntryKind,
    IntakeEntry,
    SymptomEntry,
    product_title,
    unit_words,
)

# SQLite keeps a DECIMAL column as a float, of which 15 significant digits are data; Django
# reads it back the same way (sqlite3 operations.get_decimalfield_converter).
_SQLITE_DIGITS = decimal.Context(prec=15)
_SUPPLEMENTAL = ", ".join(f"'{kind}'" for kind in SUPPLEMENTAL_KINDS)
_KIND_WORDS = {kind.value: kind.label.lower() for kind in EntryKind}
_SYMPTOM_NAMES = dict(SymptomEntry.Symptom.choices)
_PLACES = {
    name: IntakeEntry._meta.get_field(name).decimal_places
    for name in ("dose_quantity", "servings", "grams", "elemental_mg")
}


def _decimal(value, places: int | None = None) -> Decimal | None:
    """A DECIMAL column or sum as the ORM returns it: PostgreSQL gives a Decimal; SQLite a
    float (or an int), of which 15 significant digits count, to the column's ``places``."""
    if value is None or isinstance(value, Decimal):
        return value
    exact = _SQLITE_DIGITS.create_decimal_from_float(value)
    return exact if places is None else exact.quantize(Decimal(1).scaleb(-places))


def _rows(sql: str, params: tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Sums ----------------------------------------------------------------------------------

# The same figures as series.SUMS (one day of them): supplements and medications together,
# food apart, and the counts. An entry's kind is one of the model's choices: not user text.
SUMS_SQL = f"""
    SELECT COALESCE(SUM(CASE WHEN kind IN ({_SUPPLEMENTAL}) THEN elemental_mg END), 0),
           COALESCE(SUM(CASE WHEN kind = '{EntryKind.FOOD.value}' THEN elemental_mg END), 0),
           COUNT(*),
           COUNT(CASE WHEN kind IN ({_SUPPLEMENTAL}) THEN 1 END)
      FROM "tracker_intakeentry"
     WHERE owner_id = %s AND day = %s
"""  # noqa: S608 (constants of this module, never input)


def day_sums(owner_id: int, day: date) -> dict:
    """The day's sums and counts as ``series.DaySums.from_row`` reads them: one query."""
    ((supplemental, food, entries, supplement_entries),) = _rows(SUMS_SQL, (owner_id, day))
    return {
        "supplemental": _decimal(supplemental),
        "food": _decimal(food),
        "entries": entries,
        "supplement_entries": supplement_entries,
    }


# --- Entries -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayEntry:
    """An entry as the day's list shows it, with its product's or food's name."""

    pk: int
    time: time | None
    kind: str
    product_id: int | None
    name: str  # "Glycinate (Brand)" or "Almonds": IntakeEntry.item_name
    dose_quantity: Decimal | None
    dose_unit: str
    servings: Decimal | None
    grams: Decimal | None
    serving_desc: str  # the food's serving ("1 oz"); empty for a supplement
    elemental_mg: Decimal
    note: str

    @property
    def kind_words(self) -> str:
        return _KIND_WORDS.get(self.kind, self.kind)

    @property
    def dose_words(self) -> str:
        """IntakeEntry.dose_words: "2 tablets", "4 g", "1 serving"."""
        if self.dose_quantity is None:
            return ""
        return unit_words(self.dose_quantity, self.dose_unit)


ENTRIES_SQL = """
    SELECT e.id, e.time, e.kind, e.product_id, p.name, p.brand, f.name,
           e.dose_quantity, e.dose_unit, e.servings, e.grams, f.serving_desc,
           e.elemental_mg, e.note
      FROM "tracker_intakeentry" e
      LEFT JOIN "tracker_supplementproduct" p ON p.id = e.product_id
      LEFT JOIN "tracker_food" f ON f.id = e.food_id
     WHERE e.owner_id = %s AND e.day = %s
     ORDER BY e.time, e.id
"""


def day_entries(owner_id: int, day: date) -> list[DayEntry]:
    """The day's entries in the order the day page lists them (by time, then as logged)."""
    entries = []
    for row in _rows(ENTRIES_SQL, (owner_id, day)):
        pk, at, kind, product_id, product, brand, food, *figures, elemental_mg, note = row
        dose_quantity, dose_unit, servings, grams, serving_desc = figures
        entries.append(
            DayEntry(
                pk=pk,
                time=at,
                kind=kind,
                product_id=product_id,
                name=product_title(product, brand) if product_id else (food or ""),
                dose_quantity=_decimal(dose_quantity, _PLACES["dose_quantity"]),
                dose_unit=dose_unit,
                servings=_decimal(servings, _PLACES["servings"]),
                grams=_decimal(grams, _PLACES["grams"]),
                serving_desc=serving_desc or "",
                elemental_mg=_decimal(elemental_mg, _PLACES["elemental_mg"]),
                note=note,
            )
        )
    return entries


# --- Symptoms ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DaySymptom:
    pk: int
    symptom: str  # the code: "diarrhea"
    severity: int
    note: str

    @property
    def name(self) -> str:
        """ "Diarrhea": SymptomEntry.get_symptom_display."""
        return _SYMPTOM_NAMES.get(self.symptom, self.symptom)


SYMPTOMS_SQL = """
    SELECT id, symptom, severity, note FROM "tracker_symptomentry"
     WHERE owner_id = %s AND day = %s
     ORDER BY id
"""


def day_symptoms(owner_id: int, day: date) -> list[DaySymptom]:
    return [DaySymptom(*row) for row in _rows(SYMPTOMS_SQL, (owner_id, day))]
