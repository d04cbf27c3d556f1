"""Reading the whole-account JSON file: profile, products, own foods, entries, symptoms,
followed symptoms and daily check-ins (the last two optional: older exports lack them).

Products and own foods in the file are matched against the account or created from their
records; entries point at them by their ids in the file. Every value is checked as in the
CSV files, and each problem names the record (and its line, for a file laid out as the
export writes it).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError

from accounts.models import User
from tracker import intake
from tracker.limits import MAX_ENTRY_MG, MAX_GRAMS, MAX_MG_PER_100G, MAX_SERVINGS
from tracker.models import EntryKind, Food, SupplementKind, SupplementProduct
from tracker.services import label_problems
from tracker.transfer.formats import (
    ACCOUNT_FORMAT,
    ACCOUNT_VERSION,
    MAX_IMPORT_ROWS,
    PROFILE_FIELDS,
    plain_number,
    rows_message,
)
from tracker.transfer.importer import (
    PRODUCT_MG_RANGE,
    EntryRow,
    Importer,
)
from tracker.transfer.values import (
    RowError,
    agrees,
    as_text,
    read_choice,
    read_day,
    read_decimal,
    read_text,
    read_time,
    short,
)

T = TypeVar("T")


def _optional_decimal(record: dict, column: str, **bounds) -> Decimal | None:
    """The record's ``column`` read by read_decimal with ``bounds`` (its maximum, places...),
    or None when the record leaves it out."""
    if record.get(column) in (None, ""):
        return None
    return read_decimal(record.get(column), column, **bounds)


SECTIONS = ("products", "foods", "entries", "symptoms", "followed", "checkins")


class _Lines:
    """Line numbers of records in an account file laid out as the export writes it.

    json.loads gives no positions, but the export puts each record on a line of its own. A
    record's line is only reported when that line really holds that record, so a file
    edited by hand gets its problems named by record number rather than by a wrong line.
    """

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.starts: dict[str, int] = {}
        for number, content in enumerate(self.lines):
            for section in SECTIONS:
                if content.strip().startswith(f'"{section}": ['):
                    self.starts.setdefault(section, number)

    def line_of(self, section: str, index: int, record: object) -> int | None:
        start = self.starts.get(section)
        if start is None or start + 1 + index >= len(self.lines):
            return None
        content = self.lines[start + 1 + index].strip().removesuffix(",")
        try:
            return start + 2 + index if json.loads(content) == record else None
        except (ValueError, RecursionError):
            return None


def _id(value: object) -> int | None:
    return None if isinstance(value, bool) or not isinstance(value, int) else value


def read_account(importer: Importer, text: str) -> None:
    plan = importer.plan
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        plan.add(error.lineno, f"the file is not valid JSON ({error.msg})")
        return
    except (ValueError, RecursionError):
        plan.add(None, "the file is not valid JSON, or is nested too deeply to be an account")
        return
    bad = unusable_text(data)
    if bad:
        plan.add(None, bad)
        return
    if not isinstance(data, dict) or data.get("format") != ACCOUNT_FORMAT:
        plan.add(None, "this JSON file is not an account file exported by this app")
        return
    if data.get("version") != ACCOUNT_VERSION:
        plan.add(
            None,
            f"account file version {short(repr(data.get('version')))} is not one this app reads",
        )
        return
    rows = sum(len(data.get(s)) for s in SECTIONS if isinstance(data.get(s), list))
    if rows > MAX_IMPORT_ROWS:
        plan.add(None, rows_message())
        return
    lines = _Lines(text)

    def records(section: str) -> Iterator[tuple[int | None, str, dict]]:
        items = data.get(section, [])
        if not isinstance(items, list):
            plan.add(None, f"“{section}” should be a list")
            return
        for index, record in enumerate(items):
            where = f"{section} #{index + 1}"
            line = lines.line_of(section, index, record)
            if isinstance(record, dict):
                yield line, where, record
            else:
                plan.add(line, "not a record", where)

    _profile(importer, data.get("profile"))

    def by_id(section: str, read: Callable[[Importer, dict], T]) -> dict[int, T]:
        """The section's records read by ``read``, by the id the file gives each."""
        found: dict[int, T] = {}
        for line, where, record in records(section):
            try:
                key = _id(record.get("id"))
                if key is None:
                    raise RowError("id is missing or not a whole number")
                found[key] = read(importer, record)
            except RowError as error:
                plan.add(line, str(error), where)
        return found

    products: dict[int, SupplementProduct] = by_id("products", _product)
    foods: dict[int, Food] = by_id("foods", _food)
    reference_rows = []
    for line, where, record in records("entries"):
        try:
            row, item = _entry(importer, line, where, record, products, foods)
            if item is None:
                reference_rows.append(row)
            else:
                importer.add_entry(row, item)
        except RowError as error:
            plan.add(line, str(error), where)
    importer.add_rows(reference_rows)
    for line, where, record in records("symptoms"):
        importer.symptom_row(line, record, where)
    for line, where, record in records("followed"):
        importer.followed_row(line, record, where)
    for line, where, record in records("checkins"):
        importer.checkin_row(line, record, where)
    importer.mark_existing_checkins()


