"""Turning checked rows into planned entries: products and foods matched by name or created.

Everything an import matches against is loaded once (the person's products, the reference
and own foods, the magnesium forms), so a long file costs a handful of queries. The elemental
mg of every entry is recomputed from its product or food; the file's own figure is kept only
when that arithmetic agrees with it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from accounts.models import User
from tracker import intake, services
from tracker.limits import (
    MAX_ENTRY_MG,
    MAX_GRAMS,
    MAX_LABEL_MG,
    MAX_MG_PER_100G,
    MIN_LABEL_MG,
)
from tracker.models import (
    CheckIn,
    CheckInSymptom,
    EntryKind,
    Food,
    MagnesiumForm,
    SupplementProduct,
    SymptomEntry,
)
from tracker.text import control_character
from tracker.transfer.formats import plain_number
from tracker.transfer.plan import (
    ImportPlan,
    PlannedCheckIn,
    PlannedEntry,
    PlannedFollow,
    PlannedSymptom,
    checkin_keys,
    followed_codes,
)
from tracker.transfer.values import (
    CENTS,
    Errors,
    RowError,
    agrees,
    as_text,
    read_choice,
    read_day,
    read_severity,
    read_text,
    short,
)

# Imported amounts have the same bounds as typed ones (tracker.limits).
PRODUCT_MG_RANGE = (MIN_LABEL_MG, MAX_LABEL_MG)
UNKNOWN_SERVING_GRAMS = Decimal("100")


@dataclass(frozen=True)
class EntryRow:
    """One entry of a file, read and checked, before its product or food is known."""

    line: int | None
    day: date
    at: time | None
    kind: str  # an EntryKind value
    item: str
    quantity: Decimal  # servings; grams for a food row in g
    unit: str  # a supplement's serving unit or "serving"; a food's "g" or "serving"
    given_mg: Decimal | None
    note: str
    form_name: str = ""
    serving_grams: Decimal | None = None  # a food serving's weight, when the file gives it
    where: str = ""

    @property
    def is_food(self) -> bool:
        return self.kind == EntryKind.FOOD

    @property
    def grams(self) -> Decimal | None:
        return self.quantity if self.is_food and self.unit == "g" else None

    @property
    def servings(self) -> Decimal | None:
        return None if self.grams is not None else self.quantity


class Importer:
    def __init__(self, owner: User, kind: str, today: date):
        self.owner = owner
        self.today = today
        self.plan = ImportPlan(kind)
        self.products: dict[str, list[SupplementProduct]] = defaultdict(list)
        for product in SupplementProduct.objects.filter(owner=owner).select_related("form"):
            self.products[product.name.casefold()].append(product)
        self.foods: dict[str, list[Food]] = defaultdict(list)
        foods = Food.objects.filter(Q(owner=owner) | Q(owner__isnull=True))
        # A person's own food comes before a reference food of the same name.
        for food in sorted(foods, key=lambda f: (f.owner_id is None, f.pk)):
            self.foods[food.name.casefold()].append(food)
        forms = list(MagnesiumForm.objects.all())
        self.forms = {f.name.casefold(): f for f in forms}
        short_names = defaultdict(list)
        for form in forms:
            if form.short_name:
                short_names[form.short_name.casefold()].append(form)
        for name, matches in short_names.items():
            if len(matches) == 1:  # a short name two forms share names neither
                self.forms.setdefault(name, matches[0])
        self.new: set[int] = set()  # id() of the products and foods this import creates
        self.spelling: dict[str, str] = {}
        self.checkin_at: dict[tuple[date, str], str] = {}  # where the file gives each check-in

    def is_new(self, obj) -> bool:
        return id(obj) in self.new

    def add_new_product(self, product: SupplementProduct) -> None:
        self.products[product.name.casefold()].append(product)
        self.plan.new_products.append(product)
        self.new.add(id(product))

    def add_new_food(self, food: Food) -> None:
        self.foods[food.name.casefold()].insert(0, food)
        self.plan.new_foods.append(food)
        self.new.add(id(food))

    def problem(self, row: EntryRow, error: RowError) -> None:
        self.plan.add(row.line, str(error), row.where)

    def check_day(self, day: date) -> None:
        """The forms' own rule for a day (tracker.services.day_errors): not before 1900, not
        more than a day ahead, not before the date of birth."""
        errors = services.day_errors(user=self.owner, day=day)
        if errors:
            raise RowError(f"date {day.isoformat()}: " + " ".join(errors))
        # The file's own profile may bring a date of birth (if the person chooses to use it).
        born = (self.plan.profile or {}).get("date_of_birth")
        if born and day < born:
            raise RowError(
                f"date {day.isoformat()} is before the date of birth in the file's profile"
            )

    # Entries ------------------------------------------------------------------------------

    def add_rows(self, rows: list[EntryRow]) -> None:
        """Plan an entry for each row. Rows naming something the account has are matched
        first; the products and foods it lacks are then created from the rows with the
        largest amounts, whose per-serving figures carry the least rounding."""
        waiting = []
        for row in rows:
            try:
                item = self._existing_item(row)
                if item is None:
                    waiting.append(row)
                else:
                    self.add_entry(row, item)
            except RowError as error:
                self.problem(row, error)
        for row in waiting:  # a created item is spelt as the file first spells it
            self.spelling.setdefault(row.item.casefold(), row.item)
        for row in sorted(waiting, key=self._size, reverse=True):
            try:
                self.add_entry(row, self._new_item(row))
            except RowError as error:
                self.problem(row, error)

    @staticmethod
    def _size(row: EntryRow) -> Decimal:
        if row.grams is not None:
            return row.grams / 100
        return row.quantity * (row.serving_grams or 1)

    def _expected(self, row: EntryRow, item) -> tuple[Decimal, Decimal, str]:
        """(elemental mg, units for the tolerance, how) of the row's amount of ``item``."""
        if isinstance(item, SupplementProduct):
            mg = intake.elemental_from_servings(item.elemental_mg_per_serving, row.quantity)
            how = (
                f"{plain_number(row.quantity)} × {plain_number(item.elemental_mg_per_serving)} mg "
                f"of “{short(item.name)}”"
            )
            return mg, row.quantity, how
        if row.grams is not None:
            grams, units = row.grams, row.grams / 100
        else:
            grams, units = row.quantity * item.serving_grams, row.quantity
        mg = intake.elemental_from_food_grams(grams, item.mg_per_100g)
        how = (
            f"{plain_number(grams)} g of “{short(item.name)}” "
            f"({plain_number(item.mg_per_100g)} mg per 100 g)"
        )
        return mg, units, how

    def _fits(self, row: EntryRow, item) -> bool:
        if row.given_mg is None:
            return True
        mg, units, _ = self._expected(row, item)
        return agrees(row.given_mg, mg, units)

    def _existing_item(self, row: EntryRow):
        """What the account already has for the row, or None when it must be created.

        Several products may share a name (brands, strengths): the one whose per-serving
        amount explains the row is taken. One that does not, of the person's own, is still
        returned, and add_entry reports the mismatch. A reference food that does not
        explain the row is a different food: the person's own version will be created.
        """
        name = row.item.casefold()
        if row.is_food:
            candidates = [f for f in self.foods.get(name, []) if not self.is_new(f)]
            for food in candidates:
                if self._fits(row, food):
                    return food
            own = [f for f in candidates if f.owner_id]
            return own[0] if own else None
        candidates = [p for p in self.products.get(name, []) if not self.is_new(p)]
        same_kind = [p for p in candidates if p.kind == row.kind]
        for product in same_kind:
            if self._fits(row, product):
                return product
        if same_kind:
            return same_kind[0]
        if candidates:
            raise RowError(
                f"“{short(row.item)}” is a {candidates[0].get_kind_display().lower()} in your "
                f"account, but the row says {row.kind}"
            )
        return None

    def _new_item(self, row: EntryRow):
        """A product or food this import creates for the row (or already created for an
        earlier one of the same name and strength)."""
        name = row.item.casefold()
        what = "food" if row.is_food else "product"
        if row.given_mg is None:
            raise RowError(
                f"there is no {what} “{short(row.item)}” in your account; to create it the row "
                "needs its elemental_mg"
            )
        if row.is_food:
            created = [f for f in self.foods.get(name, []) if self.is_new(f)]
            # One own food per name: a row it does not explain is reported by add_entry.
            return created[0] if created else self._create_food(row)
        for product in self.products.get(name, []):
            if self.is_new(product) and product.kind == row.kind and self._fits(row, product):
                return product
        # A file whose rows need two strengths of one name came from an account with both.
        return self._create_product(row)

    def _create_product(self, row: EntryRow) -> SupplementProduct:
        form = self.forms.get(row.form_name.strip().casefold()) if row.form_name.strip() else None
        if form is None:
            raise RowError(
                f"there is no product “{short(row.item)}” in your account, and to create it "
                "the form column must name a magnesium form of the forms list "
                f"(“{short(row.form_name)}” is not one)"
            )
        if len(row.item) > SupplementProduct._meta.get_field("name").max_length:
            raise RowError("item is too long for a product name (120 characters at most)")
        per_serving = (row.given_mg / row.quantity).quantize(CENTS, rounding=ROUND_HALF_UP)
        low, high = PRODUCT_MG_RANGE
        if not low <= per_serving <= high:
            raise RowError(
                f"a new product needs between {low} and {high} mg per serving; "
                f"{plain_number(row.given_mg)} mg in {plain_number(row.quantity)} servings "
                f"is {plain_number(per_serving)}"
            )
        units = {u.value for u in SupplementProduct.ServingUnit}
        product = SupplementProduct(
            owner=self.owner,
            name=self.spelling.get(row.item.casefold(), row.item),
            form=form,
            kind=row.kind,
            label_basis=SupplementProduct.LabelBasis.ELEMENTAL,
            amount_per_serving_mg=per_serving,
            serving_unit=row.unit if row.unit in units else SupplementProduct.ServingUnit.CAPSULE,
            elemental_mg_per_serving=per_serving,
        )
        self.add_new_product(product)
        return product

    def _create_food(self, row: EntryRow) -> Food:
        if len(row.item) > Food._meta.get_field("name").max_length:
            raise RowError("item is too long for a food name (200 characters at most)")
        # Work the magnesium per 100 g out of the row. A serving of unknown weight is
        # recorded as 100 g, which keeps the row's arithmetic right.
        serving_grams = row.serving_grams or UNKNOWN_SERVING_GRAMS
        grams = row.grams if row.grams is not None else row.quantity * serving_grams
        per_100g = (row.given_mg * 100 / grams).quantize(CENTS, rounding=ROUND_HALF_UP)
        if per_100g > MAX_MG_PER_100G:
            raise RowError(
                f"{plain_number(row.given_mg)} mg in {plain_number(grams)} g would be "
                f"{plain_number(per_100g)} mg per 100 g, more than any food holds"
            )
        known = row.serving_grams is not None
        food = Food(
            owner=self.owner,
            name=self.spelling.get(row.item.casefold(), row.item),
            category=Food.Category.OTHER,
            mg_per_100g=per_100g,
            serving_desc=f"{plain_number(serving_grams)} g" if known else "1 serving",
            serving_grams=serving_grams,
            source=f"Imported on {self.today.isoformat()}",
            notes="Created by an import; magnesium per 100 g worked out from the imported "
            "entries." + ("" if known else " The serving's weight was not given."),
        )
        self.add_new_food(food)
        return food

    def add_entry(self, row: EntryRow, item) -> None:
        """Plan the entry, storing the file's mg when the server's arithmetic agrees with
        it (a round trip keeps every cent), else reporting both numbers."""
        self.check_day(row.day)
        expected, units, how = self._expected(row, item)
        expected = intake.stored_mg(expected)  # exact, as the forms store it
        if expected > MAX_ENTRY_MG:
            raise RowError(f"{how} gives {plain_number(expected)} mg, surely a typing error")
        mg = expected
        if row.given_mg is not None:
            if not agrees(row.given_mg, expected, units):
                raise RowError(
                    f"elemental_mg {plain_number(row.given_mg)} does not match the "
                    f"{plain_number(expected)} mg that {how} gives"
                )
            mg = row.given_mg
        is_product = isinstance(item, SupplementProduct)
        grams = None if is_product else row.grams
        if not is_product and row.servings is not None:
            # As the app logs a food by servings: the grams they weigh are stored too.
            grams = row.servings * item.serving_grams  # exact, as the forms store it
            if grams > MAX_GRAMS:
                raise RowError(f"{how} is more than {plain_number(MAX_GRAMS)} g in one entry")
        self.plan.entries.append(
            PlannedEntry(
                line=row.line,
                owner=self.owner,
                day=row.day,
                time=row.at,
                kind=item.kind if is_product else EntryKind.FOOD,
                item=item,
                item_is_new=self.is_new(item),
                servings=row.quantity if is_product else row.servings,
                grams=grams,
                elemental_mg=mg,
                note=row.note,
                quantity=plain_number(row.quantity),
                unit=item.serving_unit
                if is_product
                else ("g" if row.grams is not None else "serving"),
            )
        )

    # Symptoms -----------------------------------------------------------------------------

    def symptom_row(self, line: int | None, row: dict, where: str = "") -> None:
        errors = Errors()
        day = errors.take(read_day, as_text(row.get("date")), self.today)
        symptom = errors.take(
            read_choice, row.get("symptom"), SymptomEntry.Symptom.choices, "symptom"
        )
        severity = errors.take(read_severity, row.get("severity"))
        note = errors.take(read_text, row.get("note") or "", "note", 500)
        if day is not None:
            errors.take(self.check_day, day)
        if errors or None in (day, symptom, severity, note):
            self.plan.add(line, "; ".join(errors) or "the row cannot be read", where)
            return
        self.plan.symptoms.append(
            PlannedSymptom(
                line,
                SymptomEntry(
                    owner=self.owner, day=day, symptom=symptom, severity=severity, note=note
                ),
            )
        )

    # Followed symptoms and daily check-ins (account files) ---------------------------------

    def followed_row(self, line: int | None, row: dict, where: str = "") -> None:
        try:
            code = read_checkin_symptom(row.get("symptom"))
        except RowError as error:
            self.plan.add(line, str(error), where)
            return
        # Following twice is following once, as on the check-in settings page.
        if all(p.symptom != code for p in self.plan.followed):
            self.plan.followed.append(PlannedFollow(line, code))

    def checkin_row(self, line: int | None, row: dict, where: str = "") -> None:
        """A check-in checked as the check-in form checks it: a symptom of the check-in list,
        a score from 0 to 4, a day the person can log on (``check_day``)."""
        errors = Errors()
        day = errors.take(read_plain_day, row.get("date"), self.today)
        symptom = errors.take(read_checkin_symptom, row.get("symptom"))
        score = errors.take(read_score, row.get("score"))
        if day is not None:
            errors.take(self.check_day, day)
        first = self.checkin_at.get((day, symptom))
        if first is not None:
            errors.append(
                f"the file already has a check-in of {symptom} on {day.isoformat()} ({first})"
            )
        if errors or None in (day, symptom, score):
            self.plan.add(line, "; ".join(errors) or "the record cannot be read", where)
            return
        self.checkin_at[(day, symptom)] = ", ".join(
            [*([f"line {line}"] if line is not None else []), *([where] if where else [])]
        )
        self.plan.checkins.append(PlannedCheckIn(line, day, symptom, score))

    def mark_existing_checkins(self) -> None:
        """Mark what the account already has (kept as it is): two queries."""
        if self.plan.followed:
            following = followed_codes(self.owner)
            for planned in self.plan.followed:
                planned.already = planned.symptom in following
        if self.plan.checkins:
            have = checkin_keys(self.owner, (p.day for p in self.plan.checkins))
            for planned in self.plan.checkins:
                planned.already = (planned.day, planned.symptom) in have


