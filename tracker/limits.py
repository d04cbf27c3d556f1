"""Caps on what one person can store, so that one account cannot make pages (and the page
cache, tracker/page_cache.py) grow without bound.

Two hundred entries (or symptoms) on one day is already far beyond any real day (ten supplements and
thirty foods would be a busy one); a day page with that many rows is still a few hundred
KB.
"""

from __future__ import annotations

from datetime import date

from accounts.models import User

MAX_ENTRIES_PER_DAY = 200
MAX_SYMPTOMS_PER_DAY = 200


def day_full_message(day: date, existing: int = MAX_ENTRIES_PER_DAY) -> str:
    return (
        f"{day:%d %b %Y} already has {existing} entries; one day holds at most "
        f"{MAX_ENTRIES_PER_DAY}. Combine entries (log servings together) instead."
    )


def entries_on(owner: User, day: date) -> int:
    from tracker.models import IntakeEntry

    return IntakeEntry.objects.filter(owner=owner, day=day).count()


def check_room(owner: User, day: date, adding: int = 1) -> str | None:
    """A message when ``adding`` more entries would put ``day`` over the cap, else None."""
    existing = entries_on(owner, day)
    if existing + adding > MAX_ENTRIES_PER_DAY:
        return day_full_message(day, existing)
    return None


def check_symptom_room(owner: User, day: date, adding: int = 1) -> str | None:
    from tracker.models import SymptomEntry

    existing = SymptomEntry.objects.filter(owner=owner, day=day).count()
    if existing + adding > MAX_SYMPTOMS_PER_DAY:
        return (
            f"{day:%d %b %Y} already has {existing} symptoms; one day holds at most "
            f"{MAX_SYMPTOMS_PER_DAY}."
        )
    return None
