"""Writes that carry rules, by area: products, own foods, entries and symptoms.

Every function is keyword-only and typed, validates with ``full_clean()`` inside one
transaction that locks the person (``writes.person_write``), computes elemental magnesium on
the server (no figure a request sends is ever stored as a total) and returns ``Written``: the
object and the flags its day newly crossed, so a view can say so on the next page.
"""

from tracker.days import person_today
from tracker.services.checkins import save_checkin, set_followed
from tracker.services.entries import (
    delete_entry,
    log_food,
    log_supplement,
    repeat_yesterdays_supplements,
    update_food_entry,
    update_supplement_entry,
)
from tracker.services.foods import create_own_food, delete_own_food, update_own_food
from tracker.services.products import (
    ApplyTo,
    LabelFigures,
    Touched,
    chemistry_note,
    create_product,
    entries_touched,
    label_from_figures,
    label_problems,
    label_snapshot,
    large_dose_error,
    product_label,
    remove_product,
    touched_question,
    update_product,
)
from tracker.services.symptoms import delete_symptom, log_symptom, update_symptom
from tracker.services.writes import Written, day_errors, person_write

__all__ = [
    "ApplyTo",
    "LabelFigures",
    "Touched",
    "Written",
    "chemistry_note",
    "create_own_food",
    "create_product",
    "day_errors",
    "delete_entry",
    "delete_own_food",
    "delete_symptom",
    "entries_touched",
    "label_from_figures",
    "label_problems",
    "label_snapshot",
    "large_dose_error",
    "log_food",
    "log_supplement",
    "log_symptom",
    "person_today",
    "person_write",
    "product_label",
    "remove_product",
    "repeat_yesterdays_supplements",
    "save_checkin",
    "set_followed",
    "touched_question",
    "update_food_entry",
    "update_own_food",
    "update_product",
    "update_supplement_entry",
    "update_symptom",
]