# The longest symptom a check-in record can name (a code or a label, read_choice takes both).
LONGEST_CHECKIN_SYMPTOM = max(len(str(text)) for pair in CheckInSymptom.choices for text in pair)


def _no_control(value: object, column: str) -> None:
    """Text with a control or bidi character is refused without being quoted back."""
    bad = control_character(value) if isinstance(value, str) else None
    if bad:
        raise RowError(f"{column} holds a control character ({bad})")


def read_plain_day(value: object, today: date) -> date:
    _no_control(value, "date")
    return read_day(as_text(value), today)


def read_checkin_symptom(value: object) -> str:
    """A CheckInSymptom value, given by its code (as the export writes it) or its label."""
    if not isinstance(value, str):
        raise RowError("symptom is missing or not text")
    _no_control(value, "symptom")
    if len(value.strip()) > LONGEST_CHECKIN_SYMPTOM:
        raise RowError(
            f"symptom is {len(value)} characters long; no check-in symptom is longer than "
            f"{LONGEST_CHECKIN_SYMPTOM}"
        )
    return read_choice(value, CheckInSymptom.choices, "symptom")


def read_score(value: object) -> int:
    """A whole number from 0 to 4 (CheckIn.SCORE_MAX), as a JSON number or as text."""
    rule = f"must be a whole number from 0 to {CheckIn.SCORE_MAX}"
    if value is None:
        raise RowError(f"score is missing; it {rule}")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(f"score {rule}")
    _no_control(value, "score")
    text = str(value).strip()
    if not re.fullmatch(f"[0-{CheckIn.SCORE_MAX}]", text):
        raise RowError(f"score “{short(text)}” {rule}")
    return int(text)
