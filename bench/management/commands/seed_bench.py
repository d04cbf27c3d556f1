"""Fast, realistic benchmark data: people with products, own foods, entries and symptoms.

Each person gets three products (a compound-weight supplement, an elemental-label supplement
and a magnesium antacid), one private food, and for every day: one or two product entries and
the rest foods, at plausible times, plus a symptom on about one day in ten. Every entry's
elemental mg is computed with the app's own rules (tracker.intake), so totals and flags on the
pages are the ones a real person would see.

Rows are written day by day and, within a day, by time of day across all the people of a run,
as a real server accumulates them: a person's history is spread over the table, not stored in
one contiguous block, so index and buffer figures (EXPLAIN) are not flattered.

Speed: people and products go in with ``bulk_create``; entries and symptoms, the bulk of the
rows, are streamed with PostgreSQL ``COPY`` (several times faster than INSERTs), or with
batched ``bulk_create`` on SQLite (``--method orm`` forces that path everywhere).
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from accounts.models import User
from tracker import intake
from tracker.models import (
    EntryKind,
    Food,
    IntakeEntry,
    MagnesiumForm,
    SupplementKind,
    SupplementProduct,
    SymptomEntry,
)

BATCH = 5000
PEOPLE_PER_TRANSACTION = 500
ROWS_PER_TRANSACTION = 200_000
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - benchmark accounts only
MAX_DAYS = 100 * 366
MAX_ENTRIES_PER_DAY = 100
SYMPTOM_DAY_RATE = 0.1
CENTS = Decimal("0.01")
# Where in the day entries fall: supplements morning and evening, foods at meals and snacks.
SUPPLEMENT_HOURS = (8, 21)
FOOD_HOURS = (7, 10, 12, 13, 16, 18, 19, 20, 22)


def _quantize(value: Decimal) -> Decimal:
    """To the cent, rounding half up as the app's services store it."""
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


class Command(BaseCommand):
    help = (
        "Create benchmark people with D days of history and E entries a day "
        "(COPY on PostgreSQL, bulk_create elsewhere). Log in as <prefix><n> with password "
        f"{BENCH_PASSWORD!r}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=10)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--entries-per-day", type=int, default=10)
        parser.add_argument("--prefix", default="bench", help="username prefix (default bench)")
        parser.add_argument("--end", default=None, help="last day (YYYY-MM-DD), default today")
        parser.add_argument("--seed", type=int, default=1, help="random seed (reproducible data)")
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "orm"],
            default="auto",
            help="auto: COPY on PostgreSQL, bulk_create elsewhere",
        )

    def handle(
        self,
        *args,
        users: int,
        days: int,
        entries_per_day: int,
        prefix: str,
        end: str | None,
        seed: int,
        method: str,
        **options,
    ) -> None:
        if users < 1 or days < 1 or entries_per_day < 1:
            raise CommandError("--users, --days and --entries-per-day must be at least 1")
        if days > MAX_DAYS:
            raise CommandError(f"--days must be at most {MAX_DAYS}")
        if entries_per_day > MAX_ENTRIES_PER_DAY:
            raise CommandError(f"--entries-per-day must be at most {MAX_ENTRIES_PER_DAY}")
        if not prefix or len(prefix) > 100:
            raise CommandError("--prefix must be 1 to 100 characters")
        try:
            last_day = date.fromisoformat(end) if end else date.today()
        except ValueError:
            raise CommandError(f"--end must be a date as YYYY-MM-DD; got {end!r}")
        use_copy = method == "copy" or (method == "auto" and connection.vendor == "postgresql")
        if use_copy and connection.vendor != "postgresql":
            raise CommandError("--method copy needs PostgreSQL")
        forms = list(MagnesiumForm.objects.all())
        foods = list(Food.objects.filter(owner__isnull=True))
        if not forms or not foods:
            raise CommandError("No reference forms or foods: run `manage.py migrate` first.")
        names = [f"{prefix}{n}" for n in range(users)]
        if any(
            User.objects.filter(username__in=names[i : i + 500]).exists()
            for i in range(0, users, 500)
        ):
            raise CommandError(
                f"Some of the users {prefix}0..{prefix}{users - 1} already exist: "
                "pick another --prefix."
            )

        seeder = _Seeder(
            forms=forms,
            foods=foods,
            rng=random.Random(seed),
            first_day=last_day - timedelta(days=days - 1),
            days=days,
            per_day=entries_per_day,
            use_copy=use_copy,
        )
        total_entries = users * days * entries_per_day
        self.stdout.write(
            f"Seeding {users:,} users x {days:,} days x {entries_per_day} entries/day "
            f"= {total_entries:,} entries ({seeder.first_day} to {last_day}), "
            f"{'COPY' if use_copy else 'bulk_create'}"
        )
        password = make_password(BENCH_PASSWORD)
        started = time.perf_counter()
        for start in range(0, users, PEOPLE_PER_TRANSACTION):
            chunk = names[start : start + PEOPLE_PER_TRANSACTION]
            with transaction.atomic():
                seeder.add_people(chunk, password)
        self.stdout.write(
            f"  {users:,} users with their products and foods "
            f"in {time.perf_counter() - started:.1f} s"
        )
        days_per_transaction = max(1, ROWS_PER_TRANSACTION // (users * entries_per_day))
        entries = symptoms = 0
        for first in range(0, days, days_per_transaction):
            last = min(first + days_per_transaction, days)
            with transaction.atomic():
                made_entries, made_symptoms = seeder.write_days(first, last)
            entries += made_entries
            symptoms += made_symptoms
            elapsed = time.perf_counter() - started
            self.stdout.write(
                f"  {last:,}/{days:,} days, {entries:,}/{total_entries:,} entries, "
                f"{entries / elapsed:,.0f} entries/s"
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {users:,} users, {entries:,} entries, {symptoms:,} symptoms "
                f"in {elapsed:.1f} s ({entries / elapsed:,.0f} entries/s)"
            )
        )