def unusable_text(data: object) -> str | None:
    """Why the decoded JSON's text cannot be stored, or None.

    JSON escapes can spell what a UTF-8 file cannot hold: ``\\u0000`` (PostgreSQL refuses
    NUL in text, the forms refuse it too) and unpaired surrogates such as ``\\ud800``
    (no database or page can encode them). Checked before anything is read, so no message
    ever quotes such text back."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "the file contains a NUL character (\\u0000); nothing can be imported"
            if _SURROGATE.search(value):
                return (
                    "the file contains an unpaired surrogate escape (such as \\ud800), which is "
                    "not text; nothing can be imported"
                )
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _profile(importer: Importer, profile: object) -> None:
    if profile is None:
        return
    if not isinstance(profile, dict):
        importer.plan.add(None, "should be a record", "profile")
        return
    values = {}
    for name in PROFILE_FIELDS:
        if name not in profile:
            continue
        raw = profile[name]
        field = User._meta.get_field(name)
        is_flag = name.startswith(("has_", "email_"))
        if is_flag and not isinstance(raw, bool):
            importer.plan.add(None, f"{name} should be true or false", "profile")
            continue
        if not is_flag and raw is not None and not isinstance(raw, str):
            importer.plan.add(None, f"{name} should be text", "profile")
            continue
        if raw is None and not field.null:
            raw = ""
        try:
            values[name] = field.clean(raw, importer.owner)
        except ValidationError as error:
            importer.plan.add(None, f"{name}: {' '.join(error.messages)}", "profile")
    if len(values) == len([n for n in PROFILE_FIELDS if n in profile]):
        _profile_form_rules(importer, values)
    importer.plan.profile = values


def _profile_form_rules(importer: Importer, values: dict) -> None:
    """The profile page's own rules (ProfileForm), on the profile the import would leave:
    no pregnancy or lactation for the male RDA rows, no e-mail warnings without a verified
    address, a time zone from the page's list, ..."""
    from accounts.forms import ProfileForm

    owner = importer.owner
    merged = {name: getattr(owner, name) for name in PROFILE_FIELDS}
    merged.update(values)
    data = {"email": owner.email}  # the account's own address: a file never changes it
    for name, value in merged.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    form = ProfileForm(data, instance=copy.copy(owner))
    if form.is_valid():
        return
    for name, messages in form.errors.items():
        label = name if name in PROFILE_FIELDS else ("email_warnings" if name == "email" else "")
        for message in messages:
            importer.plan.add(None, f"{label}: {message}" if label else message, "profile")


def _product(importer: Importer, record: dict) -> SupplementProduct:
    name = read_text(record.get("name"), "name", 120, required=True).strip()
    brand = read_text(record.get("brand") or "", "brand", 120).strip()
    kind = read_choice(record.get("kind"), SupplementKind.choices, "kind")
    form_name = as_text(record.get("form"))
    form = importer.forms.get(form_name.strip().casefold())
    if form is None:
        raise RowError(f"form “{short(form_name)}” is not one of the magnesium forms")
    basis = read_choice(
        record.get("label_basis"), SupplementProduct.LabelBasis.choices, "label_basis"
    )
    low, high = PRODUCT_MG_RANGE
    amount = read_decimal(
        record.get("amount_per_serving_mg"), "amount_per_serving_mg", maximum=high, places=2
    )
    unit = read_choice(
        record.get("serving_unit"), SupplementProduct.ServingUnit.choices, "serving_unit"
    )
    archived = record.get("is_archived", False)
    if not isinstance(archived, bool):
        raise RowError("is_archived should be true or false")
    # The serving as printed (files from before serving sizes: one unit).
    serving_quantity = read_decimal(
        as_text(record.get("serving_quantity") or "1"),
        "serving_quantity",
        maximum=Decimal(1000),
        places=3,
    )
    equivalent_quantity, equivalent_unit = None, ""
    if record.get("equivalent_quantity") not in (None, ""):
        equivalent_quantity = read_decimal(
            as_text(record.get("equivalent_quantity")),
            "equivalent_quantity",
            maximum=Decimal(1000),
            places=3,
        )
        equivalent_unit = read_choice(
            record.get("equivalent_unit"),
            SupplementProduct.EquivalentUnit.choices,
            "equivalent_unit",
        )
    # The same rules as the product form: a label chemistry rules out is refused.
    problems = label_problems(
        form=form,
        other_forms=(),
        label_basis=basis,
        amount_mg=amount,
        serving_quantity=serving_quantity,
        serving_unit=unit,
        equivalent_quantity=equivalent_quantity,
        equivalent_unit=equivalent_unit,
    )
    if problems:
        raise RowError(" ".join(m for messages in problems.values() for m in messages))
    # The server's own conversion; the file's figure must agree with it.
    per_serving = intake.elemental_per_serving(
        amount,
        label_is_elemental=basis == SupplementProduct.LabelBasis.ELEMENTAL,
        elemental_fraction=form.elemental_fraction,
    )
    given = _optional_decimal(
        record, "elemental_mg_per_serving", maximum=high, places=6, round_extra=True
    )
    if given is not None and not agrees(given, per_serving, Decimal(1)):
        raise RowError(
            f"elemental_mg_per_serving {plain_number(given)} does not match the "
            f"{plain_number(per_serving)} mg that {plain_number(amount)} mg of "
            f"{form.name} ({basis}) gives"
        )
    if per_serving < low:
        raise RowError(f"{plain_number(amount)} mg of {form.name} is less than {low} mg elemental")
    # The same product already in the account (name and brand in any capitals, kind and
    # strength) is reused; anything else in the file is a product of its own.
    for product in importer.products.get(name.casefold(), []):
        if (
            not importer.is_new(product)
            and product.brand.casefold() == brand.casefold()
            and product.kind == kind
            and agrees(product.elemental_mg_per_serving, per_serving, Decimal(1))
        ):
            return product
    product = SupplementProduct(
        owner=importer.owner,
        name=name,
        brand=brand,
        form=form,
        kind=kind,
        label_basis=basis,
        amount_per_serving_mg=amount,
        serving_quantity=serving_quantity,
        serving_unit=unit,
        equivalent_quantity=equivalent_quantity,
        equivalent_unit=equivalent_unit,
        elemental_mg_per_serving=per_serving,
        is_archived=archived,
    )
    importer.add_new_product(product)
    return product


