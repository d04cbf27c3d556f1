"""The bounds of what one entry, one product, one day and one import may hold: one home for
them, imported by the models, the forms, the services and the importer alike, so that a form,
an import and a direct service call refuse the same things with the same words.

Each bound is a guard against typing slips and against one account growing pages (and the
page cache, tracker/page_cache.py) without limit; none is a health threshold (those live in
tracker/intake.py with their sources).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

ZERO = Decimal("0")

# --- Days -----------------------------------------------------------------------------------

EARLIEST_DAY = date(1900, 1, 1)
"""Nothing is logged before 1900 (nor is anyone born before it, accounts.models)."""

DAYS_AHEAD_ALLOWED = 1
"""Tomorrow is allowed (someone filling in their pill box the night before); later is not."""

# --- One entry ------------------------------------------------------------------------------

MAX_SERVINGS = Decimal("100")
"""More than 100 capsules, scoops or servings in one entry is a typing slip, not a dose."""

MAX_GRAMS = Decimal("5000")
"""5 kg of one food in one entry: the same guard for foods (the Food model's own limit)."""

MAX_DOSE_QUANTITY = Decimal("10000")
"""The most of a label's unit in one entry (10 kg or 10 L is a typing slip)."""

MAX_ENTRY_MG = Decimal("10000")
"""10 g of elemental magnesium in one entry is surely a typing error (imports refuse it)."""

# --- Products and foods ---------------------------------------------------------------------

MIN_LABEL_MG = Decimal("0.01")
MAX_LABEL_MG = Decimal("10000")
"""The figure one label line can give for one serving."""

MAX_SERVING_QUANTITY = Decimal("1000")
"""A serving of at most 1,000 units, grams or mL (and the same for its weight or volume)."""

MAX_MG_PER_100G = Decimal("2000")
"""No food holds more than 2 g of magnesium per 100 g (pumpkin seeds: about 550 mg)."""

# --- One day --------------------------------------------------------------------------------

MAX_ENTRIES_PER_DAY = 200
"""Ten supplements and thirty foods would be a busy day; two hundred is far beyond any real
one, and a day page with that many rows is still a few hundred KB."""

MAX_SYMPTOMS_PER_DAY = 200

# --- Text -----------------------------------------------------------------------------------

NOTE_MAX = 500
"""A note on an entry or a symptom."""


def day_full_message(day: date, existing: int, *, what: str = "entries") -> str:
    most = MAX_ENTRIES_PER_DAY if what == "entries" else MAX_SYMPTOMS_PER_DAY
    advice = " Combine entries (log servings together) instead." if what == "entries" else ""
    return f"{day:%d %b %Y} already has {existing} {what}; one day holds at most {most}.{advice}"
