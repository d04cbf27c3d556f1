"""What an import will create, shown on the preview, and writing it all or nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from functools import cached_property

from django.db import transaction

from accounts.models import User
from tracker import intake, page_cache
from tracker.models import (
    CheckIn,
    EntryKind,
    FollowedSymptom,
    Food,
    IntakeEntry,
    SupplementProduct,
    SymptomEntry,
    unit_words,
)
from tracker.services import label_snapshot, product_label
from tracker.transfer.formats import Kind

INSERT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class Problem:
    line: int | None  # the file's line, counting the header as line 1
    message: str
    where: str = ""  # for account-file records: "entries #3"

    def __str__(self) -> str:
        place = [f"line {self.line}"] if self.line is not None else []
        if self.where:
            place.append(self.where)
        return (", ".join(place) + ": " if place else "") + self.message


@dataclass
class PlannedEntry:
    """One entry an import will create. The model instance is built only when needed (the
    preview's first rows, and writing): for a long file, most rows are only counted."""

    line: int | None
    owner: User
    day: date
    time: time | None
    kind: str
    item: SupplementProduct | Food  # may be a new, unsaved one
    item_is_new: bool
    servings: Decimal | None
    grams: Decimal | None
    elemental_mg: Decimal
    note: str
    quantity: str  # as the preview shows it
    unit: str

    @property
    def quantity_words(self) -> str:
        """ "15 mL", "2 servings", "28.35 g": the units as the rest of the app writes them."""
        try:
            return unit_words(Decimal(self.quantity), self.unit)
        except (ArithmeticError, ValueError):
            return f"{self.quantity} {self.unit}"

    @cached_property
    def entry(self) -> IntakeEntry:
        entry = IntakeEntry(
            owner=self.owner,
            day=self.day,
            time=self.time,
            kind=self.kind,
            servings=self.servings,
            grams=self.grams,
            elemental_mg=self.elemental_mg,
            note=self.note,
        )
        if isinstance(self.item, SupplementProduct):
            entry.product = self.item
            # An imported dose is in servings; it keeps the label it was computed from.
            entry.dose_quantity, entry.dose_unit = self.servings, intake.SERVING
            entry.label = label_snapshot(self.item, product_label(self.item))
        else:
            entry.food = self.item
        return entry


@dataclass
class PlannedSymptom:
    line: int | None
    symptom: SymptomEntry


@dataclass
class PlannedFollow:
    """A symptom the file's account followed. ``already``: the account follows it too (it
    is kept, not added twice)."""

    line: int | None
    symptom: str  # a CheckInSymptom value
    already: bool = False


@dataclass
class PlannedCheckIn:
    """One daily check-in of the file. ``already``: the account has a check-in for that day
    and symptom, whose own score is kept."""

    line: int | None
    day: date
    symptom: str  # a CheckInSymptom value
    score: int
    already: bool = False


def followed_codes(owner: User) -> set[str]:
    return set(FollowedSymptom.objects.filter(owner=owner).values_list("symptom", flat=True))


def checkin_keys(owner: User, days: Iterable[date]) -> set[tuple[date, str]]:
    """(day, symptom) of the account's check-ins between the first and last of ``days``: one
    query, at most one row per followed symptom and day."""
    days = list(days)
    if not days:
        return set()
    return set(
        CheckIn.objects.filter(owner=owner, day__range=(min(days), max(days))).values_list(
            "day", "symptom"
        )
    )


@dataclass
class ImportPlan:
    kind: str
    problems: list[Problem] = field(default_factory=list)
    new_products: list[SupplementProduct] = field(default_factory=list)
    new_foods: list[Food] = field(default_factory=list)
    entries: list[PlannedEntry] = field(default_factory=list)
    symptoms: list[PlannedSymptom] = field(default_factory=list)
    followed: list[PlannedFollow] = field(default_factory=list)
    checkins: list[PlannedCheckIn] = field(default_factory=list)
    profile: dict | None = None  # checked profile values from an account file

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def is_empty(self) -> bool:
        return not (
            self.entries
            or self.symptoms
            or self.new_products
            or self.new_foods
            or self.followed
            or self.checkins
        )

    @property
    def new_followed(self) -> int:
        return sum(not p.already for p in self.followed)

    @property
    def followed_there(self) -> int:
        return sum(p.already for p in self.followed)

    @property
    def new_checkins(self) -> int:
        return sum(not p.already for p in self.checkins)

    @property
    def checkins_there(self) -> int:
        return sum(p.already for p in self.checkins)

    @property
    def kind_label(self) -> str:
        return Kind.LABELS[self.kind]

    def add(self, line: int | None, message: str, where: str = "") -> None:
        self.problems.append(Problem(line, message, where))

    def sort(self) -> None:
        """File order: the preview reads like the file, whole-file problems first."""
        self.problems.sort(key=lambda p: (p.line is not None, p.line or 0))
        self.entries.sort(key=lambda p: (p.line is None, p.line or 0))

    def days(self) -> tuple[date, date] | None:
        days = [p.day for p in self.entries] + [p.symptom.day for p in self.symptoms]
        days += [p.day for p in self.checkins]
        return (min(days), max(days)) if days else None

    def day_totals(self) -> list[tuple[date, Decimal, Decimal, int]]:
        """(day, supplemental mg, food mg, entries) of the file, for the preview."""
        totals: dict[date, list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
        for planned in self.entries:
            row = totals[planned.day]
            row[1 if planned.kind == EntryKind.FOOD else 0] += planned.elemental_mg
            row[2] += 1
        return [(day, *totals[day]) for day in sorted(totals)]


@dataclass(frozen=True)
class ImportResult:
    entries: int
    symptoms: int
    products: int
    foods: int
    profile_updated: bool
    followed: int = 0
    checkins: int = 0
    # Already in the account, kept as it was: a followed symptom, a check-in and its score.
    followed_there: int = 0
    checkins_there: int = 0


def apply_plan(plan: ImportPlan, owner: User, *, use_profile: bool = False) -> ImportResult:
    """Write a plan that has no problems: all of it, or (on any error) none of it."""
    if not plan.ok:
        raise ValueError("a plan with problems cannot be imported")
    with transaction.atomic():
        # First: it locks the person, as every write does, and stops at a deleted account.
        page_cache.mark_changed(owner)
        for obj in [*plan.new_foods, *plan.new_products]:
            obj.full_clean()
            obj.save()
        # Entries, symptoms and check-ins skip full_clean(): the readers (tracker.transfer
        # .values, .importer) have checked every field against the model's limits, and per-row
        # model validation would cost a third of a large import's time (the tests full_clean
        # what was stored). bulk_create takes the ids of the products and foods saved above.
        entries = [p.entry for p in plan.entries]
        IntakeEntry.objects.bulk_create(entries, batch_size=INSERT_BATCH_SIZE)
        symptoms = [p.symptom for p in plan.symptoms]
        SymptomEntry.objects.bulk_create(symptoms, batch_size=INSERT_BATCH_SIZE)
        # Read again under the lock: a check-in saved since the preview is the account's own.
        following = followed_codes(owner) if plan.followed else set()
        follows = [
            FollowedSymptom(owner=owner, symptom=p.symptom)
            for p in plan.followed
            if p.symptom not in following
        ]
        FollowedSymptom.objects.bulk_create(follows, batch_size=INSERT_BATCH_SIZE)
        have = checkin_keys(owner, (p.day for p in plan.checkins))
        checkins = [
            CheckIn(owner=owner, day=p.day, symptom=p.symptom, score=p.score)
            for p in plan.checkins
            if (p.day, p.symptom) not in have
        ]
        CheckIn.objects.bulk_create(checkins, batch_size=INSERT_BATCH_SIZE)
        profile_updated = bool(use_profile and plan.profile)
        if profile_updated:
            # Each value went through its model field's clean() when the file was read.
            for name, value in plan.profile.items():
                setattr(owner, name, value)
            owner.save(update_fields=list(plan.profile))
    return ImportResult(
        len(entries),
        len(symptoms),
        len(plan.new_products),
        len(plan.new_foods),
        profile_updated,
        followed=len(follows),
        checkins=len(checkins),
        followed_there=len(plan.followed) - len(follows),
        checkins_there=len(plan.checkins) - len(checkins),
    )
