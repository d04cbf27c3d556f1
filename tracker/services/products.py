"""Products: a person's supplements and medications, recorded as their labels are printed.

The label arithmetic itself is pure (tracker.intake.Label); here it meets the database: a
product's exact figure is computed and checked before it is saved, and an edit of its figures
asks whether the entries already logged are corrected too (see ``update_product``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min

from accounts.models import User
from tracker import intake, limits, selectors
from tracker.days import person_today
from tracker.models import IntakeEntry, MagnesiumForm, SupplementProduct
from tracker.services.writes import Written, check_amount, newly_crossed, person_write


class LabelFigures(TypedDict):
    """A label's figures as printed: as a product stores them, or the product form has them
    typed before anything is saved."""

    form: MagnesiumForm
    other_forms: Iterable[MagnesiumForm]  # a blend's other forms; read more than once
    label_basis: str
    amount_mg: Decimal
    serving_quantity: Decimal
    serving_unit: str
    equivalent_quantity: Decimal | None
    equivalent_unit: str


def product_label(
    product: SupplementProduct, *, other_forms: Iterable[MagnesiumForm] | None = None
) -> intake.Label:
    """The product's label as the pure rules read it.

    ``other_forms`` for a product not saved yet (its many-to-many cannot be read); otherwise
    the saved blend is read (prefetched where callers list many products).
    """
    if other_forms is None:
        other_forms = product.other_forms.all() if product.pk else ()
    return label_from_figures(**_product_figures(product, other_forms))


def _product_figures(
    product: SupplementProduct, other_forms: Iterable[MagnesiumForm]
) -> LabelFigures:
    """The figures the product stores, with ``other_forms`` as its blend."""
    return {
        "form": product.form,
        "other_forms": other_forms,
        "label_basis": product.label_basis,
        "amount_mg": product.amount_per_serving_mg,
        "serving_quantity": product.serving_quantity,
        "serving_unit": product.serving_unit,
        "equivalent_quantity": product.equivalent_quantity,
        "equivalent_unit": product.equivalent_unit,
    }


def label_from_figures(**figures: Unpack[LabelFigures]) -> intake.Label:
    """The label the figures describe; a blend's other forms may list the main form again,
    which counts once."""
    form = figures["form"]
    fractions = [form.elemental_fraction]
    fractions += [f.elemental_fraction for f in figures["other_forms"] if f.pk != form.pk]
    return intake.Label(
        serving_quantity=figures["serving_quantity"],
        serving_unit=figures["serving_unit"],
        amount_mg=figures["amount_mg"],
        is_elemental=figures["label_basis"] == SupplementProduct.LabelBasis.ELEMENTAL,
        fractions=tuple(fractions),
        equivalent_quantity=figures["equivalent_quantity"],
        equivalent_unit=figures["equivalent_unit"],
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


def label_problems(**figures: Unpack[LabelFigures]) -> dict[str, list[str]]:
    """What makes a label impossible or incomplete, by field (empty when it is fine)."""
    errors: dict[str, list[str]] = {}
    form = figures["form"]
    others = [f for f in figures["other_forms"] if f.pk != form.pk]
    if figures["label_basis"] == SupplementProduct.LabelBasis.COMPOUND and others:
        errors["other_forms"] = [
            "A compound weight is the weight of one compound. For a blend, enter the label's "
            "elemental figure ('Magnesium ... mg') instead."
        ]
    equivalent_quantity = figures["equivalent_quantity"]
    equivalent_unit = figures["equivalent_unit"]
    if (equivalent_quantity is None) != (not equivalent_unit):
        errors["equivalent_quantity"] = [
            "Enter both the amount and its unit (for example 4 g), or neither."
        ]
    elif equivalent_unit and equivalent_unit == figures["serving_unit"]:
        errors["equivalent_unit"] = ["The serving is already measured in that unit."]
    if errors:
        return errors
    impossible = label_from_figures(**figures).impossible()
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
    check_amount(
        product.amount_per_serving_mg,
        name="amount_per_serving_mg",
        maximum=limits.MAX_LABEL_MG,
        unit="mg",
    )
    figures = _product_figures(product, other_forms)
    errors = label_problems(**figures)
    if errors:
        raise ValidationError(errors)
    label = label_from_figures(**figures)
    product.elemental_mg_per_serving = label.elemental_per_serving
    if label.elemental_per_serving > intake.LARGE_DOSE_MG and not confirm_large:
        raise ValidationError(
            {"confirm_large": large_dose_error(label.elemental_per_serving, what="One serving")}
        )
    return label


def _save_product(
    product: SupplementProduct, *, others: list[MagnesiumForm], confirm_large: bool
) -> intake.Label:
    """Check the label, set its elemental figure and save the product with its other forms."""
    label = _fill_product(product, other_forms=others, confirm_large=confirm_large)
    product.full_clean()
    product.save()
    product.other_forms.set(others)
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
) -> Written[SupplementProduct]:
    others = [f for f in other_forms if f.pk != form.pk]
    with person_write(owner):
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
        _save_product(product, others=others, confirm_large=confirm_large)
    return Written(product)


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
    with person_write(owner):
        changed = _label_changed(product, values, others)
        touched = entries_touched(product=product) if changed else Touched(0, None, None, 0)
        if touched.count and apply_to not in (ApplyTo.PAST, ApplyTo.FUTURE):
            raise ValidationError({"apply_to": touched_question(touched)})
        for field_name, value in values.items():
            setattr(product, field_name, value)
        product.name, product.brand, product.is_archived = name, brand, is_archived
        label = _save_product(product, others=others, confirm_large=confirm_large)
        crossed: list[intake.Flag] = []
        if touched.count and apply_to == ApplyTo.PAST:
            crossed = _correct_entries(product=product, label=label)
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


def _correct_entries(*, product: SupplementProduct, label: intake.Label) -> list[intake.Flag]:
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
    crossed = {day: newly_crossed(owner=owner, day=day, before=before[day]) for day in recent}
    return crossed[today]


def remove_product(*, product: SupplementProduct) -> Written[bool]:
    """Delete a product, or archive it when entries use it so history is never lost.

    ``obj`` is True when the product was archived.
    """
    with person_write(product.owner_id):
        if product.entries.exists():
            product.is_archived = True
            product.save(update_fields=["is_archived"])
            return Written(True)
        product.delete()
        return Written(False)
