"""A person's own foods. Their entries follow a corrected magnesium figure (an own food is
the person's own table row; the grams eaten stay as logged)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from tracker import intake
from tracker.models import Food, IntakeEntry
from tracker.services.writes import Written, person_write


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
) -> Written[Food]:
    with person_write(owner):
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
    return Written(food)


def update_own_food(
    *,
    food: Food,
    name: str,
    mg_per_100g: Decimal,
    serving_desc: str,
    serving_grams: Decimal,
    category: str,
    notes: str = "",
) -> Written[Food]:
    """Save a person's food; entries logged with it follow a corrected mg per 100 g.

    The grams of each entry stay as logged (that is what was eaten).
    """
    if food.owner_id is None:
        raise ValidationError("Reference foods cannot be edited.")
    with person_write(food.owner_id):
        food.name, food.mg_per_100g, food.serving_desc = name, mg_per_100g, serving_desc
        food.serving_grams, food.category, food.notes = serving_grams, category, notes
        _check_own_food_name(food)
        food.full_clean()
        food.save()
        entries = list(IntakeEntry.objects.filter(food=food))
        for entry in entries:
            if entry.grams is None:
                # Imported entries may give servings without grams: they follow the serving.
                entry.grams = entry.servings * food.serving_grams
            entry.elemental_mg = intake.stored_mg(
                intake.elemental_from_food_grams(entry.grams, food.mg_per_100g)
            )
        IntakeEntry.objects.bulk_update(entries, ["grams", "elemental_mg"], batch_size=500)
    return Written(food)


def delete_own_food(*, food: Food) -> Written[bool]:
    """Delete a person's food unless entries use it. ``obj`` is True when deleted."""
    if food.owner_id is None:
        return Written(False)
    with person_write(food.owner_id):
        if food.entries.exists():
            return Written(False)
        food.delete()
        return Written(True)
