"""Fast, realistic benchmark data: people with products, own foods, entries and symptoms.

Each person gets three products (a compound-weight supplement, an elemental-label supplement
and a magnesium antacid) and one private food; each day one or two product entries and the
rest foods, at plausible times, and a symptom on about one day in ten. Elemental mg follow the
app's own rules (tracker.intake). Rows are written day by day and, within a day, by time of
day across all the people of a run, as a real server accumulates them (so EXPLAIN is not
flattered), with PostgreSQL ``COPY``, or batched ``bulk_create`` elsewhere (``--method orm``).
"""

from __future__ import annotations

import io
import json
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import User
from tracker import intake
from tracker.models import EntryKind, Food, IntakeEntry, MagnesiumForm, SupplementKind, SymptomEntry
from tracker.models import SupplementProduct as Product
from tracker.services import label_snapshot, product_label

# The columns written for each bulk table, in row order: COPY lists them, bulk_create names
# them. A new column on IntakeEntry or SymptomEntry goes here and into _entries / _symptoms.
ENTRY_COLUMNS = (
    "owner_id", "day", "time", "kind", "product_id", "food_id", "dose_quantity", "dose_unit",
    "label", "servings", "grams", "elemental_mg", "note", "created_at",
)  # fmt: skip
SYMPTOM_COLUMNS = ("owner_id", "day", "symptom", "severity", "note", "created_at")
# Each person's three products: (kind, label basis, unit, amounts in mg, medication forms only).
PRODUCTS = (
    (SupplementKind.SUPPLEMENT, Product.LabelBasis.COMPOUND, Product.ServingUnit.CAPSULE,
     (500, 1000, 1500), False),
    (SupplementKind.SUPPLEMENT, Product.LabelBasis.ELEMENTAL, Product.ServingUnit.TABLET,
     (100, 120, 150, 200), False),
    (SupplementKind.MEDICATION, Product.LabelBasis.COMPOUND, Product.ServingUnit.TABLET,
     (250, 400, 500), True),
)  # fmt: skip
OWN_FOOD = dict(name="Homemade granola", category=Food.Category.GRAINS, mg_per_100g=Decimal("110"),
                serving_desc="1 bowl (60 g)", serving_grams=Decimal("60"))  # fmt: skip
BATCH, PEOPLE_PER_TRANSACTION, ROWS_PER_TRANSACTION = 5000, 500, 200_000
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - benchmark accounts only
MAX_DAYS, MAX_ENTRIES_PER_DAY, SYMPTOM_DAY_RATE = 100 * 366, 100, 0.1
# Where in the day entries fall: supplements morning and evening, foods at meals and snacks.
SUPPLEMENT_HOURS, FOOD_HOURS = (8, 21), (7, 10, 12, 13, 16, 18, 19, 20, 22)


