"""The export writers: generators of text, streamed to the browser as they are produced.

Entries, symptoms and check-ins are read with ``iterator(chunk_size=...)`` (a server-side
cursor on PostgreSQL), entries joined to their product, form and food in the same query, so
memory stays flat and the number of queries does not grow with the history.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.db.models import F
from django.utils import timezone

from accounts.models import User
from tracker import intake
from tracker.models import (
    CheckIn,
    FollowedSymptom,
    Food,
    IntakeEntry,
    SupplementProduct,
    SymptomEntry,
)
from tracker.transfer.formats import (
    ACCOUNT_FORMAT,
    ACCOUNT_VERSION,
    BOM,
    ENTRY_COLUMNS,
    SYMPTOM_COLUMNS,
    food_serving_unit,
    neutralise,
    plain_number,
)

EXPORT_CHUNK_SIZE = 2000


class _Echo:
    """A file-like object whose write() hands back the line, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def export_filename(what: str, extension: str) -> str:
    return f"magnesium-{what}-{timezone.localdate().isoformat()}.{extension}"


# The columns the files need, read as plain values through the joins: building a model
# instance for each entry, its product, form and food would cost three times as long.
ENTRY_VALUES = (
    "day",
    "time",
    "kind",
    "product_id",
    "product__name",
    "product__form__name",
    "product__serving_unit",
    "food_id",
    "food__owner_id",
    "food__name",
    "food__serving_grams",
    "servings",
    "grams",
    "elemental_mg",
    "note",
)


def _entries(owner: User):
    return (
        IntakeEntry.objects.filter(owner=owner)
        # Entries without a time first on every database (PostgreSQL puts NULLs last).
        .order_by("day", F("time").asc(nulls_first=True), "id")
        .values(*ENTRY_VALUES)
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )


def _symptoms(owner: User):
    return (
        SymptomEntry.objects.filter(owner=owner)
        .order_by("day", "id")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )


def entry_cells(entry: dict) -> list[str]:
    if entry["product_id"]:
        item, form = entry["product__name"], entry["product__form__name"]
        quantity, unit = entry["servings"], entry["product__serving_unit"]
    else:
        item, form = entry["food__name"], ""
        # Logged by servings (grams are then worked out from them), or by grams alone.
        if entry["servings"] is not None:
            quantity, unit = entry["servings"], food_serving_unit(entry["food__serving_grams"])
        else:
            quantity, unit = entry["grams"], "g"
    return [
        entry["day"].isoformat(),
        entry["time"].isoformat() if entry["time"] else "",
        entry["kind"],
        neutralise(item),
        neutralise(form),
        plain_number(quantity),
        unit,
        f"{intake.quantize_mg(entry['elemental_mg'])}",
        neutralise(entry["note"]),
        plain_number(entry["elemental_mg"]),
    ]


def entries_csv(owner: User) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(ENTRY_COLUMNS)
    for entry in _entries(owner):
        yield writer.writerow(entry_cells(entry))


def symptoms_csv(owner: User) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(SYMPTOM_COLUMNS)
    for symptom in _symptoms(owner):
        yield writer.writerow(
            [
                symptom.day.isoformat(),
                symptom.symptom,
                str(symptom.severity),
                neutralise(symptom.note),
            ]
        )


# --- The account file ----------------------------------------------------------------------


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _profile_record(owner: User) -> dict:
    return {
        "username": owner.username,  # for the reader; never imported
        "email": owner.email,  # for the reader; never imported
        "sex": owner.sex,
        "date_of_birth": owner.date_of_birth.isoformat() if owner.date_of_birth else None,
        "life_stage": owner.life_stage,
        "has_kidney_disease": owner.has_kidney_disease,
        "has_heart_condition": owner.has_heart_condition,
        "timezone": owner.timezone,
        "target_override_mg": (
            plain_number(owner.target_override_mg) if owner.target_override_mg is not None else None
        ),
        "email_warnings": owner.email_warnings,
        "authority": owner.authority,
    }


