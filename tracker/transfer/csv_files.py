"""Reading the entries and symptoms CSV files, naming each problem by its line."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal

from tracker.limits import MAX_ENTRY_MG, MAX_GRAMS, MAX_SERVINGS
from tracker.models import EntryKind, SupplementProduct
from tracker.transfer.formats import (
    ENTRY_COLUMNS,
    MAX_IMPORT_ROWS,
    SYMPTOM_COLUMNS,
    restore,
    rows_message,
)
from tracker.transfer.importer import (
    EntryRow,
    Importer,
)
from tracker.transfer.plan import ImportPlan
from tracker.transfer.values import (
    Errors,
    RowError,
    read_choice,
    read_day,
    read_decimal,
    read_text,
    read_time,
    short,
)

ENTRY_REQUIRED = {"date", "kind", "item", "quantity", "unit", "elemental_mg"}
SYMPTOM_REQUIRED = {"date", "symptom", "severity"}
SERVING_UNITS = {u.value for u in SupplementProduct.ServingUnit}
GRAM_UNITS = {"g", "gram", "grams"}
SERVING_WORDS = {"serving", "servings"}
# "serving (28.35 g)": the export names a food serving's weight so a new food can be rebuilt.
SERVING_WITH_WEIGHT = re.compile(r"servings? \(\s*(\S+)\s*g\s*\)")


def records(
    text: str, columns: tuple[str, ...], required: set[str], plan: ImportPlan
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of each record. A record's line is where it starts in the file, so a
    note with line breaks inside quotes does not shift the numbers of the rows after it."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [restore(c).strip().casefold() for c in next(reader)]
    except (StopIteration, csv.Error) as error:
        plan.add(1, f"the first line cannot be read ({error})")
        return
    unknown = [c for c in header if c not in columns]
    missing = [c for c in columns if c in required and c not in header]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if unknown or missing or repeated:
        details = []
        if missing:
            details.append("missing " + ", ".join(missing))
        if unknown:
            details.append("unknown " + ", ".join(f"“{short(c)}”" for c in unknown))
        if repeated:
            details.append("repeated " + ", ".join(repeated))
        plan.add(1, f"the columns should be {','.join(columns)} ({'; '.join(details)})")
        return
    next_line = reader.line_num + 1
    count = 0
    while True:
        line = next_line
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            plan.add(line, f"the row cannot be read as CSV ({error}); nothing after it was read")
            return
        next_line = reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue  # blank lines are not rows
        if len(cells) != len(header):
            plan.add(line, f"expected {len(header)} values, found {len(cells)}")
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            plan.add(None, rows_message())
            return
        row = {column: restore(cell) for column, cell in zip(header, cells, strict=True)}
        for column in columns:
            row.setdefault(column, "")
        yield line, row


def _unit(text: str, kind: str) -> tuple[str, Decimal | None]:
    """(unit, a food serving's weight in g or None) of a row's unit column."""
    unit = " ".join(text.split()).casefold()
    if kind != EntryKind.FOOD:
        if unit in SERVING_UNITS or unit in SERVING_WORDS:
            return unit, None
        raise RowError(
            f"unit “{short(text)}” for a {kind} must be one of: " + ", ".join(sorted(SERVING_UNITS))
        )
    if unit in GRAM_UNITS:
        return "g", None
    if unit in SERVING_WORDS:
        return "serving", None
    weight = SERVING_WITH_WEIGHT.fullmatch(unit)
    if weight:
        grams = read_decimal(weight[1], "the serving's weight", maximum=MAX_GRAMS, places=2)
        return "serving", grams
    raise RowError(f"unit “{short(text)}” for a food must be g, serving or “serving (N g)”")


def entry_row(importer: Importer, line: int, row: dict[str, str]) -> EntryRow | None:
    errors = Errors()
    day = errors.take(read_day, row["date"], importer.today)
    at = errors.take(read_time, row["time"])
    kind = errors.take(read_choice, row["kind"], EntryKind.choices, "kind")
    item = errors.take(read_text, row["item"].strip(), "item", 200, required=True)
    unit_and_weight = errors.take(_unit, row["unit"], kind) if kind else None
    unit, serving_grams = unit_and_weight or (None, None)
    by_grams = unit == "g"
    quantity = errors.take(
        read_decimal,
        row["quantity"],
        "quantity",
        maximum=MAX_GRAMS if by_grams else MAX_SERVINGS,
        # As the app stores them: grams of a food eaten by servings, and a supplement's
        # servings when a serving does not divide evenly (1 tablet of 3), have more places.
        places=5 if by_grams else 10,
    )
    given_mg = None
    # The exact figure when the file has it (this app's export), else the rounded one.
    mg_column = "elemental_mg_exact" if row["elemental_mg_exact"].strip() else "elemental_mg"
    if row[mg_column].strip():
        given_mg = errors.take(
            read_decimal,
            row[mg_column],
            mg_column,
            maximum=MAX_ENTRY_MG,
            places=10,
            allow_zero=True,
            round_extra=True,
        )
    note = errors.take(read_text, row["note"], "note", 500)
    if errors or None in (day, kind, item, unit, quantity, note):
        importer.plan.add(line, "; ".join(errors) or "the row cannot be read")
        return None
    return EntryRow(
        line=line,
        day=day,
        at=at,
        kind=kind,
        item=item,
        quantity=quantity,
        unit=unit,
        given_mg=given_mg,
        note=note,
        form_name=row["form"],
        serving_grams=serving_grams,
    )


def read_entries(importer: Importer, text: str) -> None:
    rows = []
    for line, row in records(text, ENTRY_COLUMNS, ENTRY_REQUIRED, importer.plan):
        parsed = entry_row(importer, line, row)
        if parsed is not None:
            rows.append(parsed)
    importer.add_rows(rows)


def read_symptoms(importer: Importer, text: str) -> None:
    for line, row in records(text, SYMPTOM_COLUMNS, SYMPTOM_REQUIRED, importer.plan):
        importer.symptom_row(line, row)
