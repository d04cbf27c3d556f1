"""Writes that carry rules: products, own foods, entries, symptoms and the warning check.

Every function is keyword-only and typed, validates with ``full_clean()`` inside
``transaction.atomic`` and computes elemental magnesium on the server: no figure a request
sends is ever stored as a total. Writes that can change a day's flags return the flags the day
newly crossed (see tracker/warnings.py), so the view can say so on the next page.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min
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

MAX_LABEL_MG = Decimal("10000")
"""The largest figure a label line can give for one serving (the product's own limit)."""
MAX_DOSE_QUANTITY = Decimal("10000")
"""The most of a label's unit in one entry (10 kg or 10 L is a typing slip)."""
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


def _local_now(user: User) -> dt.time:
    try:
        zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localtime(timezone=zone).time().replace(second=0, microsecond=0)


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


def product_label(
    product: SupplementProduct, *, other_forms: Iterable[MagnesiumForm] | None = None
) -> intake.Label:
    """The product's label as the pure rules read it.

    ``other_forms`` for a product not saved yet (its many-to-many cannot be read); otherwise
    the saved blend is read (prefetched where callers list many products).
    """
    if other_forms is None:
        other_forms = product.other_forms.all() if product.pk else ()
    fractions = [product.form.elemental_fraction]
    fractions += [f.elemental_fraction for f in other_forms if f.pk != product.form_id]
    return intake.Label(
        serving_quantity=product.serving_quantity,
        serving_unit=product.serving_unit,
        amount_mg=product.amount_per_serving_mg,
        is_elemental=product.label_basis == SupplementProduct.LabelBasis.ELEMENTAL,
        fractions=tuple(fractions),
        equivalent_quantity=product.equivalent_quantity,
        equivalent_unit=product.equivalent_unit,
    )


def label_snapshot(
    product: SupplementProduct,
    label: intake.Label,
    *,
    other_forms: Iterable[MagnesiumForm] | None = None,
) -> dict[str, object]:
    """The figures an entry was computed from, kept with it (shown on the entry's page)."""
    if other_forms is None:
        other_forms = product.other_forms.all() if product.pk else ()
    snapshot: dict[str, object] = {
        "serving_quantity": f"{label.serving_quantity.normalize():f}",
        "serving_unit": label.serving_unit,
        "amount_mg": f"{label.amount_mg.normalize():f}",
        "basis": product.label_basis,
        "forms": [product.form.name] + [f.name for f in other_forms],
        "elemental_mg_per_serving": f"{label.elemental_per_serving.normalize():f}",
    }
    if label.equivalent_quantity:
        snapshot["equivalent_quantity"] = f"{label.equivalent_quantity.normalize():f}"
        snapshot["equivalent_unit"] = label.equivalent_unit
    return snapshot


def label_problems(
    *,
    form: MagnesiumForm,
    other_forms: Iterable[MagnesiumForm],
    label_basis: str,
    amount_mg: Decimal,
    serving_quantity: Decimal,
    serving_unit: str,
    equivalent_quantity: Decimal | None,
    equivalent_unit: str,
) -> dict[str, list[str]]:
    """What makes a label impossible or incomplete, by field (empty when it is fine)."""
    errors: dict[str, list[str]] = {}
    others = [f for f in other_forms if f.pk != form.pk]
    if label_basis == SupplementProduct.LabelBasis.COMPOUND and others:
        errors["other_forms"] = [
            "A compound weight is the weight of one compound. For a blend, enter the label's "
            "elemental figure ('Magnesium ... mg') instead."
        ]
    if (equivalent_quantity is None) != (not equivalent_unit):
        errors["equivalent_quantity"] = [
            "Enter both the amount and its unit (for example 4 g), or neither."
        ]
    elif equivalent_unit and equivalent_unit == serving_unit:
        errors["equivalent_unit"] = ["The serving is already measured in that unit."]
    if errors:
        return errors
    label = intake.Label(
        serving_quantity=serving_quantity,
        serving_unit=serving_unit,
        amount_mg=amount_mg,
        is_elemental=label_basis == SupplementProduct.LabelBasis.ELEMENTAL,
        fractions=tuple([form.elemental_fraction] + [f.elemental_fraction for f in others]),
        equivalent_quantity=equivalent_quantity,
        equivalent_unit=equivalent_unit,
    )
    impossible = label.impossible()
    if impossible:
        errors["amount_per_serving_mg"] = impossible
    return errors


def large_dose_error(elemental_mg: Decimal, *, what: str) -> str:
    return (
        f"{what} is {intake.quantize_mg(elemental_mg)} mg of elemental magnesium, more than "
        f"{intake.LARGE_DOSE_MG:.0f} mg at once. If that is really right, tick the box to "
        "confirm it; otherwise check the amount and the unit."
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
    most = intake.quantize_mg(compound_mg * form.elemental_fraction)
    return (
        f"{compound_mg.normalize():f} mg of {form.name} can hold at most {most} mg of "
        f"magnesium ({form.elemental_percent} %), but the label says "
        f"{amount_mg.normalize():f} mg. Such products are often buffered with magnesium oxide, "
        "which is absorbed less well. The app counts the label's elemental figure."
    )


LABEL_FIELDS = (
    "form",
    "kind",
    "label_basis",
    "amount_per_serving_mg",
    "serving_quantity",
    "serving_unit",
    "equivalent_quantity",
    "equivalent_unit",
)
"""The fields whose change alters what a dose of the product holds (with the blend)."""


class ApplyTo:
    """What an edit of a product's figures does to the entries already logged with it."""

    PAST = "past"  # a typing mistake: correct the past entries too
    FUTURE = "future"  # a new formula: only what is logged from now on


def _fill_product(
    product: SupplementProduct,
    *,
    other_forms: list[MagnesiumForm],
    confirm_large: bool,
) -> intake.Label:
    """Validate the label and set its exact elemental figure; raises ValidationError."""
    _check_amount(
        product.amount_per_serving_mg, name="amount_per_serving_mg", maximum=MAX_LABEL_MG, unit="mg"
    )
    errors = label_problems(
        form=product.form,
        other_forms=other_forms,
        label_basis=product.label_basis,
        amount_mg=product.amount_per_serving_mg,
        serving_quantity=product.serving_quantity,
        serving_unit=product.serving_unit,
        equivalent_quantity=product.equivalent_quantity,
        equivalent_unit=product.equivalent_unit,
    )
    if errors:
        raise ValidationError(errors)
    label = product_label(product, other_forms=other_forms)
    product.elemental_mg_per_serving = label.elemental_per_serving
    if label.elemental_per_serving > intake.LARGE_DOSE_MG and not confirm_large:
        raise ValidationError(
            {"confirm_large": large_dose_error(label.elemental_per_serving, what="One serving")}
        )
    return label


def create_product(
    *,
    owner: User,
    name: str,
    form: MagnesiumForm,
    label_basis: str,
    amount_per_serving_mg: Decimal,
    kind: str = SupplementProduct._meta.get_field("kind").default,
    brand: str = "",
    serving_quantity: Decimal = Decimal("1"),
    serving_unit: str = SupplementProduct.ServingUnit.CAPSULE,
    equivalent_quantity: Decimal | None = None,
    equivalent_unit: str = "",
    other_forms: Iterable[MagnesiumForm] = (),
    confirm_large: bool = False,
) -> SupplementProduct:
    others = [f for f in other_forms if f.pk != form.pk]
    with transaction.atomic():
        product = SupplementProduct(
            owner=owner,
            name=name,
            brand=brand,
            form=form,
            kind=kind,
            label_basis=label_basis,
            amount_per_serving_mg=amount_per_serving_mg,
            serving_quantity=serving_quantity,
            serving_unit=serving_unit,
            equivalent_quantity=equivalent_quantity,
            equivalent_unit=equivalent_unit or "",
            elemental_mg_per_serving=Decimal("0"),
        )
        _fill_product(product, other_forms=others, confirm_large=confirm_large)
        product.full_clean()
        product.save()
        product.other_forms.set(others)
        page_cache.mark_changed(owner)
    return product


@dataclass(frozen=True)
class Touched:
    """The entries an edit of a product's figures would touch."""

    count: int
    first_day: date | None
    last_day: date | None
    days: int


def entries_touched(*, product: SupplementProduct) -> Touched:
    row = IntakeEntry.objects.filter(product=product).aggregate(
        count=Count("id"), first=Min("day"), last=Max("day"), days=Count("day", distinct=True)
    )
    return Touched(row["count"], row["first"], row["last"], row["days"])


def _label_changed(
    product: SupplementProduct, values: dict[str, object], other_forms: list[MagnesiumForm]
) -> bool:
    if any(getattr(product, name) != values[name] for name in LABEL_FIELDS):
        return True
    return {f.pk for f in product.other_forms.all()} != {f.pk for f in other_forms}


def update_product(
    *,
    product: SupplementProduct,
    name: str,
    form: MagnesiumForm,
    label_basis: str,
    amount_per_serving_mg: Decimal,
    kind: str,
    brand: str = "",
    serving_quantity: Decimal = Decimal("1"),
    serving_unit: str = SupplementProduct.ServingUnit.CAPSULE,
    equivalent_quantity: Decimal | None = None,
    equivalent_unit: str = "",
    other_forms: Iterable[MagnesiumForm] = (),
    is_archived: bool = False,
    apply_to: str = "",
    confirm_large: bool = False,
    day_url: str = "",
) -> Written[SupplementProduct]:
    """Save a product. A change of its figures never rewrites history silently.

    When entries use the product and its label figures change, the person chooses:
    ``ApplyTo.PAST`` corrects those entries too (a typing mistake: each keeps the dose it was
    logged with, in its unit, and is recomputed from the corrected label), ``ApplyTo.FUTURE``
    leaves them as logged (a new formula). Either way it is one transaction; the days touched
    go stale and their flags are read afresh, and an e-mail goes out only for a flag a recent
    day has not been warned of (WarningSent records each one).
    """
    owner = product.owner
    others = [f for f in other_forms if f.pk != form.pk]
    values = {
        "form": form,
        "kind": kind,
        "label_basis": label_basis,
        "amount_per_serving_mg": amount_per_serving_mg,
        "serving_quantity": serving_quantity,
        "serving_unit": serving_unit,
        "equivalent_quantity": equivalent_quantity,
        "equivalent_unit": equivalent_unit or "",
    }
    with transaction.atomic():
        _lock_person(owner)
        changed = _label_changed(product, values, others)
        touched = entries_touched(product=product) if changed else Touched(0, None, None, 0)
        if touched.count and apply_to not in (ApplyTo.PAST, ApplyTo.FUTURE):
            raise ValidationError({"apply_to": touched_question(touched)})
        for field_name, value in values.items():
            setattr(product, field_name, value)
        product.name, product.brand, product.is_archived = name, brand, is_archived
        label = _fill_product(product, other_forms=others, confirm_large=confirm_large)
        product.full_clean()
        product.save()
        product.other_forms.set(others)
        crossed: list[intake.Flag] = []
        if touched.count and apply_to == ApplyTo.PAST:
            crossed = _correct_entries(product=product, label=label, day_url=day_url)
    return Written(product, crossed)


def touched_question(touched: Touched) -> str:
    days = "day" if touched.days == 1 else "days"
    entries = "entry" if touched.count == 1 else "entries"
    span = (
        f"on {touched.first_day:%d %b %Y}"
        if touched.first_day == touched.last_day
        else f"from {touched.first_day:%d %b %Y} to {touched.last_day:%d %b %Y}"
    )
    return (
        f"This product has {touched.count} {entries} on {touched.days} {days} ({span}). "
        "Choose whether the change corrects them too (a typing mistake) or applies only from "
        "now on (a new formula)."
    )


def _correct_entries(
    *, product: SupplementProduct, label: intake.Label, day_url: str
) -> list[intake.Flag]:
    """Recompute every entry of the product from its corrected label, in this transaction.

    Each entry keeps the dose it was logged with (2 tablets stay 2 tablets); one whose unit
    the corrected label no longer has keeps its servings instead. Returns the flags that
    today newly carries (for the message); recent days are e-mailed at most once per flag.
    """
    owner = product.owner
    today = person_today(owner)
    entries = list(IntakeEntry.objects.filter(product=product).order_by("id"))
    # Only recent days can still be e-mailed about (older ones are history, not news).
    recent = sorted({e.day for e in entries if e.day >= today - timedelta(days=1)} | {today})
    before = {day: selectors.day_flags(user=owner, day=day) for day in recent}
    snapshot = label_snapshot(product, label)
    units = label.dose_units()
    for entry in entries:
        if entry.dose_quantity is None or entry.dose_unit not in units:
            entry.dose_quantity, entry.dose_unit = entry.servings, intake.SERVING
        entry.servings = intake.stored_mg(label.servings(entry.dose_quantity, entry.dose_unit))
        entry.elemental_mg = label.elemental_for(entry.dose_quantity, entry.dose_unit)
        entry.kind, entry.label = product.kind, snapshot
    IntakeEntry.objects.bulk_update(
        entries,
        ["dose_quantity", "dose_unit", "servings", "elemental_mg", "kind", "label"],
        batch_size=500,
    )
    crossed_today: list[intake.Flag] = []
    for day in recent:
        crossed = warnings.newly_crossed(before[day], selectors.day_flags(user=owner, day=day))
        if crossed:
            warnings.email_once(owner=owner, day=day, flags=crossed, day_url=day_url)
        if day == today:
            crossed_today = crossed
    return crossed_today


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
        entries = list(IntakeEntry.objects.filter(food=food))
        for entry in entries:
            if entry.grams is None:
                # Imported entries may give servings without grams: they follow the serving.
                entry.grams = entry.servings * food.serving_grams
            entry.elemental_mg = intake.stored_mg(
                intake.elemental_from_food_grams(entry.grams, food.mg_per_100g)
            )
        IntakeEntry.objects.bulk_update(entries, ["grams", "elemental_mg"], batch_size=500)
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
    _check_amount(quantity, name="quantity", maximum=MAX_DOSE_QUANTITY, unit="at once")
    servings = label.servings(quantity, unit)
    if servings > MAX_SERVINGS:
        raise ValidationError(
            {"quantity": f"That is more than {MAX_SERVINGS:f} servings in one entry."}
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
        _check_amount(servings, name="servings", maximum=MAX_SERVINGS, unit="servings")
        grams = servings * food.serving_grams  # exact: what one serving weighs, times servings
    _check_amount(grams, name="grams", maximum=MAX_GRAMS, unit="g")
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
    day: date,
    servings: Decimal | None = None,
    quantity: Decimal | None = None,
    unit: str = intake.SERVING,
    confirm_large: bool = False,
    time: dt.time | None = None,
    note: str = "",
    day_url: str = "",
) -> Written[IntakeEntry]:
    """Log a dose of one of the person's products, in the label's unit or in servings.

    ``servings=2`` is short for ``quantity=2, unit="serving"``.
    """
    quantity, unit = _dose(servings=servings, quantity=quantity, unit=unit)
    fields = _supplement_fields(
        owner=owner, product=product, quantity=quantity, unit=unit, confirm_large=confirm_large
    )
    return _save_entry(
        owner=owner, entry=None, fields=fields, day=day, time=time, note=note, day_url=day_url
    )


def _dose(*, servings: Decimal | None, quantity: Decimal | None, unit: str) -> tuple[Decimal, str]:
    if servings is not None:
        return Decimal(servings), intake.SERVING
    if quantity is None:
        raise ValidationError({"quantity": "Enter how much you took."})
    return Decimal(quantity), unit


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
    day: date,
    servings: Decimal | None = None,
    quantity: Decimal | None = None,
    unit: str = intake.SERVING,
    confirm_large: bool = False,
    time: dt.time | None = None,
    note: str = "",
    day_url: str = "",
) -> Written[IntakeEntry]:
    quantity, unit = _dose(servings=servings, quantity=quantity, unit=unit)
    fields = _supplement_fields(
        owner=entry.owner,
        product=product,
        quantity=quantity,
        unit=unit,
        confirm_large=confirm_large,
    )
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

    Same products and doses, at each product's current figure and the current time; products
    archived since are skipped (archiving means "I no longer take this").
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
        now = _local_now(owner)
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