def _product_record(product: SupplementProduct) -> dict:
    return {
        "id": product.pk,
        "name": product.name,
        "brand": product.brand,
        "form": product.form.name,
        "kind": product.kind,
        "label_basis": product.label_basis,
        "amount_per_serving_mg": plain_number(product.amount_per_serving_mg),
        "serving_quantity": plain_number(product.serving_quantity),
        "serving_unit": product.serving_unit,
        "equivalent_quantity": plain_number(product.equivalent_quantity) or None,
        "equivalent_unit": product.equivalent_unit,
        "other_forms": [f.name for f in product.other_forms.all()],
        "elemental_mg_per_serving": plain_number(product.elemental_mg_per_serving),
        "is_archived": product.is_archived,
    }


def _food_record(food: Food) -> dict:
    return {
        "id": food.pk,
        "name": food.name,
        "category": food.category,
        "mg_per_100g": plain_number(food.mg_per_100g),
        "serving_desc": food.serving_desc,
        "serving_grams": plain_number(food.serving_grams),
        "source": food.source,
        "confidence": food.confidence,
        "notes": food.notes,
    }


def _entry_record(entry: dict) -> dict:
    own_food = entry["food_id"] and entry["food__owner_id"] is not None
    reference = entry["food_id"] and not own_food
    return {
        "date": entry["day"].isoformat(),
        "time": entry["time"].isoformat() if entry["time"] else None,
        "kind": entry["kind"],
        "item": entry["product__name"] or entry["food__name"],  # for the reader
        "product": entry["product_id"],  # an id of "products" in this file
        "food": entry["food_id"] if own_food else None,  # an id of "foods" in this file
        # Reference foods are shared, not the person's: named, with what rebuilding one
        # on a server that lacks it would need.
        "reference_food": entry["food__name"] if reference else None,
        "reference_serving_grams": (
            plain_number(entry["food__serving_grams"]) if reference else None
        ),
        "servings": plain_number(entry["servings"]) or None,
        "grams": plain_number(entry["grams"]) or None,
        "elemental_mg": plain_number(entry["elemental_mg"]),
        "note": entry["note"],
    }


def _symptom_record(symptom: SymptomEntry) -> dict:
    return {
        "date": symptom.day.isoformat(),
        "symptom": symptom.symptom,
        "severity": symptom.severity,
        "note": symptom.note,
    }


def _followed_records(owner: User) -> Iterator[dict]:
    """The symptoms the person rates each day, in the order they chose them."""
    codes = (
        FollowedSymptom.objects.filter(owner=owner)
        .order_by("id")
        .values_list("symptom", flat=True)
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    return ({"symptom": code} for code in codes)


def _checkin_records(owner: User) -> Iterator[dict]:
    """Every daily check-in, unfollowed symptoms' too (the app keeps their history)."""
    rows = (
        CheckIn.objects.filter(owner=owner)
        .order_by("day", "symptom")
        .values_list("day", "symptom", "score")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    return (
        {"date": day.isoformat(), "symptom": symptom, "score": score}
        for day, symptom, score in rows
    )


def _json_list(name: str, records: Iterable[dict], last: bool = False) -> Iterator[str]:
    """One record per line, so the importer can name the line of a record with a problem."""
    yield f'"{name}": [\n'
    first = True
    for record in records:
        yield ("" if first else ",\n") + _dumps(record)
        first = False
    yield "\n]" + ("\n" if last else ",\n")


def account_json(owner: User) -> Iterator[str]:
    header = {
        "format": ACCOUNT_FORMAT,
        "version": ACCOUNT_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
    }
    yield "{\n" + "".join(f"{_dumps(k)}: {_dumps(v)},\n" for k, v in header.items())
    yield f'"profile": {_dumps(_profile_record(owner))},\n'
    products = (
        SupplementProduct.objects.filter(owner=owner)
        .select_related("form")
        .prefetch_related("other_forms")
        .order_by("id")
    )
    yield from _json_list("products", map(_product_record, products))
    yield from _json_list(
        "foods", map(_food_record, Food.objects.filter(owner=owner).order_by("id"))
    )
    yield from _json_list("entries", map(_entry_record, _entries(owner)))
    yield from _json_list("symptoms", map(_symptom_record, _symptoms(owner)))
    yield from _json_list("followed", _followed_records(owner))
    yield from _json_list("checkins", _checkin_records(owner), last=True)
    yield "}\n"