class Command(BaseCommand):
    help = (
        "Create benchmark people with D days of history and E entries a day "
        "(COPY on PostgreSQL, bulk_create elsewhere). Log in as <prefix><n> with password "
        f"{BENCH_PASSWORD!r}."
    )

    def add_arguments(self, parser) -> None:
        add = parser.add_argument
        for name, default in (("--users", 10), ("--days", 30), ("--entries-per-day", 10)):
            add(name, type=int, default=default)
        add("--prefix", default="bench", help="username prefix (default bench)")
        add("--end", default=None, help="last day (YYYY-MM-DD), default today")
        add("--seed", type=int, default=1, help="random seed (reproducible data)")
        methods = ["auto", "copy", "orm"]
        add("--method", choices=methods, default="auto", help="auto: COPY on PostgreSQL")

    def handle(self, *args, users, days, entries_per_day, prefix, end, seed, method, **options):
        use_copy = method == "copy" or (method == "auto" and connection.vendor == "postgresql")
        last_day = _check(users, days, entries_per_day, prefix, end, use_copy)
        forms, foods = list(MagnesiumForm.objects.all()), list(Food.objects.filter(owner=None))
        if not forms or not foods:
            raise CommandError("No reference forms or foods: run `manage.py migrate` first.")
        names = [f"{prefix}{n}" for n in range(users)]
        taken = User.objects.filter
        if any(taken(username__in=names[i : i + 500]).exists() for i in range(0, users, 500)):
            raise CommandError(f"Some of the users {prefix}0..{prefix}{users - 1} already exist: "
                               "pick another --prefix.")  # fmt: skip
        seeder = _Seeder(forms, foods, random.Random(seed), entries_per_day, use_copy)
        first_day, total = last_day - timedelta(days=days - 1), users * days * entries_per_day
        out = self.stdout.write
        out(f"Seeding {users:,} users x {days:,} days x {entries_per_day} entries/day = "
            f"{total:,} entries ({first_day} to {last_day}), "
            + ("COPY" if use_copy else "bulk_create"))  # fmt: skip
        password, started = make_password(BENCH_PASSWORD), time.perf_counter()
        for start in range(0, users, PEOPLE_PER_TRANSACTION):
            with transaction.atomic():
                seeder.add_people(names[start : start + PEOPLE_PER_TRANSACTION], password)
        seconds = time.perf_counter() - started
        out(f"  {users:,} users with their products and foods in {seconds:.1f} s")
        step, entries, symptoms = max(1, ROWS_PER_TRANSACTION // (users * entries_per_day)), 0, 0
        for first in range(0, days, step):
            last = min(first + step, days)
            with transaction.atomic():
                made = seeder.write_days([first_day + timedelta(d) for d in range(first, last)])
            entries, symptoms = entries + made[0], symptoms + made[1]
            rate = entries / (time.perf_counter() - started)
            out(f"  {last:,}/{days:,} days, {entries:,}/{total:,} entries, {rate:,.0f} entries/s")
        elapsed = time.perf_counter() - started
        done = (
            f"Done: {users:,} users, {entries:,} entries, {symptoms:,} symptoms in {elapsed:.1f} s"
        )
        out(self.style.SUCCESS(f"{done} ({entries / elapsed:,.0f} entries/s)"))


def _check(users: int, days: int, entries_per_day: int, prefix: str, end, use_copy: bool) -> date:
    """The last day, once the options are known to be sound (CommandError otherwise)."""
    try:
        last_day = date.fromisoformat(end) if end else date.today()
    except ValueError:
        last_day = None
    for wrong, message in (
        (min(users, days, entries_per_day) < 1,
         "--users, --days and --entries-per-day must be at least 1"),
        (days > MAX_DAYS, f"--days must be at most {MAX_DAYS}"),
        (entries_per_day > MAX_ENTRIES_PER_DAY,
         f"--entries-per-day must be at most {MAX_ENTRIES_PER_DAY}"),
        (not 1 <= len(prefix) <= 100, "--prefix must be 1 to 100 characters"),
        (last_day is None, f"--end must be a date as YYYY-MM-DD; got {end!r}"),
        (use_copy and connection.vendor != "postgresql", "--method copy needs PostgreSQL"),
    ):  # fmt: skip
        if wrong:
            raise CommandError(message)
    return last_day


class _Seeder:
    def __init__(self, forms, foods, rng: random.Random, per_day: int, use_copy: bool) -> None:
        # Antacids and laxatives are oxide or hydroxide when the reference table has them.
        medication = [f for f in forms if "oxide" in f.name.lower()]  # hydroxide too
        self.forms, self.medication_forms = forms, medication or forms
        self.foods, self.rng, self.per_day, self.use_copy = foods, rng, per_day, use_copy
        # (owner id, its three products, its private food), in creation order; labels by product.
        self.people: list[tuple[int, list[Product], Food]] = []
        self.labels: dict[int, _Json] = {}

    def add_people(self, usernames: list[str], password: str) -> None:
        """People, their products and private foods: few rows, bulk_create everywhere."""
        rng, people = self.rng, []
        for name in usernames:
            n, sex = rng.randrange(10_000), rng.choice([User.Sex.FEMALE, User.Sex.MALE])
            born = date(1950 + n % 55, 1 + n % 12, 1 + n % 28)
            people.append(User(username=name, email=f"{name}@bench.invalid", password=password,
                               sex=sex, date_of_birth=born, timezone="UTC"))  # fmt: skip
        people = _bulk_create(User, people, username__in=usernames)
        products = [p for who in people for p in self._products(who)]
        products = _bulk_create(Product, products, owner__in=people)
        foods = _bulk_create(Food, [Food(owner=p, **OWN_FOOD) for p in people], owner__in=people)
        products_of, food_of = {}, {food.owner_id: food for food in foods}
        for product in products:
            products_of.setdefault(product.owner_id, []).append(product)
        self.people += [(p.pk, products_of[p.pk], food_of[p.pk]) for p in people]
        for product in products:  # each entry keeps its label's figures, as the app does
            label = product_label(product, other_forms=())
            self.labels[product.pk] = _Json(label_snapshot(product, label, other_forms=()))

    def _products(self, person: User) -> list[Product]:
        made = []
        for n, (kind, basis, unit, amounts, medication) in enumerate(PRODUCTS):
            form = self.rng.choice(self.medication_forms if medication else self.forms)
            mg = Decimal(self.rng.choice(amounts))
            name, brand = (
                (f"{form.short_name or form.name[:40]} {mg} mg", "Bench Labs"),
                (f"Magnesium ({form.short_name or 'mixed'}) {mg} mg", ""),
                (f"Antacid {mg} mg", ""),
            )[n]
            elemental = intake.elemental_per_serving(
                mg, label_is_elemental=basis == Product.LabelBasis.ELEMENTAL,
                elemental_fraction=form.elemental_fraction,
            )  # fmt: skip
            made.append(Product(owner=person, name=name, brand=brand, form=form, kind=kind,
                                label_basis=basis, amount_per_serving_mg=mg, serving_unit=unit,
                                elemental_mg_per_serving=elemental))  # fmt: skip
        return made

    def write_days(self, days: list[date]) -> tuple[int, int]:
        """Entries, then symptoms, of ``days``, everyone's: (entries, symptoms) written. Within
        a day, everyone's entries by time of day: one person's lie among everyone else's."""
        by_time = (sorted((r for who in self.people for r in self._entries(*who, day)),
                          key=lambda r: r[2]) for day in days)  # fmt: skip
        entries = (row for rows in by_time for row in rows)
        written = self._write(IntakeEntry, ENTRY_COLUMNS, entries)
        symptoms = (
            row for day in days for who, _, _ in self.people for row in self._symptoms(who, day)
        )
        return written, self._write(SymptomEntry, SYMPTOM_COLUMNS, symptoms)

    def _entries(self, owner_id: int, products: list[Product], own_food: Food, day: date):
        """ENTRY_COLUMNS rows: supplement doses in servings with their label's figures, foods."""
        rng, (compound, labelled, antacid) = self.rng, products
        for i in range(self.per_day):
            minute = rng.randrange(60)
            if i == 0 or (i == 1 and self.per_day > 3):
                product = compound if i == 0 else (antacid if rng.random() < 0.2 else labelled)
                servings = Decimal(rng.choice((1, 1, 1, 2)))
                mg = intake.elemental_from_servings(product.elemental_mg_per_serving, servings)
                at, label = clock(SUPPLEMENT_HOURS[i], minute), self.labels[product.pk]
                kind, product_id, food_id, grams = product.kind, product.pk, None, None
                unit = intake.SERVING
            else:
                food = own_food if rng.random() < 0.05 else rng.choice(self.foods)
                portions = Decimal(rng.choice((1, 1, 1, 2))) / (2 if rng.random() < 0.3 else 1)
                grams = food.serving_grams * portions
                mg = intake.elemental_from_food_grams(grams, food.mg_per_100g)
                at, label = clock(FOOD_HOURS[i % len(FOOD_HOURS)], minute), _Json({})
                kind, product_id, food_id, servings = EntryKind.FOOD.value, None, food.pk, None
                unit = ""
            yield (owner_id, day, at, kind, product_id, food_id, servings, unit, label, servings,
                   grams, intake.stored_mg(mg), "", _stamp(day, at))  # fmt: skip

    def _symptoms(self, owner_id: int, day: date):
        if self.rng.random() < SYMPTOM_DAY_RATE:
            symptom, severity = self.rng.choice(SymptomEntry.Symptom.values), self.rng.randint(1, 5)
            yield (owner_id, day, symptom, severity, "", _stamp(day, clock(20)))

    def _write(self, model, columns: tuple[str, ...], rows) -> int:
        """COPY on PostgreSQL; batched bulk_create elsewhere."""
        if self.use_copy:
            stream, quote = _RowStream(rows), connection.ops.quote_name
            table, cols = quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
            with connection.cursor() as cursor:
                cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN", stream, size=1 << 16)
            return stream.count
        written, rows = 0, iter(rows)
        while batch := list(islice(rows, BATCH)):
            objects = [model(**dict(zip(columns, row, strict=True))) for row in batch]
            written += len(model.objects.bulk_create(objects))
        return written


class _Json(dict):
    """A JSON column's value: a dict for bulk_create, JSON text in a COPY line."""

    def __str__(self) -> str:
        return json.dumps(self)


def _stamp(day: date, at: clock) -> str:
    return datetime.combine(day, at, tzinfo=UTC).isoformat()


def _bulk_create(model, objects: list, **lookup) -> list:
    """bulk_create, then the saved rows where the backend does not return their ids."""
    made = model.objects.bulk_create(objects)
    return made if made[0].pk is not None else list(model.objects.filter(**lookup).order_by("pk"))


class _RowStream(io.RawIOBase):
    """A read-only file over rows, each formatted as one line of COPY text on demand: COPY
    reads it chunk by chunk, so Python formats rows while PostgreSQL ingests the previous ones."""

    def __init__(self, rows) -> None:
        self._rows, self._pending, self.count = iter(rows), b"", 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        parts, have = [self._pending], len(self._pending)
        while size < 0 or have < size:
            if (row := next(self._rows, None)) is None:
                break
            line = ("\t".join(r"\N" if v is None else str(v) for v in row) + "\n").encode()
            parts.append(line)
            have, self.count = have + len(line), self.count + 1
        data = b"".join(parts)
        self._pending = data[size:] if size >= 0 else b""
        return data if size < 0 else data[:size]
