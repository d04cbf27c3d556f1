"""Cronometer's "Servings" export, read into the import's planned entries (nothing is
written here but in ``apply``).

The file is a CSV with ``Day`` (YYYY-MM-DD), an optional ``Time`` ("07:30 PM"; blank on free
accounts), an optional ``Group`` ("Breakfast"), ``Food Name``, ``Amount`` (number and unit in
one cell: "150.00 g", "1.00 serving", "0.50 cup"), many nutrient columns of which we read
``Magnesium (mg)`` (a blank cell is 0), and ``Category``. Older exports have no Time and no
Group.

Each row becomes a food entry with the row's own magnesium, exactly, as one of the person's
own foods: named by the Food Name with magnesium per 100 g worked out when the amount is a
weight, else "<name> (per <unit>)" holding the magnesium of one unit. A row whose name the
person maps to one of their products (the preview offers a select per name that looks like a
supplement) becomes a dose of that product instead: the Amount in servings when it is in
servings, else one serving, at the product's own figure.

Every row has a fingerprint (its day, time, name, amount, magnesium and how many identical
rows came before it in the file); rows imported before are skipped, so importing the same
file, or a later export that repeats earlier days, adds nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from accounts.models import User
from tracker import intake, services
from tracker.imported_rows import ImportedRow, seen_keys
from tracker.limits import MAX_ENTRY_MG, MAX_GRAMS, MAX_MG_PER_100G, MAX_SERVINGS
from tracker.models import EntryKind, Food, SupplementProduct
from tracker.text import control_character
from tracker.transfer.formats import MAX_IMPORT_ROWS, plain_number, rows_message
from tracker.transfer.plan import ImportPlan, ImportResult, PlannedEntry, apply_plan
from tracker.transfer.reading import _check_day_caps
from tracker.transfer.values import Errors, RowError, read_day, short

SOURCE = "cronometer"
KIND = "cronometer"
DAY, TIME, GROUP, NAME, AMOUNT, MAGNESIUM, CATEGORY = (
    "Day",
    "Time",
    "Group",
    "Food Name",
    "Amount",
    "Magnesium (mg)",
    "Category",
)
REQUIRED = (DAY, NAME, AMOUNT, MAGNESIUM)

UNKNOWN_SERVING_GRAMS = Decimal("100")
CENTS = Decimal("0.01")
MAX_NAME = 200
NAME_SUFFIX_ROOM = 30  # " (per tablespoon)" must still fit in a food's name

# Weights become grams; a volume in millilitres is counted in units of 100 ml.
GRAMS_PER = {
    "g": Decimal("1"),
    "gram": Decimal("1"),
    "grams": Decimal("1"),
    "kg": Decimal("1000"),
    "mg": Decimal("0.001"),
    "oz": Decimal("28.349523125"),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
}
ML = ("ml", "milliliter", "millilitre", "milliliters", "millilitres")
ML_UNIT = Decimal("100")
SERVING_WORDS = ("serving", "servings")

AMOUNT_CELL = re.compile(r"\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s+(.*?)\s*")
CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?")
UNIT_WORD = re.compile(r"[^\W\d_].{0,59}")


def looks_like_cronometer(text: str) -> bool:
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return False
    return set(REQUIRED) <= {cell.strip() for cell in header}


@dataclass(frozen=True)
class ServingRow:
    line: int
    day: date
    at: time | None
    group: str
    name: str
    amount: Decimal
    unit: str  # "g" (any weight, converted), "100 ml", "serving", or the file's own word
    mg: Decimal
    category: str
    key: str

    @property
    def is_weight(self) -> bool:
        return self.unit == "g"

    @property
    def food_name(self) -> str:
        if self.is_weight:
            return self.name
        return f"{self.name} (per {self.unit})"

    @property
    def servings_if_mapped(self) -> Decimal:
        return self.amount if self.unit == "serving" else Decimal(1)


@dataclass(frozen=True)
class NameChoice:
    """One distinct Food Name the person may count as one of their products."""

    field: str
    name: str
    rows: int
    suggested: int | None  # a product's pk


@dataclass
class CronometerPlan:
    plan: ImportPlan
    keys: list[str] = field(default_factory=list)  # the fingerprints of plan.entries' rows
    already_imported: int = 0
    choices: list[NameChoice] = field(default_factory=list)
    products: list[SupplementProduct] = field(default_factory=list)
    mapping: dict[str, int] = field(default_factory=dict)  # field -> product pk
    rows_read: int = 0

    @property
    def nothing_new(self) -> bool:
        return self.plan.ok and not self.plan.entries and self.already_imported > 0


# --- Reading cells ---------------------------------------------------------------------------


def read_clock(text: str) -> time | None:
    """ "07:30 PM", "7:30am", "19:30", "19:30:05"; blank is None."""
    text = text.strip()
    if not text:
        return None
    match = CLOCK.fullmatch(text)
    if not match:
        raise RowError(f"Time “{short(text)}” is not a time such as 07:30 PM or 19:30")
    hour, minute = int(match[1]), int(match[2])
    second = int(match[3] or 0)
    meridiem = (match[4] or "").replace(".", "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            raise RowError(f"Time “{text}”: a 12-hour clock runs from 1 to 12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise RowError(f"Time “{text}” is not a real time of day")
    return time(hour, minute, second)


def read_amount(text: str) -> tuple[Decimal, str]:
    """(quantity, unit) in the app's terms: grams for any weight, "100 ml" units for a
    volume in ml, else the file's own unit word ("serving", "cup")."""
    match = AMOUNT_CELL.fullmatch(text)
    if not match or not match[2]:
        raise RowError(f"Amount “{short(text)}” is not a number and a unit such as 150.00 g")
    number = Decimal(match[1].replace(",", ""))
    unit = match[2].casefold()
    if not UNIT_WORD.fullmatch(unit) or control_character(unit):
        raise RowError(f"Amount “{short(text)}”: “{short(unit)}” is not a unit")
    if number <= 0:
        raise RowError(f"Amount “{short(text)}” is zero")
    if unit in GRAMS_PER:
        grams = number * GRAMS_PER[unit]
        if grams > MAX_GRAMS:
            raise RowError(
                f"Amount “{short(text)}” is more than {plain_number(MAX_GRAMS)} g in one entry"
            )
        return grams, "g"
    if unit in ML:
        quantity = number / ML_UNIT
        unit = "100 ml"
    else:
        quantity = number
        unit = "serving" if unit in SERVING_WORDS else unit
    if quantity > MAX_SERVINGS:
        raise RowError(f"Amount “{short(text)}” is more than {MAX_SERVINGS} {unit}s")
    return quantity, unit


