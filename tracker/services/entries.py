"""Entries: supplement doses and foods, each with its elemental magnesium computed here from
the product's label or the food's figure (never taken from a request), and the day's flags
compared before and after (tracker.services.writes.person_write)."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from decimal import Decimal
from typing import Required, TypedDict, Unpack

from django.core.exceptions import ValidationError

from accounts.models import User
from tracker import intake, limits
from tracker.days import person_now, person_today
from tracker.models import EntryKind, Food, IntakeEntry, SupplementProduct
from tracker.services.products import label_snapshot, large_dose_error, product_label
from tracker.services.writes import (
    Written,
    check_amount,
    check_day,
    check_room,
    person_write,
)


def _supplement_fields(
    *,
    owner: User,
    product: SupplementProduct,
    quantity: Decimal,
    unit: str = intake.SERVING,
    confirm_large: bool = False,
) -> dict[str, object]:
    """A supplement dose in the label's own unit (2 tablets, 4 g, 15 mL) or in servings."""
    if product.owner_id != owner.pk:
        raise ValidationError({"product": "Select one of your own products."})
    label = product_label(product)
    if unit not in label.dose_units():
        raise ValidationError(
            {"unit": f"{product} is measured in {', '.join(label.dose_units())}."}
        )
    check_amount(quantity, name="quantity", maximum=limits.MAX_DOSE_QUANTITY, unit="at once")
    servings = label.servings(quantity, unit)
    if servings > limits.MAX_SERVINGS:
        raise ValidationError(
            {"quantity": f"That is more than {limits.MAX_SERVINGS:f} servings in one entry."}
        )
    elemental = label.elemental_for(quantity, unit)
    if elemental > intake.LARGE_DOSE_MG and not confirm_large:
        raise ValidationError({"confirm_large": large_dose_error(elemental, what="This dose")})
    return {
        "kind": product.kind,
        "product": product,
        "food": None,
        "dose_quantity": quantity,
        "dose_unit": unit,
        "label": label_snapshot(product, label),
        "servings": intake.stored_mg(servings),
        "grams": None,
        "elemental_mg": elemental,
    }


def _food_fields(
    *, owner: User, food: Food, grams: Decimal | None, servings: Decimal | None
) -> dict[str, object]:
    if food.owner_id not in (None, owner.pk):
        raise ValidationError({"food": "Select a reference food or one of your own."})
    if (grams is None) == (servings is None):
        raise ValidationError("Enter either grams or servings, not both.")
    if servings is not None:
        check_amount(servings, name="servings", maximum=limits.MAX_SERVINGS, unit="servings")
        grams = servings * food.serving_grams  # exact: what one serving weighs, times servings
    check_amount(grams, name="grams", maximum=limits.MAX_GRAMS, unit="g")
    return {
        "kind": EntryKind.FOOD,
        "product": None,
        "food": food,
        "dose_quantity": None,
        "dose_unit": "",
        "label": {},
        "servings": servings,
        "grams": grams,
        "elemental_mg": intake.stored_mg(intake.elemental_from_food_grams(grams, food.mg_per_100g)),
    }


def _clean_entry(entry: IntakeEntry) -> None:
    """Field validation without the checks that cannot fail here and cost 8 queries.

    The owner is the person locked above and the product or food was loaded through their
    owner-scoped query, so their existence checks are skipped; the check constraints (kind
    matches the item, mg not negative) hold by construction in _supplement_fields and
    _food_fields, and the database enforces them anyway.
    """
    entry.full_clean(exclude=["owner", "product", "food"], validate_constraints=False)


def _save_entry(
    *,
    owner: User,
    entry: IntakeEntry | None,
    fields: dict[str, object],
    day: date,
    time: dt.time | None,
    note: str,
) -> Written[IntakeEntry]:
    check_day(user=owner, day=day)
    # A food entry, new or edited, can change the dashboard's recent foods: not day-only.
    day_only = fields.get("food") is None and (entry is None or entry.food_id is None)
    with person_write(owner, day=day, day_only=day_only) as crossing:
        if entry is None or entry.day != day:  # a new entry on the day (tracker.limits)
            check_room(owner, day)
        if entry is None:
            entry = IntakeEntry(owner=owner)
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.day, entry.time, entry.note = day, time, note
        _clean_entry(entry)
        entry.save()
    return Written(entry, crossing.flags)


class SupplementDose(TypedDict, total=False):
    """What logging or editing a supplement entry takes (besides the owner or the entry)."""

    product: Required[SupplementProduct]
    day: Required[date]
    servings: Decimal | None
    quantity: Decimal | None
    unit: str
    confirm_large: bool
    time: dt.time | None
    note: str


