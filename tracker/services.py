"""Writes that carry rules: products, own foods, entries, symptoms and the warning check.

Every function is keyword-only and typed, validates with ``full_clean()`` inside
``transaction.atomic`` and computes elemental magnesium on the server: no figure a request
sends is ever stored as a total. Writes that can change a day's flags return the flags the day
newly crossed (see tracker/warnings.py), so the view can say so on the next page.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Round
from django.utils import timezone

from accounts.models import User
from tracker import intake, limits, page_cache, selectors, warnings
from tracker.models import (
    EntryKind,
    Food,
    IntakeEntry,
    MagnesiumForm,
    SupplementProduct,
    SymptomEntry,
)

T = TypeVar("T")

CENT = Decimal("0.01")
MAX_SERVINGS = Decimal("100")
"""More than 100 capsules, scoops or servings in one entry is a typing slip, not a dose."""
MAX_GRAMS = Decimal("5000")
"""5 kg of one food in one entry: the same guard for foods (the Food model's own limit)."""
EARLIEST_DAY = date(1900, 1, 1)
DAYS_AHEAD_ALLOWED = 1
"""Tomorrow is allowed (someone filling in their pill box the night before); later is not."""


@dataclass(frozen=True)
class Written(Generic[T]):
    """The object a write produced and the flags its day newly crossed."""

    obj: T
    crossed: list[intake.Flag] = field(default_factory=list)


# --- Days -----------------------------------------------------------------------------------


def person_today(user: User) -> date:
    """The person's local calendar day, from their profile, whatever zone is active."""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localdate(timezone=zone)


def day_errors(*, user: User, day: date) -> list[str]:
    """Why a day cannot hold an entry (empty when it can). Shared with the forms."""
    today = person_today(user)
    if day < EARLIEST_DAY:
        return ["Enter a day in 1900 or later."]
    if day > today + timedelta(days=DAYS_AHEAD_ALLOWED):
        return ["That day is more than a day ahead of today; log it on the day itself."]
    if user.date_of_birth and day < user.date_of_birth:
        return ["That day is before your date of birth."]
    return []


def _check_day(*, user: User, day: date) -> None:
    errors = day_errors(user=user, day=day)
    if errors:
        raise ValidationError({"day": errors})


def _check_amount(value: Decimal, *, name: str, maximum: Decimal, unit: str) -> None:
    if not value.is_finite() or value <= 0:
        raise ValidationError({name: "Enter an amount above 0."})
    if value > maximum:
        raise ValidationError({name: f"Enter at most {maximum:f} {unit} in one entry."})


def _mg(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _lock_person(user: User) -> None:
    """Serialise one person's writes and mark their cached pages stale, in one UPDATE.

    Raising their data version (tracker.page_cache) locks their row until the transaction
    ends (PostgreSQL; SQLite locks the whole database). Without the lock two simultaneous
    entries could each see the day below a threshold and neither would report crossing it.
    """
    page_cache.mark_changed(user)


def _after_write(
    *, owner: User, day: date, before: list[intake.Flag], day_url: str
) -> list[intake.Flag]:
    crossed = warnings.newly_crossed(before, selectors.day_flags(user=owner, day=day))
    if crossed:
        warnings.email_once(owner=owner, day=day, flags=crossed, day_url=day_url)
    return crossed


# --- Products -------------------------------------------------------------------------------


def elemental_per_serving(*, form: MagnesiumForm, label_basis: str, amount_mg: Decimal) -> Decimal:
    """Elemental mg in one serving: the label amount itself, or compound weight x fraction."""
    return _mg(
        intake.elemental_per_serving(
            amount_mg,
            label_is_elemental=label_basis == SupplementProduct.LabelBasis.ELEMENTAL,
            elemental_fraction=form.elemental_fraction,
        )
    )


def chemistry_note(
    *, form: MagnesiumForm, label_basis: str, amount_mg: Decimal, compound_mg: Decimal | None
) -> str:
    """A gentle note when the label claims more elemental Mg than the compound can hold.

    Only answerable when the label gives both figures, "Magnesium (as bisglycinate) 200 mg"
    and "magnesium bisglycinate 1,000 mg": 1,000 mg of pure bisglycinate holds 141 mg, so
    200 mg means the product also contains something richer, usually magnesium oxide.
    """
    if not intake.label_exceeds_chemistry(
        amount_mg,
        label_is_elemental=label_basis == SupplementProduct.LabelBasis.ELEMENTAL,
        elemental_fraction=form.elemental_fraction,
        compound_mg=compound_mg,
    ):
        return ""
    most = _mg(compound_mg * form.elemental_fraction)
    return (
        f"{compound_mg:f} mg of {form.name} can hold at most {most:f} mg of magnesium "
        f"({form.elemental_percent} %), but the label says {amount_mg:f} mg. Such products are "
        "often buffered with magnesium oxide, which is absorbed less well. The app counts the "
        "label's elemental figure."
    )


def create_product(
    *,
    owner: User,
    name: str,
    form: MagnesiumForm,
    label_basis: str,
    amount_per_serving_mg: Decimal,
    kind: str = SupplementProduct._meta.get_field("kind").default,
    brand: str = "",
    serving_unit: str = SupplementProduct.ServingUnit.CAPSULE,
) -> SupplementProduct:
    with transaction.atomic():
        product = SupplementProduct(
            owner=owner,
            name=name,
            brand=brand,
            form=form,
            kind=kind,
            label_basis=label_basis,
            amount_per_serving_mg=amount_per_serving_mg,
            serving_unit=serving_unit,
            elemental_mg_per_serving=Decimal("0"),
        )
        _set_product_elemental(product)
        product.full_clean()
        product.save()
        page_cache.mark_changed(owner)
    return product


def _set_product_elemental(product: SupplementProduct) -> None:
    _check_amount(
        product.amount_per_serving_mg,
        name="amount_per_serving_mg",
        maximum=Decimal("10000"),
        unit="mg",
    )
    product.elemental_mg_per_serving = elemental_per_serving(
        form=product.form,
        label_basis=product.label_basis,
        amount_mg=product.amount_per_serving_mg,
    )


def update_product(
    *,
    product: SupplementProduct,
    name: str,
    form: MagnesiumForm,
    label_basis: str,
    amount_per_serving_mg: Decimal,
    kind: str,
    brand: str = "",
    serving_unit: str = SupplementProduct.ServingUnit.CAPSULE,
    is_archived: bool = False,
    day_url: str = "",
) -> Written[SupplementProduct]:
    """Save a product; its logged entries follow a corrected figure.

    Editing the amount, label basis or form is how people fix a mis-read label, so the entries
    already logged with the product are recomputed (one UPDATE). A product that really changed
    its recipe should be a new product, so that its history keeps the old figure.
    """
    owner = product.owner
    today = person_today(owner)
    with transaction.atomic():
        _lock_person(owner)
        before = selectors.day_flags(user=owner, day=today)
        product.name, product.brand, product.form = name, brand, form
        product.kind, product.label_basis = kind, label_basis
        product.amount_per_serving_mg, product.serving_unit = amount_per_serving_mg, serving_unit
        product.is_archived = is_archived
        _set_product_elemental(product)
        product.full_clean()
        product.save()
        IntakeEntry.objects.filter(product=product, servings__isnull=False).update(
            kind=product.kind,
            elemental_mg=Round(F("servings") * Value(product.elemental_mg_per_serving), 2),
        )
        crossed = _after_write(owner=owner, day=today, before=before, day_url=day_url)
    return Written(product, crossed)


def remove_product(*, product: SupplementProduct) -> bool:
    """Delete a product, or archive it when entries use it so history is never lost.

    Returns True when the product was archived.
    """
    with transaction.atomic():
        page_cache.mark_changed(product.owner_id)
        if product.entries.exists():
            product.is_archived = True
            product.save(update_fields=["is_archived"])
            return True
        product.delete()
        return False


# --- Own foods ------------------------------------------------------------------------------


def _check_own_food_name(food: Food) -> None:
    clash = Food.objects.filter(owner=food.owner, name__iexact=food.name).exclude(pk=food.pk)
    if clash.exists():
        raise ValidationError({"name": "You already have a food with this name."})


def create_own_food(
    *,
    owner: User,
    name: str,
    mg_per_100g: Decimal,
    serving_desc: str = "100 g",
    serving_grams: Decimal = Decimal("100"),
    category: str = Food.Category.OTHER,
    notes: str = "",
) -> Food:
    with transaction.atomic():
        food = Food(
            owner=owner,
            name=name,
            mg_per_100g=mg_per_100g,
            serving_desc=serving_desc,
            serving_grams=serving_grams,
            category=category,
            notes=notes,
            source="Entered by you",
        )
        _check_own_food_name(food)
        food.full_clean()
        try:
            with transaction.atomic():
                food.save()
        except IntegrityError:  # the same name saved by a simultaneous request
            raise ValidationError({"name": "You already have a food with this name."})
        page_cache.mark_changed(owner)
    return food


def update_own_food(
    *,
    food: Food,
    name: str,
    mg_per_100g: Decimal,
    serving_desc: str,
    serving_grams: Decimal,
    category: str,
    notes: str = "",
) -> Food:
    """Save a person's food; entries logged with it follow a corrected mg per 100 g.

    The grams of each entry stay as logged (that is what was eaten).
    """
    if food.owner_id is None:
        raise ValidationError("Reference foods cannot be edited.")
    with transaction.atomic():
        food.name, food.mg_per_100g, food.serving_desc = name, mg_per_100g, serving_desc
        food.serving_grams, food.category, food.notes = serving_grams, category, notes
        _check_own_food_name(food)
        food.full_clean()
        food.save()
        page_cache.mark_changed(food.owner_id)
        per_gram = Value(food.mg_per_100g / Decimal("100"))
        entries = IntakeEntry.objects.filter(food=food)
        entries.filter(grams__isnull=False).update(elemental_mg=Round(F("grams") * per_gram, 2))
        # Imported entries may give servings without grams: they follow the serving size.
        entries.filter(grams__isnull=True, servings__isnull=False).update(
            elemental_mg=Round(F("servings") * Value(food.serving_grams) * per_gram, 2)
        )
    return food


def delete_own_food(*, food: Food) -> bool:
    """Delete a person's food unless entries use it. Returns True when deleted."""
    with transaction.atomic():
        if food.owner_id is None or food.entries.exists():
            return False
        page_cache.mark_changed(food.owner_id)
        food.delete()
        return True


# --- Entries --------------------------------------------------------------------------------


def _supplement_fields(
    *, owner: User, product: SupplementProduct, servings: Decimal
) -> dict[str, object]:
    if product.owner_id != owner.pk:
        raise ValidationError({"product": "Select one of your own products."})
    _check_amount(servings, name="servings", maximum=MAX_SERVINGS, unit="servings")
    return {
        "kind": product.kind,
        "product": product,
        "food": None,
        "servings": servings,
        "grams": None,
        "elemental_mg": _mg(
            intake.elemental_from_servings(product.elemental_mg_per_serving, servings)
        ),
    }


def _food_fields(
    *, owner: User, food: Food, grams: Decimal | None, servings: Decimal | None
) -> dict[str, object]:
    if food.owner_id not in (None, owner.pk):
        raise ValidationError({"food": "Select a reference food or one of your own."})
    if (grams is None) == (servings is None):
        raise ValidationError("Enter either grams or servings, not both.")
    if servings is not None:
        _check_amount(servings, name="servings", maximum=MAX_SERVINGS, unit="servings")
        grams = _mg(servings * food.serving_grams)
    _check_amount(grams, name="grams", maximum=MAX_GRAMS, unit="g")
    return {
        "kind": EntryKind.FOOD,
        "product": None,
        "food": food,
        "servings": servings,
        "grams": grams,
        "elemental_mg": _mg(intake.elemental_from_food_grams(grams, food.mg_per_100g)),
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
    day_url: str,
) -> Written[IntakeEntry]:
    _check_day(user=owner, day=day)
    with transaction.atomic():
        _lock_person(owner)
        before = selectors.day_flags(user=owner, day=day)
        if entry is None or entry.day != day:  # a new entry on the day (tracker.limits)
            full = limits.check_room(owner, day)
            if full:
                raise ValidationError({"day": full})
        if entry is None:
            entry = IntakeEntry(owner=owner)
        for name, value in fields.items():
            setattr(entry, name, value)
        entry.day, entry.time, entry.note = day, time, note
        _clean_entry(entry)
        entry.save()
        crossed = _after_write(owner=owner, day=day, before=before, day_url=day_url)
    return Written(entry, crossed)


def log_supplement(
    *,
    owner: User,
    product: SupplementProduct,
    servings: Decimal,
    day: date,
    time: dt.time | None = None,
    note: str = "",
    day_url: str = "",
) -> Written[IntakeEntry]:
    """Log servings of one of the person's products: elemental mg = per serving x servings."""
    fields = _supplement_fields(owner=owner, product=product, servings=servings)
    return _save_entry(
        owner=owner, entry=None, fields=fields, day=day, time=time, note=note, day_url=day_url
    )


def log_food(
    *,
    owner: User,
    food: Food,
    day: date,
    grams: Decimal | None = None,
    servings: Decimal | None = None,
    time: dt.time | None = None,
    note: str = "",
    day_url: str = "",
) -> Written[IntakeEntry]:
    """Log a food by grams, or by servings (servings x the food's serving grams)."""
    fields = _food_fields(owner=owner, food=food, grams=grams, servings=servings)
    return _save_entry(
        owner=owner, entry=None, fields=fields, day=day, time=time, note=note, day_url=day_url
    )


def update_supplement_entry(
    *,
    entry: IntakeEntry,
    product: SupplementProduct,
    servings: Decimal,
    day: date,
    time: dt.time | None = None,
    note: str = "",
    day_url: str = "",
) -> Written[IntakeEntry]:
    fields = _supplement_fields(owner=entry.owner, product=product, servings=servings)
    return _save_entry(
        owner=entry.owner,
        entry=entry,
        fields=fields,
        day=day,
        time=time,
        note=note,
        day_url=day_url,
    )


def update_food_entry(
    *,
    entry: IntakeEntry,
    food: Food,
    day: date,
    grams: Decimal | None = None,
    servings: Decimal | None = None,
    time: dt.time | None = None,
    note: str = "",
    day_url: str = "",
) -> Written[IntakeEntry]:
    fields = _food_fields(owner=entry.owner, food=food, grams=grams, servings=servings)
    return _save_entry(
        owner=entry.owner,
        entry=entry,
        fields=fields,
        day=day,
        time=time,
        note=note,
        day_url=day_url,
    )


def delete_entry(*, entry: IntakeEntry) -> None:
    """Deleting can only lower a day's totals, so there is nothing to warn about."""
    with transaction.atomic():
        page_cache.mark_changed(entry.owner_id)
        entry.delete()


def repeat_yesterdays_supplements(
    *, owner: User, day: date, day_url: str = ""
) -> Written[list[IntakeEntry]]:
    """Log again, on ``day``, the supplements and medications taken the day before.

    Same products, servings and times, at each product's current figure; products archived
    since are skipped (archiving means "I no longer take this").
    """
    _check_day(user=owner, day=day)
    with transaction.atomic():
        _lock_person(owner)
        before = selectors.day_flags(user=owner, day=day)
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
        for old in yesterday:
            if old.servings is None:
                continue
            entry = IntakeEntry(
                owner=owner,
                day=day,
                time=old.time,
                **_supplement_fields(owner=owner, product=old.product, servings=old.servings),
            )
            _clean_entry(entry)
            created.append(entry)
        full = limits.check_room(owner, day, len(created)) if created else None
        if full:
            raise ValidationError({"day": full})
        IntakeEntry.objects.bulk_create(created)
        crossed = (
            _after_write(owner=owner, day=day, before=before, day_url=day_url) if created else []
        )
    return Written(created, crossed)


# --- Symptoms -------------------------------------------------------------------------------


def _save_symptom(
    *, symptom: SymptomEntry, day: date, code: str, severity: int, note: str, day_url: str
) -> Written[SymptomEntry]:
    owner = symptom.owner
    _check_day(user=owner, day=day)
    with transaction.atomic():
        _lock_person(owner)
        if symptom.pk is None or symptom.day != day:  # tracker.limits
            full = limits.check_symptom_room(owner, day)
            if full:
                raise ValidationError({"day": full})
        # A symptom can raise the side-effect flag on a day with supplements.
        before = selectors.day_flags(user=owner, day=day)
        symptom.day, symptom.symptom, symptom.severity, symptom.note = day, code, severity, note
        symptom.full_clean()
        symptom.save()
        crossed = _after_write(owner=owner, day=day, before=before, day_url=day_url)
    return Written(symptom, crossed)


def log_symptom(
    *, owner: User, day: date, symptom: str, severity: int, note: str = "", day_url: str = ""
) -> Written[SymptomEntry]:
    return _save_symptom(
        symptom=SymptomEntry(owner=owner),
        day=day,
        code=symptom,
        severity=severity,
        note=note,
        day_url=day_url,
    )


def update_symptom(
    *,
    entry: SymptomEntry,
    day: date,
    symptom: str,
    severity: int,
    note: str = "",
    day_url: str = "",
) -> Written[SymptomEntry]:
    return _save_symptom(
        symptom=entry, day=day, code=symptom, severity=severity, note=note, day_url=day_url
    )


def delete_symptom(*, entry: SymptomEntry) -> None:
    with transaction.atomic():
        page_cache.mark_changed(entry.owner_id)
        entry.delete()