def read_magnesium(text: str) -> Decimal:
    text = text.strip()
    if not text:
        return Decimal(0)  # Cronometer leaves a nutrient it has no figure for blank
    try:
        number = Decimal(text.replace(",", ""))
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite():
        raise RowError(f"Magnesium (mg) “{short(text)}” is not a number")
    if number < 0:
        raise RowError(f"Magnesium (mg) {short(text)} is negative")
    if number > MAX_ENTRY_MG:
        raise RowError(
            f"Magnesium (mg) {short(text)} is more than {plain_number(MAX_ENTRY_MG)}: surely a "
            "typing error"
        )
    return number


def read_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise RowError("Food Name is empty")
    bad = control_character(text.replace("\n", " ").replace("\r", " "))
    if bad:
        raise RowError(f"Food Name holds a control character ({bad})")
    if len(name) > MAX_NAME - NAME_SUFFIX_ROOM:
        raise RowError(
            f"Food Name is {len(name)} characters long; at most {MAX_NAME - NAME_SUFFIX_ROOM} fit"
        )
    return name


def fingerprint(day: date, at: time | None, name: str, amount: str, mg: Decimal, n: int) -> str:
    parts = [day.isoformat(), at.isoformat() if at else "", name.casefold(), amount, str(mg), n]
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def read_rows(text: str, *, owner: User, today: date, plan: ImportPlan) -> list[ServingRow]:
    """Every good row of the file; each bad one is a problem on ``plan`` naming its line."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [(cell or "").strip() for cell in (reader.fieldnames or [])]
    except csv.Error as error:
        plan.add(1, f"the first line cannot be read as CSV ({error})")
        return []
    reader.fieldnames = header
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        plan.add(
            1,
            "this is not a Cronometer Servings export: the first line lacks "
            + ", ".join(f"“{c}”" for c in missing),
        )
        return []
    rows: list[ServingRow] = []
    occurrences: Counter = Counter()
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            plan.add(reader.line_num, f"the line cannot be read as CSV ({error})")
            break
        line = reader.line_num
        if not any((value or "").strip() for value in record.values() if isinstance(value, str)):
            continue  # a blank line
        if len(rows) + len(plan.problems) >= MAX_IMPORT_ROWS:
            plan.add(None, rows_message())
            break
        if None in record:
            plan.add(line, "the row has more cells than the first line has columns")
            continue
        cells = {key: (value or "") for key, value in record.items()}
        errors = Errors()
        take = errors.take
        day = take(read_day, cells[DAY], today, DAY)
        if day is not None:
            problems = services.day_errors(user=owner, day=day)
            if problems:
                errors.append(f"{DAY} {day.isoformat()}: " + " ".join(problems))
                day = None
        at = take(read_clock, cells.get(TIME, ""))
        name = take(read_name, cells[NAME])
        amount = take(read_amount, cells[AMOUNT])
        mg = take(read_magnesium, cells[MAGNESIUM])
        group = " ".join(cells.get(GROUP, "").split())[:60]
        category = " ".join(cells.get(CATEGORY, "").split())[:60]
        if control_character(group + category):
            errors.append("Group or Category holds a control character")
        if errors:
            for error in errors:
                plan.add(line, error)
            continue
        quantity, unit = amount
        identity = (day, at, name.casefold(), cells[AMOUNT].strip(), mg)
        occurrences[identity] += 1
        key = fingerprint(day, at, name, cells[AMOUNT].strip(), mg, occurrences[identity])
        rows.append(ServingRow(line, day, at, group, name, quantity, unit, mg, category, key))
    return rows


# --- Planning ----------------------------------------------------------------------------------


def _mappable(name: str, category: str, products: list[SupplementProduct]) -> bool:
    folded = name.casefold()
    if "supplement" in category.casefold() or "magnesium" in folded:
        return True
    return any(_matches(folded, p) for p in products)


def _matches(folded: str, product: SupplementProduct) -> bool:
    own = product.name.casefold()
    if own == folded:
        return True
    return (len(own) >= 4 and own in folded) or (len(folded) >= 4 and folded in own)


def _suggest(name: str, products: list[SupplementProduct]) -> int | None:
    folded = name.casefold()
    exact = [p for p in products if p.name.casefold() == folded]
    if exact:
        return exact[0].pk
    near = [p for p in products if _matches(folded, p)]
    return near[0].pk if len(near) == 1 else None


def choice_field(index: int) -> str:
    return f"map-{index}"


def plan_import(
    text: str,
    owner: User,
    *,
    today: date,
    mapping: dict[str, int] | None = None,
) -> CronometerPlan:
    """The plan for a Cronometer file. ``mapping`` (choice field -> product pk, from the
    preview's selects) counts those names as doses of the products; None takes the
    suggestions (a product of the same name)."""
    plan = ImportPlan(KIND)
    result = CronometerPlan(plan)
    rows = read_rows(text, owner=owner, today=today, plan=plan)
    result.rows_read = len(rows)
    seen = seen_keys(owner=owner, source=SOURCE, keys=[r.key for r in rows])
    fresh = [r for r in rows if r.key not in seen]
    result.already_imported = len(rows) - len(fresh)

    products = list(
        SupplementProduct.objects.filter(owner=owner, is_archived=False)
        .select_related("form")
        .order_by("name", "id")
    )
    result.products = products
    by_pk = {p.pk: p for p in products}
    names: dict[str, tuple[str, str, int]] = {}
    for row in fresh:
        folded = row.name.casefold()
        first = names.get(folded, (row.name, row.category, 0))
        names[folded] = (first[0], first[1], first[2] + 1)
    index_of: dict[str, str] = {}
    if products:
        for index, folded in enumerate(sorted(names)):
            name, category, count = names[folded]
            if _mappable(name, category, products):
                field_name = choice_field(index)
                index_of[folded] = field_name
                result.choices.append(NameChoice(field_name, name, count, _suggest(name, products)))
    if mapping is None:
        mapping = {c.field: c.suggested for c in result.choices if c.suggested}
    result.mapping = {k: v for k, v in mapping.items() if v in by_pk and k in index_of.values()}

    foods = {
        f.name.casefold(): f for f in Food.objects.filter(owner=owner).order_by("pk")
    }  # the person's own foods: one per name
    new_foods: dict[str, Food] = {}
    for row in fresh:
        product = by_pk.get(result.mapping.get(index_of.get(row.name.casefold(), ""), 0))
        try:
            planned = (
                _dose(row, product, owner)
                if product
                else _food_entry(row, owner, foods, new_foods, plan, today)
            )
        except RowError as error:
            plan.add(row.line, str(error))
            continue
        plan.entries.append(planned)
        result.keys.append(row.key)
    _check_day_caps(plan, owner)
    if plan.ok and not rows:
        plan.add(None, "the file has no rows to import")
    plan.sort()
    return result


def _planned(row: ServingRow, owner: User, **entry: object) -> PlannedEntry:
    """The row's entry: its line, day and time, a note naming Cronometer (and the row's
    group), and what ``entry`` gives."""
    note = "From Cronometer" + (f", {row.group}" if row.group else "")
    return PlannedEntry(line=row.line, owner=owner, day=row.day, time=row.at, note=note, **entry)


def _dose(row: ServingRow, product: SupplementProduct, owner: User) -> PlannedEntry:
    servings = row.servings_if_mapped
    mg = intake.stored_mg(
        intake.elemental_from_servings(product.elemental_mg_per_serving, servings)
    )
    if mg > MAX_ENTRY_MG:
        raise RowError(f"{plain_number(servings)} servings of {product.name} is too much")
    return _planned(
        row,
        owner,
        kind=product.kind,
        item=product,
        item_is_new=False,
        servings=servings,
        grams=None,
        elemental_mg=mg,
        quantity=plain_number(servings),
        unit=product.serving_unit,
    )


def _food_entry(
    row: ServingRow,
    owner: User,
    foods: dict[str, Food],
    new_foods: dict[str, Food],
    plan: ImportPlan,
    today: date,
) -> PlannedEntry:
    name = row.food_name
    food = foods.get(name.casefold()) or new_foods.get(name.casefold())
    is_new = False
    if food is None:
        # Per 100 g from a weight; otherwise the magnesium of one unit, as a "serving" of
        # unknown weight (recorded as 100 g, which keeps the arithmetic right).
        per_100g = (row.mg * (100 if row.is_weight else 1) / row.amount).quantize(
            CENTS, rounding=ROUND_HALF_UP
        )
        if per_100g > MAX_MG_PER_100G:
            raise RowError(
                f"{plain_number(row.mg)} mg in {plain_number(row.amount)} {row.unit} is more "
                "magnesium than any food holds; if it is a supplement, count it as one of "
                "your products"
            )
        food = Food(
            owner=owner,
            name=name,
            category=Food.Category.OTHER,
            mg_per_100g=per_100g,
            serving_desc="100 g" if row.is_weight else f"1 {row.unit}",
            serving_grams=UNKNOWN_SERVING_GRAMS,
            source=f"Imported from Cronometer on {today.isoformat()}",
            notes="Created by a Cronometer import; magnesium worked out from its rows."
            + ("" if row.is_weight else f" The weight of one {row.unit} was not given."),
        )
        new_foods[name.casefold()] = food
        plan.new_foods.append(food)
        is_new = True
    return _planned(
        row,
        owner,
        kind=EntryKind.FOOD,
        item=food,
        item_is_new=is_new or food.pk is None,
        servings=None if row.is_weight else row.amount,
        grams=row.amount if row.is_weight else None,
        # The row's own figure, exactly: the day's total is Cronometer's total.
        elemental_mg=intake.stored_mg(row.mg),
        quantity=plain_number(row.amount),
        unit="g" if row.is_weight else row.unit,
    )


def apply(result: CronometerPlan, owner: User) -> ImportResult:
    """Write the plan and remember its rows, all or nothing (IntegrityError when another
    import of the same rows got there first)."""
    with transaction.atomic():
        written = apply_plan(result.plan, owner)
        ImportedRow.objects.bulk_create(
            [ImportedRow(owner=owner, source=SOURCE, key=key) for key in result.keys],
            batch_size=1000,
        )
    return written