class FoodPortion(TypedDict, total=False):
    """What logging or editing a food entry takes (besides the owner or the entry)."""

    food: Required[Food]
    day: Required[date]
    grams: Decimal | None
    servings: Decimal | None
    time: dt.time | None
    note: str


def log_supplement(*, owner: User, **dose: Unpack[SupplementDose]) -> Written[IntakeEntry]:
    """Log a dose of one of the person's products, in the label's unit or in servings.

    ``servings=2`` is short for ``quantity=2, unit="serving"``.
    """
    return _write_supplement(owner=owner, entry=None, **dose)


def update_supplement_entry(
    *, entry: IntakeEntry, **dose: Unpack[SupplementDose]
) -> Written[IntakeEntry]:
    return _write_supplement(owner=entry.owner, entry=entry, **dose)


def _write_supplement(
    *,
    owner: User,
    entry: IntakeEntry | None,
    product: SupplementProduct,
    day: date,
    servings: Decimal | None = None,
    quantity: Decimal | None = None,
    unit: str = intake.SERVING,
    confirm_large: bool = False,
    time: dt.time | None = None,
    note: str = "",
) -> Written[IntakeEntry]:
    quantity, unit = _dose(servings=servings, quantity=quantity, unit=unit)
    fields = _supplement_fields(
        owner=owner, product=product, quantity=quantity, unit=unit, confirm_large=confirm_large
    )
    return _save_entry(owner=owner, entry=entry, fields=fields, day=day, time=time, note=note)


def _dose(*, servings: Decimal | None, quantity: Decimal | None, unit: str) -> tuple[Decimal, str]:
    if servings is not None:
        return Decimal(servings), intake.SERVING
    if quantity is None:
        raise ValidationError({"quantity": "Enter how much you took."})
    return Decimal(quantity), unit


def log_food(*, owner: User, **portion: Unpack[FoodPortion]) -> Written[IntakeEntry]:
    """Log a food by grams, or by servings (servings x the food's serving grams)."""
    return _write_food(owner=owner, entry=None, **portion)


def update_food_entry(
    *, entry: IntakeEntry, **portion: Unpack[FoodPortion]
) -> Written[IntakeEntry]:
    return _write_food(owner=entry.owner, entry=entry, **portion)


def _write_food(
    *,
    owner: User,
    entry: IntakeEntry | None,
    food: Food,
    day: date,
    grams: Decimal | None = None,
    servings: Decimal | None = None,
    time: dt.time | None = None,
    note: str = "",
) -> Written[IntakeEntry]:
    fields = _food_fields(owner=owner, food=food, grams=grams, servings=servings)
    return _save_entry(owner=owner, entry=entry, fields=fields, day=day, time=time, note=note)


def delete_entry(*, entry: IntakeEntry) -> Written[IntakeEntry]:
    """Deleting can only lower a day's totals, so there is nothing to warn about. An entry
    logged by a routine "Taken" tap gives its units back to the stock: the dose shows as
    pending again, and taking it again counts it off again."""
    from tracker.services.routine import return_to_stock  # routine logs through this module

    with person_write(entry.owner_id):
        return_to_stock(entry)
        entry.delete()
    return Written(entry)


def repeat_yesterdays_supplements(*, owner: User, day: date) -> Written[list[IntakeEntry]]:
    """Log again, on ``day``, the supplements and medications taken the day before.

    Same products and doses, at each product's current figure and the current time; products
    archived since are skipped (archiving means "I no longer take this").
    """
    check_day(user=owner, day=day)
    with person_write(owner, day=day, day_only=True) as crossing:
        yesterday = (
            IntakeEntry.objects.filter(
                owner=owner,
                day=day - timedelta(days=1),
                product__isnull=False,
                product__is_archived=False,
            )
            .select_related("product")
            .order_by("time", "id")
        )
        created = []
        now = person_now(owner)
        for old in yesterday:
            if old.dose_quantity is None and old.servings is None:
                continue
            quantity, unit = old.dose_quantity, old.dose_unit
            if quantity is None or unit not in product_label(old.product).dose_units():
                quantity, unit = old.servings, intake.SERVING
            # At the time it is repeated, not yesterday's clock time: a 22:00 dose repeated at
            # 14:25 was taken at 14:25 (or is planned; the person can edit it).
            entry = IntakeEntry(
                owner=owner,
                day=day,
                time=now if day == person_today(owner) else old.time,
                # Yesterday's doses were already logged once, large ones confirmed then.
                **_supplement_fields(
                    owner=owner,
                    product=old.product,
                    quantity=quantity,
                    unit=unit,
                    confirm_large=True,
                ),
            )
            _clean_entry(entry)
            created.append(entry)
        if created:
            check_room(owner, day, len(created))
        IntakeEntry.objects.bulk_create(created)
    return Written(created, crossing.flags)