class _Seeder:
    def __init__(
        self,
        *,
        forms: list[MagnesiumForm],
        foods: list[Food],
        rng: random.Random,
        first_day: date,
        days: int,
        per_day: int,
        use_copy: bool,
    ) -> None:
        self.forms = forms
        # Antacids and laxatives are oxide or hydroxide when the reference table has them.
        self.medication_forms = [
            f for f in forms if "oxide" in f.name.lower() or "hydroxide" in f.name.lower()
        ] or forms
        self.foods = foods
        self.rng = rng
        self.first_day = first_day
        self.days = days
        self.per_day = per_day
        self.use_copy = use_copy
        # (owner id, its three products, its private food), in creation order.
        self.people: list[tuple[int, list[SupplementProduct], Food]] = []

    # --- people, products and private foods (few rows: bulk_create everywhere) -------------

    def add_people(self, usernames: list[str], password: str) -> None:
        rng = self.rng
        people = []
        for name in usernames:
            n = rng.randrange(10_000)
            people.append(
                User(
                    username=name,
                    email=f"{name}@bench.invalid",
                    password=password,
                    sex=rng.choice([User.Sex.FEMALE, User.Sex.MALE]),
                    date_of_birth=date(1950 + n % 55, 1 + n % 12, 1 + n % 28),
                    timezone="UTC",
                )
            )
        people = User.objects.bulk_create(people)
        if people[0].pk is None:  # backends that do not return ids from bulk inserts
            people = list(User.objects.filter(username__in=usernames).order_by("pk"))
        products = [p for person in people for p in self._products_for(person)]
        SupplementProduct.objects.bulk_create(products)
        if products[0].pk is None:
            products = list(SupplementProduct.objects.filter(owner__in=people).order_by("pk"))
        own_foods = [
            Food(
                owner=person,
                name="Homemade granola",
                category=Food.Category.GRAINS,
                mg_per_100g=Decimal("110"),
                serving_desc="1 bowl (60 g)",
                serving_grams=Decimal("60"),
            )
            for person in people
        ]
        Food.objects.bulk_create(own_foods)
        if own_foods[0].pk is None:
            own_foods = list(Food.objects.filter(owner__in=people).order_by("pk"))
        products_of: dict[int, list[SupplementProduct]] = {}
        for product in products:
            products_of.setdefault(product.owner_id, []).append(product)
        own_food_of = {food.owner_id: food for food in own_foods}
        self.people += [(p.pk, products_of[p.pk], own_food_of[p.pk]) for p in people]

    def _products_for(self, person: User) -> list[SupplementProduct]:
        rng = self.rng
        compound_form = rng.choice(self.forms)
        compound_mg = Decimal(rng.choice([500, 1000, 1500]))
        label_form = rng.choice(self.forms)
        label_mg = Decimal(rng.choice([100, 120, 150, 200]))
        antacid_form = rng.choice(self.medication_forms)
        antacid_mg = Decimal(rng.choice([250, 400, 500]))
        return [
            SupplementProduct(
                owner=person,
                name=f"{compound_form.short_name or compound_form.name[:40]} {compound_mg} mg",
                brand="Bench Labs",
                form=compound_form,
                kind=SupplementKind.SUPPLEMENT,
                label_basis=SupplementProduct.LabelBasis.COMPOUND,
                amount_per_serving_mg=compound_mg,
                serving_unit=SupplementProduct.ServingUnit.CAPSULE,
                elemental_mg_per_serving=_quantize(
                    intake.elemental_per_serving(
                        compound_mg,
                        label_is_elemental=False,
                        elemental_fraction=compound_form.elemental_fraction,
                    )
                ),
            ),
            SupplementProduct(
                owner=person,
                name=f"Magnesium ({label_form.short_name or 'mixed'}) {label_mg} mg",
                form=label_form,
                kind=SupplementKind.SUPPLEMENT,
                label_basis=SupplementProduct.LabelBasis.ELEMENTAL,
                amount_per_serving_mg=label_mg,
                serving_unit=SupplementProduct.ServingUnit.TABLET,
                elemental_mg_per_serving=_quantize(
                    intake.elemental_per_serving(
                        label_mg,
                        label_is_elemental=True,
                        elemental_fraction=label_form.elemental_fraction,
                    )
                ),
            ),
            SupplementProduct(
                owner=person,
                name=f"Antacid {antacid_mg} mg",
                form=antacid_form,
                kind=SupplementKind.MEDICATION,
                label_basis=SupplementProduct.LabelBasis.COMPOUND,
                amount_per_serving_mg=antacid_mg,
                serving_unit=SupplementProduct.ServingUnit.TABLET,
                elemental_mg_per_serving=_quantize(
                    intake.elemental_per_serving(
                        antacid_mg,
                        label_is_elemental=False,
                        elemental_fraction=antacid_form.elemental_fraction,
                    )
                ),
            ),
        ]

    def write_days(self, first: int, last: int) -> tuple[int, int]:
        """Entries and symptoms of days first..last-1 (offsets from first_day), everyone."""
        days = [self.first_day + timedelta(days=d) for d in range(first, last)]
        entries = self._write_entries(row for day in days for row in self._day_rows(day))
        symptoms = self._write_symptoms(
            row
            for day in days
            for owner_id, _, _ in self.people
            for row in self._symptoms(owner_id, day)
        )
        return entries, symptoms

    # --- entries and symptoms (the bulk: COPY on PostgreSQL) --------------------------------

    def _day_rows(self, day: date) -> list[tuple]:
        """Everyone's entries of one day in the order they are logged: by time of day.

        So one person's entries of a day lie among everyone else's, as on a real server,
        rather than side by side in the table.
        """
        rows = [
            row
            for owner_id, products, own_food in self.people
            for row in self._entry_rows(owner_id, products, own_food, day)
        ]
        rows.sort(key=lambda row: row[2])
        return rows

    def _entry_rows(
        self, owner_id: int, products: list[SupplementProduct], own_food: Food, day: date
    ) -> Iterable[tuple]:
        """One day's rows: (owner_id, day, time, kind, product_id, food_id, servings, grams, mg)."""
        rng = self.rng
        compound, labelled, antacid = products
        foods = self.foods
        for i in range(self.per_day):
            minute = rng.randrange(60)
            if i == 0 or (i == 1 and self.per_day > 3):
                if i == 0:
                    product = compound
                else:
                    product = antacid if rng.random() < 0.2 else labelled
                servings = Decimal(rng.choice((1, 1, 1, 2)))
                mg = _quantize(
                    intake.elemental_from_servings(product.elemental_mg_per_serving, servings)
                )
                hour = SUPPLEMENT_HOURS[i]
                yield (
                    owner_id,
                    day,
                    clock(hour, minute),
                    product.kind,
                    product.pk,
                    None,
                    servings,
                    None,
                    mg,
                )
            else:
                food = own_food if rng.random() < 0.05 else rng.choice(foods)
                portions = Decimal(rng.choice((1, 1, 1, 2))) / (2 if rng.random() < 0.3 else 1)
                grams = _quantize(food.serving_grams * portions)
                mg = _quantize(intake.elemental_from_food_grams(grams, food.mg_per_100g))
                hour = FOOD_HOURS[i % len(FOOD_HOURS)]
                yield (
                    owner_id,
                    day,
                    clock(hour, minute),
                    EntryKind.FOOD.value,
                    None,
                    food.pk,
                    None,
                    grams,
                    mg,
                )

    def _symptoms(self, owner_id: int, day: date) -> Iterable[tuple]:
        if self.rng.random() < SYMPTOM_DAY_RATE:
            yield (
                owner_id,
                day,
                self.rng.choice(SymptomEntry.Symptom.values),
                self.rng.randint(1, 5),
            )

    def _write_entries(self, rows: Iterable[tuple]) -> int:
        if self.use_copy:
            return _copy(
                IntakeEntry,
                [
                    "owner_id",
                    "day",
                    "time",
                    "kind",
                    "product_id",
                    "food_id",
                    "servings",
                    "grams",
                    "elemental_mg",
                    "note",
                    "created_at",
                ],
                (
                    (*row, "", datetime.combine(row[1], row[2], tzinfo=UTC).isoformat())
                    for row in rows
                ),
            )
        written = 0
        batch: list[IntakeEntry] = []
        for owner_id, day, at, kind, product_id, food_id, servings, grams, mg in rows:
            batch.append(
                IntakeEntry(
                    owner_id=owner_id,
                    day=day,
                    time=at,
                    kind=kind,
                    product_id=product_id,
                    food_id=food_id,
                    servings=servings,
                    grams=grams,
                    elemental_mg=mg,
                )
            )
            if len(batch) >= BATCH:
                IntakeEntry.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        IntakeEntry.objects.bulk_create(batch)
        return written + len(batch)

    def _write_symptoms(self, rows: Iterable[tuple]) -> int:
        if self.use_copy:
            return _copy(
                SymptomEntry,
                ["owner_id", "day", "symptom", "severity", "note", "created_at"],
                (
                    (*row, "", datetime.combine(row[1], clock(20), tzinfo=UTC).isoformat())
                    for row in rows
                ),
            )
        made = SymptomEntry.objects.bulk_create(
            [
                SymptomEntry(owner_id=owner_id, day=day, symptom=symptom, severity=severity)
                for owner_id, day, symptom, severity in rows
            ],
            batch_size=BATCH,
        )
        return len(made)


def _copy(model, columns: list[str], rows: Iterable[tuple]) -> int:
    """Stream rows into ``model``'s table with PostgreSQL COPY (text format).

    The rows are formatted while the server ingests the previous ones: the stream is read
    chunk by chunk, so Python and PostgreSQL work at the same time.
    """
    stream = _RowStream(rows)
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN", stream, size=1 << 16)
    return stream.count


class _RowStream(io.RawIOBase):
    """A read-only file over rows, each formatted as one line of COPY text on demand."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._rows = iter(rows)
        self._pending = b""
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        parts = [self._pending]
        have = len(self._pending)
        while size < 0 or have < size:
            row = next(self._rows, None)
            if row is None:
                break
            line = "\t".join(r"\N" if value is None else str(value) for value in row) + "\n"
            encoded = line.encode()
            parts.append(encoded)
            have += len(encoded)
            self.count += 1
        data = b"".join(parts)
        if size < 0:
            self._pending = b""
            return data
        self._pending = data[size:]
        return data[:size]
