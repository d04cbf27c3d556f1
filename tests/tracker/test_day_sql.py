"""tracker.day_sql reads a day in hand-written SQL: every figure must equal the ORM's, on
SQLite and on PostgreSQL (the suite runs on both), down to the last decimal place."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
    SymptomEntryFactory,
    UserFactory,
)
from tracker import day_sql, series
from tracker.models import EntryKind, IntakeEntry, SupplementKind, SymptomEntry

DAY = date(2026, 3, 14)


@pytest.fixture
def person(db):
    """A day with every kind of entry and awkward figures, and rows that must not count."""
    person = UserFactory()
    branded = SupplementProductFactory(owner=person, name="Glycinate", brand="Acme")
    plain = SupplementProductFactory(owner=person, name="Citrate powder")
    antacid = SupplementProductFactory(owner=person, name="Antacid", kind=SupplementKind.MEDICATION)
    almonds = FoodFactory(name="Almonds", serving_desc="1 oz (about 23 kernels)")
    for fields in (
        # A third of a serving: the arithmetic does not end, stored to 10 places.
        dict(product=branded, time=time(8, 5), servings=Decimal("0.3333333333"),
             dose_quantity=Decimal("1"), dose_unit="tablet",
             elemental_mg=Decimal("47.0000000000")),
        dict(product=plain, time=None, servings=Decimal("1.5"), dose_quantity=Decimal("4.5"),
             dose_unit="g", elemental_mg=Decimal("211.1234567891"), note="after dinner"),
        dict(product=antacid, time=time(22, 0), elemental_mg=Decimal("0.0000000001")),
    ):  # fmt: skip
        SupplementEntryFactory(owner=person, day=DAY, **fields)
    FoodEntryFactory(owner=person, day=DAY, food=almonds, time=time(12, 30),
                     servings=Decimal("1.5"), grams=Decimal("42.52500"),
                     elemental_mg=Decimal("114.8175000000"))  # fmt: skip
    FoodEntryFactory(owner=person, day=DAY, food=almonds, time=time(8, 5), servings=None,
                     grams=Decimal("10.00001"), elemental_mg=Decimal("27.0000270000"))  # fmt: skip
    SymptomEntryFactory(owner=person, day=DAY, symptom="diarrhea", severity=3, note="mild")
    SymptomEntryFactory(owner=person, day=DAY, symptom="cramps", severity=1)
    # Another day and another person: never part of this day.
    SupplementEntryFactory(owner=person, day=DAY + timedelta(days=1), product=plain)
    SymptomEntryFactory(owner=person, day=DAY - timedelta(days=1))
    stranger = UserFactory()
    SupplementEntryFactory(owner=stranger, day=DAY)
    SymptomEntryFactory(owner=stranger, day=DAY)
    return person


def orm_entries(person, day):
    return list(
        IntakeEntry.objects.filter(owner=person, day=day)
        .select_related("product", "food")
        .order_by("time", "id")
    )


def test_the_sums_equal_the_orm_aggregate(person):
    by_sql = series.DaySums.from_row(DAY, day_sql.day_sums(person.pk, DAY))
    orm_row = IntakeEntry.objects.filter(owner=person, day=DAY).aggregate(**series.SUMS)
    assert by_sql == series.DaySums.from_row(DAY, orm_row)
    assert by_sql.supplemental_mg == Decimal("258.1234568")  # settled to 7 places
    assert by_sql.food_mg == Decimal("141.8175270")
    assert (by_sql.entries, by_sql.supplement_entries) == (5, 3)


def test_an_empty_day_sums_to_zero(person):
    empty = DAY - timedelta(days=30)
    sums = series.DaySums.from_row(empty, day_sql.day_sums(person.pk, empty))
    assert (sums.supplemental_mg, sums.food_mg, sums.entries) == (0, 0, 0)
    assert day_sql.day_entries(person.pk, empty) == []
    assert day_sql.day_symptoms(person.pk, empty) == []


def test_the_entries_equal_the_orm_rows_in_the_same_order(person):
    by_sql = day_sql.day_entries(person.pk, DAY)
    by_orm = orm_entries(person, DAY)
    assert [e.pk for e in by_sql] == [e.pk for e in by_orm]
    for mine, theirs in zip(by_sql, by_orm, strict=True):
        assert mine.time == theirs.time
        assert mine.kind == theirs.kind
        assert mine.product_id == theirs.product_id
        assert mine.name == theirs.item_name
        assert mine.kind_words == theirs.get_kind_display().lower()
        assert mine.dose_words == theirs.dose_words
        for figure in ("servings", "grams", "elemental_mg", "dose_quantity"):
            assert getattr(mine, figure) == getattr(theirs, figure), figure
            assert str(getattr(mine, figure)) == str(getattr(theirs, figure)), figure
        assert mine.serving_desc == (theirs.food.serving_desc if theirs.food_id else "")
        assert mine.note == theirs.note
    assert {e.name for e in by_sql} == {"Glycinate (Acme)", "Citrate powder", "Antacid", "Almonds"}


def test_the_symptoms_equal_the_orm_rows(person):
    by_sql = day_sql.day_symptoms(person.pk, DAY)
    by_orm = list(SymptomEntry.objects.filter(owner=person, day=DAY).order_by("id"))
    assert [(s.pk, s.symptom, s.severity, s.note, s.name) for s in by_sql] == [
        (s.pk, s.symptom, s.severity, s.note, s.get_symptom_display()) for s in by_orm
    ]
    assert [s.name for s in by_sql] == ["Diarrhea", "Cramps"]


def test_the_day_page_lists_the_entries_as_read(person, client):
    client.force_login(person)
    html = client.get(f"/day/{DAY:%Y-%m-%d}/").content.decode()
    assert "Glycinate (Acme)" in html and "4.5 g · after dinner" in html
    assert "1.5 x 1 oz (about 23 kernels) = 42.52 g" in html  # grams to 2 places
    assert html.count('name="csrfmiddlewaretoken"') >= 5 + 2  # each entry's and symptom's form
    assert EntryKind.MEDICATION.label.lower() in html
