"""What every write shares: its return shape, the day and amount checks, and the one helper
that locks the person, marks their pages stale and reports the flags a write newly crossed.

Why the lock: two simultaneous entries could each read the day below a threshold, and then
neither would report crossing it (nor e-mail it). ``person_write`` raises the person's data
version with ``UPDATE ... SET data_version = data_version + 1`` (tracker.page_cache) as its
first statement; that UPDATE holds the person's row until the transaction ends (PostgreSQL;
SQLite locks the whole database), so one person's writes run one after the other, and the
same statement makes their cached pages stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from tracker import flag_alerts, intake, limits, page_cache, selectors
from tracker.days import person_today
from tracker.models import IntakeEntry, SymptomEntry

T = TypeVar("T")


@dataclass(frozen=True)
class Written(Generic[T]):
    """What every write returns: the object it produced (or removed, or None) and the flags
    its day newly crossed (empty for writes that can only lower a day's figures)."""

    obj: T
    crossed: list[intake.Flag] = field(default_factory=list)


@dataclass
class Crossing:
    """Filled in by ``person_write`` when its block ends: the flags the day newly carries."""

    flags: list[intake.Flag] = field(default_factory=list)


@contextmanager
def person_write(
    owner: User | int, *, day: date | None = None, day_only: bool = False
) -> Iterator[Crossing]:
    """One atomic write for one person: lock them, mark their pages stale and, for a ``day``,
    compare its flags before and after, e-mailing (once) any it newly crosses.

    Use: ``with person_write(owner, day=day) as crossing: ...; return Written(x,
    crossing.flags)``. Without ``day`` (deleting, archiving) nothing can be crossed.
    ``day_only``: the write only adds to or changes a day's entries or symptoms, so the
    dashboard's parts kept under the setup version stay valid (page_cache.mark_changed).
    """
    with transaction.atomic():
        page_cache.mark_changed(owner, day_only=day_only)  # the lock: see the docstring
        crossing = Crossing()
        before = selectors.day_flags(user=owner, day=day) if day is not None else []
        yield crossing
        if day is not None:
            crossing.flags = newly_crossed(owner=owner, day=day, before=before)


def newly_crossed(*, owner: User, day: date, before: list[intake.Flag]) -> list[intake.Flag]:
    """The flags ``day`` carries now and did not before; each is e-mailed at most once."""
    crossed = flag_alerts.newly_crossed(before, selectors.day_flags(user=owner, day=day))
    if crossed:
        flag_alerts.email_once(owner=owner, day=day, flags=crossed, day_url=day_link(day))
    return crossed


def day_link(day: date) -> str:
    """The day page's full address, for e-mails (sent outside any request)."""
    return settings.SITE_URL.rstrip("/") + reverse("day", kwargs={"day": day.isoformat()})


# --- Checks shared by the forms, the importer and the services --------------------------------


def day_errors(*, user: User, day: date) -> list[str]:
    """Why a day cannot hold an entry (empty when it can)."""
    if day < limits.EARLIEST_DAY:
        return [f"Enter a day in {limits.EARLIEST_DAY.year} or later."]
    if day > person_today(user) + timedelta(days=limits.DAYS_AHEAD_ALLOWED):
        return ["That day is more than a day ahead of today; log it on the day itself."]
    if user.date_of_birth and day < user.date_of_birth:
        return ["That day is before your date of birth."]
    return []


def check_day(*, user: User, day: date) -> None:
    errors = day_errors(user=user, day=day)
    if errors:
        raise ValidationError({"day": errors})


def check_amount(value: Decimal, *, name: str, maximum: Decimal, unit: str) -> None:
    if not value.is_finite() or value <= 0:
        raise ValidationError({name: "Enter an amount above 0."})
    if value > maximum:
        raise ValidationError({name: f"Enter at most {maximum:f} {unit} in one entry."})


def check_room(owner: User, day: date, adding: int = 1) -> None:
    """Refuse entries that would put ``day`` over limits.MAX_ENTRIES_PER_DAY."""
    existing = IntakeEntry.objects.filter(owner=owner, day=day).count()
    if existing + adding > limits.MAX_ENTRIES_PER_DAY:
        raise ValidationError({"day": limits.day_full_message(day, existing)})


def check_symptom_room(owner: User, day: date, adding: int = 1) -> None:
    existing = SymptomEntry.objects.filter(owner=owner, day=day).count()
    if existing + adding > limits.MAX_SYMPTOMS_PER_DAY:
        raise ValidationError({"day": limits.day_full_message(day, existing, what="symptoms")})