def _food(importer: Importer, record: dict) -> Food:
    name = read_text(record.get("name"), "name", 200, required=True).strip()
    mg_per_100g = read_decimal(
        record.get("mg_per_100g"), "mg_per_100g", maximum=MAX_MG_PER_100G, places=2, allow_zero=True
    )
    own = [f for f in importer.foods.get(name.casefold(), []) if f.owner_id or importer.is_new(f)]
    if own:
        if own[0].mg_per_100g != mg_per_100g:
            raise RowError(
                f"you already have a food “{short(name)}” with {plain_number(own[0].mg_per_100g)} "
                f"mg per 100 g; the file's has {plain_number(mg_per_100g)}. Rename one of them"
            )
        return own[0]
    food = Food(
        owner=importer.owner,
        name=name,
        category=read_choice(record.get("category") or "other", Food.Category.choices, "category"),
        mg_per_100g=mg_per_100g,
        serving_desc=read_text(record.get("serving_desc") or "100 g", "serving_desc", 100),
        serving_grams=read_decimal(
            record.get("serving_grams") or "100", "serving_grams", maximum=MAX_GRAMS, places=2
        ),
        source=read_text(record.get("source") or "", "source", 10_000),
        confidence=read_text(record.get("confidence") or "", "confidence", 10),
        notes=read_text(record.get("notes") or "", "notes", 10_000),
    )
    importer.add_new_food(food)
    return food


def _entry(
    importer: Importer, line, where: str, record: dict, products: dict, foods: dict
) -> tuple[EntryRow, object | None]:
    """The entry's row and its product or own food, or None for a reference food (matched
    or created by name later, with the CSV rows' rules)."""
    kind = read_choice(record.get("kind"), EntryKind.choices, "kind")
    given = _optional_decimal(
        record, "elemental_mg", maximum=MAX_ENTRY_MG, places=10, allow_zero=True, round_extra=True
    )
    common = {
        "line": line,
        "where": where,
        "day": read_day(as_text(record.get("date")), importer.today),
        "at": read_time(as_text(record.get("time"))),
        "kind": kind,
        "given_mg": given,
        "note": read_text(record.get("note") or "", "note", 500),
    }
    if kind != EntryKind.FOOD:
        product = products.get(_id(record.get("product")))
        if product is None:
            raise RowError("product does not name one of the file's products")
        if product.kind != kind:
            raise RowError(f"the entry is a {kind} but its product is a {product.kind}")
        servings = read_decimal(record.get("servings"), "servings", maximum=MAX_SERVINGS, places=10)
        row = EntryRow(**common, item=product.name, quantity=servings, unit="serving")
        return row, product
    # An entry logged by servings also stores their grams: the servings are what was logged.
    by_servings = record.get("servings") not in (None, "")
    if by_servings:
        quantity = read_decimal(record.get("servings"), "servings", maximum=MAX_SERVINGS, places=10)
    elif record.get("grams") not in (None, ""):
        quantity = read_decimal(record.get("grams"), "grams", maximum=MAX_GRAMS, places=5)
    else:
        raise RowError("a food entry needs grams or servings")
    unit = "serving" if by_servings else "g"
    if record.get("food") is not None:
        food = foods.get(_id(record.get("food")))
        if food is None:
            raise RowError("food does not name one of the file's foods")
        return EntryRow(**common, item=food.name, quantity=quantity, unit=unit), food
    name = read_text(record.get("reference_food"), "reference_food", 200, required=True)
    serving_grams = _optional_decimal(
        record, "reference_serving_grams", maximum=MAX_GRAMS, places=2
    )
    row = EntryRow(
        **common, item=name.strip(), quantity=quantity, unit=unit, serving_grams=serving_grams
    )
    return row, None
