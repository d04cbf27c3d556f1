"""seed_bench: the benchmark's data generator (no timing here, only what it creates)."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from bench.management.commands.seed_bench import BENCH_PASSWORD
from tests.factories import FoodFactory, MagnesiumFormFactory
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

pytestmark = pytest.mark.django_db

END = date(2026, 3, 31)


@pytest.fixture
def reference_data():
    """A few forms and foods of our own, whether or not the data migration loaded the real ones."""
    MagnesiumFormFactory(name="Bench test oxide", elemental_fraction=Decimal("0.6030"))
    MagnesiumFormFactory(name="Bench test glycinate", elemental_fraction=Decimal("0.1410"))
    FoodFactory(
        name="Bench test almonds", mg_per_100g=Decimal("270"), serving_grams=Decimal("28.35")
    )
    FoodFactory(name="Bench test spinach", mg_per_100g=Decimal("79"), serving_grams=Decimal("180"))


def seed(**options) -> str:
    out = StringIO()
    options = {"end": END.isoformat(), **options}
    call_command("seed_bench", stdout=out, **options)
    return out.getvalue()


METHODS = ["orm"] + (["copy"] if connection.vendor == "postgresql" else [])


@pytest.mark.parametrize("method", METHODS)
def test_creates_the_requested_history(reference_data, method):
    output = seed(users=3, days=20, entries_per_day=6, prefix="t", method=method)

    people = User.objects.filter(username__startswith="t").order_by("username")
    assert [p.username for p in people] == ["t0", "t1", "t2"]
    assert all(p.profile_complete and p.check_password(BENCH_PASSWORD) for p in people)
    assert IntakeEntry.objects.count() == 3 * 20 * 6
    assert SupplementProduct.objects.count() == 3 * 3
    assert Food.objects.filter(owner__isnull=False).count() == 3
    for person in people:
        entries = IntakeEntry.objects.filter(owner=person)
        assert entries.count() == 20 * 6
        days = sorted(set(entries.values_list("day", flat=True)))
        assert days == [END - timedelta(days=n) for n in range(19, -1, -1)]
        assert entries.filter(day=END).count() == 6
        # Each day: product entries (morning and evening) and foods.
        assert entries.filter(day=END).exclude(kind=EntryKind.FOOD).count() == 2
        # Entries only use the person's own products and private food.
        assert not entries.exclude(product__isnull=True).exclude(product__owner=person).exists()
        assert not entries.filter(food__owner__isnull=False).exclude(food__owner=person).exists()
    assert SymptomEntry.objects.count() <= 3 * 20
    # Written day by day and by time of day across people, as a real server accumulates them.
    in_insert_order = list(
        IntakeEntry.objects.order_by("id").values_list("day", "time", "owner_id")
    )
    assert [(d, t) for d, t, _ in in_insert_order] == sorted((d, t) for d, t, _ in in_insert_order)
    assert len({owner for _, _, owner in in_insert_order[:6]}) == 3
    assert "Done: 3 users, 360 entries" in output
    assert "entries/s" in output


@pytest.mark.parametrize("method", METHODS)
def test_elemental_mg_follows_the_intake_rules(reference_data, method):
    seed(users=2, days=15, entries_per_day=5, prefix="r", method=method)

    for product in SupplementProduct.objects.select_related("form"):
        expected = intake.elemental_per_serving(
            product.amount_per_serving_mg,
            label_is_elemental=product.label_basis == SupplementProduct.LabelBasis.ELEMENTAL,
            elemental_fraction=product.form.elemental_fraction,
        )
        assert product.elemental_mg_per_serving == expected  # exact, as the app stores it
    kinds = {SupplementKind.SUPPLEMENT, SupplementKind.MEDICATION}
    assert {p.kind for p in SupplementProduct.objects.all()} <= kinds

    entries = IntakeEntry.objects.select_related("product", "food")
    assert entries.count() == 2 * 15 * 5
    for entry in entries:
        if entry.kind == EntryKind.FOOD:
            assert entry.product is None and entry.servings is None
            expected = intake.elemental_from_food_grams(entry.grams, entry.food.mg_per_100g)
        else:
            assert entry.food is None and entry.grams is None
            assert entry.kind == entry.product.kind
            expected = intake.elemental_from_servings(
                entry.product.elemental_mg_per_serving, entry.servings
            )
        assert entry.elemental_mg == intake.stored_mg(expected)
        assert entry.time is not None
        assert entry.created_at is not None


def test_same_seed_same_data(reference_data):
    seed(users=1, days=5, entries_per_day=4, prefix="a", seed=7, method="orm")
    seed(users=1, days=5, entries_per_day=4, prefix="b", seed=7, method="orm")

    def amounts(prefix):
        return list(
            IntakeEntry.objects.filter(owner__username=f"{prefix}0")
            .order_by("day", "time", "id")
            .values_list("day", "kind", "elemental_mg")
        )

    assert amounts("a") == amounts("b")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"users": 0}, "must be at least 1"),
        ({"days": 0}, "must be at least 1"),
        ({"entries_per_day": 0}, "must be at least 1"),
        ({"entries_per_day": 101}, "--entries-per-day must be at most 100"),
        ({"days": 10**6}, "--days must be at most"),
        ({"end": "31/03/2026"}, "--end must be a date as YYYY-MM-DD"),
        ({"prefix": ""}, "--prefix must be 1 to 100 characters"),
    ],
)
def test_bad_arguments(reference_data, options, message):
    with pytest.raises(CommandError, match=message):
        seed(**{"users": 1, "days": 1, "entries_per_day": 1, **options})
    assert not User.objects.exists()


def test_refuses_existing_usernames(reference_data):
    seed(users=2, days=1, entries_per_day=1, prefix="dup")
    with pytest.raises(CommandError, match="already exist"):
        seed(users=3, days=1, entries_per_day=1, prefix="dup")
    assert User.objects.count() == 2


def test_needs_reference_data():
    IntakeEntry.objects.all().delete()
    SupplementProduct.objects.all().delete()
    Food.objects.all().delete()
    MagnesiumForm.objects.all().delete()
    with pytest.raises(CommandError, match="No reference forms or foods"):
        seed(users=1, days=1, entries_per_day=1)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="COPY is available on PostgreSQL")
def test_copy_needs_postgresql(reference_data):
    with pytest.raises(CommandError, match="--method copy needs PostgreSQL"):
        seed(users=1, days=1, entries_per_day=1, method="copy")
