"""Reads: a day's totals (one aggregate query), flags at the exact thresholds, suggestions."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.conftest import FIXED_TODAY as DAY
from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementProductFactory,
    SymptomEntryFactory,
    UserFactory,
    supplement_entry,
)
from tracker import selectors
from tracker.intake import FlagCode
from tracker.models import Food, SupplementKind

pytestmark = pytest.mark.django_db


def supplement(owner, mg: str, *, day=DAY, kind=SupplementKind.SUPPLEMENT):
    return supplement_entry(owner, day, mg, kind=kind)


def codes(user, day=DAY) -> set[FlagCode]:
    return {flag.code for flag in selectors.day_flags(user=user, day=day)}


def test_a_mixed_days_totals(user, other_user):
    supplement(user, "141")  # glycinate capsule
    supplement(user, "100", kind=SupplementKind.MEDICATION)  # an antacid
    almonds = FoodFactory(mg_per_100g=Decimal("270"))
    FoodEntryFactory(
        owner=user, day=DAY, food=almonds, grams=Decimal("28.35"), elemental_mg=Decimal("76.55")
    )
    FoodEntryFactory(
        owner=user, day=DAY, food=almonds, grams=Decimal("100"), elemental_mg=Decimal("270")
    )
    # Neither the day before, nor another person's entries, count.
    supplement(user, "300", day=DAY - timedelta(days=1))
    supplement(other_user, "300")

    totals = selectors.day_totals(user=user, day=DAY)

    assert totals.supplemental_mg == Decimal("241.00")
    assert totals.food_mg == Decimal("346.55")
    assert totals.total_mg == Decimal("587.55")
    assert (totals.entries, totals.supplement_entries) == (4, 2)
    assert totals.has_supplements


def test_an_empty_day_is_zero_not_none(user):
    totals = selectors.day_totals(user=user, day=DAY)
    assert totals.supplemental_mg == 0 and totals.food_mg == 0 and totals.entries == 0
    assert not totals.has_supplements


def test_totals_are_one_query_whatever_the_number_of_entries(user, django_assert_num_queries):
    for _ in range(30):
        supplement(user, "10")
        FoodEntryFactory(owner=user, day=DAY)
    with django_assert_num_queries(1):
        totals = selectors.day_totals(user=user, day=DAY)
    assert totals.entries == 60


@pytest.mark.parametrize(
    "mg,expected",
    [
        ("200", set()),
        ("200.01", {FlagCode.ABOVE_STARTING_RANGE}),
        ("350", {FlagCode.ABOVE_STARTING_RANGE}),
        ("350.01", {FlagCode.ABOVE_STARTING_RANGE, FlagCode.ABOVE_UL}),
        ("400", {FlagCode.ABOVE_STARTING_RANGE, FlagCode.ABOVE_UL}),
        (
            "400.01",
            {FlagCode.ABOVE_STARTING_RANGE, FlagCode.ABOVE_UL, FlagCode.ABOVE_DOCUMENTED_RANGE},
        ),
    ],
)
def test_thresholds_at_exactly_200_350_400_and_just_above(user, mg, expected):
    # Two entries, so the sum (not one entry) is what crosses.
    half = Decimal(mg) / 2
    supplement(user, str(half))
    supplement(user, str(Decimal(mg) - half))
    assert codes(user) == expected


def test_food_never_counts_towards_the_supplement_flags(user):
    FoodEntryFactory(owner=user, day=DAY, grams=Decimal("1000"), elemental_mg=Decimal("2700"))
    assert codes(user) == set()
    overview = selectors.day_overview(user=user, day=DAY)
    assert overview.totals.food_mg == Decimal("2700")
    assert not any(row.exceeded for row in overview.supplement_thresholds)


def test_medication_counts_towards_the_supplement_flags(user):
    supplement(user, "360", kind=SupplementKind.MEDICATION)
    assert codes(user) == {FlagCode.ABOVE_STARTING_RANGE, FlagCode.ABOVE_UL}


def test_a_young_child_has_a_lower_ul(db):
    child = UserFactory(date_of_birth=date(2020, 6, 1))  # 5 in January 2026: UL 110 mg
    supplement(child, "111")
    assert codes(child) == {FlagCode.ABOVE_UL}


@pytest.mark.parametrize("condition", ["has_kidney_disease", "has_heart_condition"])
def test_kidney_or_heart_condition_flags_any_supplement(condition):
    person = UserFactory(**{condition: True})
    FoodEntryFactory(owner=person, day=DAY)
    assert FlagCode.MEDICAL_SUPERVISION not in codes(person)  # food alone: no flag
    supplement(person, "50")
    flags = selectors.day_flags(user=person, day=DAY)
    assert [f.code for f in flags] == [FlagCode.MEDICAL_SUPERVISION]
    assert "medical supervision is essential" in flags[0].quote


@pytest.mark.parametrize("symptom", ["diarrhea", "fatigue", "low_blood_pressure"])
def test_side_effect_symptom_on_a_supplement_day_flags(user, symptom):
    SymptomEntryFactory(owner=user, day=DAY, symptom=symptom)
    assert codes(user) == set()  # no supplements that day
    supplement(user, "100")
    assert codes(user) == {FlagCode.SIDE_EFFECTS}


def test_other_symptoms_and_other_days_do_not_flag(user):
    supplement(user, "100")
    SymptomEntryFactory(owner=user, day=DAY, symptom="cramps")
    SymptomEntryFactory(owner=user, day=DAY - timedelta(days=1), symptom="diarrhea")
    assert codes(user) == set()


def test_overview_names_sources_and_splits_the_bar(user):
    supplement(user, "141")
    FoodEntryFactory(owner=user, day=DAY, grams=Decimal("100"), elemental_mg=Decimal("100"))
    overview = selectors.day_overview(user=user, day=DAY)
    assert overview.target.mg == Decimal("420")  # a man born 1990: 31-50 band
    assert overview.shortfall_mg == Decimal("179")
    assert overview.percent_of_target == 57
    assert overview.food_bar_percent == Decimal("23.8")
    assert overview.supplement_bar_percent == Decimal("33.6")
    labels = [(row.label, row.mg, row.exceeded) for row in overview.supplement_thresholds]
    assert labels[0] == ("Starting range 100-200 mg (consumer article)", Decimal("200"), False)
    assert labels[1][1] == Decimal("350")
    assert labels[2] == ("Documented range 200-400 mg (consumer article)", Decimal("400"), False)
    assert all(row.source for row in overview.supplement_thresholds)


def test_bars_never_pass_100_percent(user):
    supplement(user, "300")
    FoodEntryFactory(owner=user, day=DAY, grams=Decimal("100"), elemental_mg=Decimal("300"))
    overview = selectors.day_overview(user=user, day=DAY)
    assert overview.food_bar_percent + overview.supplement_bar_percent == Decimal("100")
    assert overview.shortfall_mg == 0 and overview.suggestions == []


def test_a_day_before_birth_has_no_target_instead_of_an_error(user):
    day = user.date_of_birth - timedelta(days=1)
    supplement(user, "500", day=day)
    overview = selectors.day_overview(user=user, day=day)
    assert overview.target is None and overview.ul.mg is None
    assert FlagCode.ABOVE_DOCUMENTED_RANGE in {f.code for f in overview.flags}


def test_food_suggestions_close_the_shortfall_with_the_smallest_serving(user):
    Food.objects.filter(owner__isnull=True).delete()  # only this test's reference foods
    FoodFactory(name="Pumpkin seeds", mg_per_100g=Decimal("550"), serving_grams=Decimal("28.35"))
    FoodFactory(name="Almonds", mg_per_100g=Decimal("270"), serving_grams=Decimal("28.35"))
    FoodFactory(name="Spinach", mg_per_100g=Decimal("87"), serving_grams=Decimal("90"))
    FoodFactory(name="Water", mg_per_100g=Decimal("0"), serving_grams=Decimal("240"))
    FoodFactory(name="My seeds", owner=user, mg_per_100g=Decimal("900"))  # private: never

    closing = selectors.food_suggestions(shortfall_mg=Decimal("70"))
    assert [s.food.name for s in closing] == ["Almonds", "Spinach", "Pumpkin seeds"]
    assert [s.servings_needed for s in closing] == [1, 1, 1]
    assert closing[0].mg_per_serving == Decimal("76.5")

    # Nothing closes 400 mg in one serving: richest first, with the servings it takes.
    big = selectors.food_suggestions(shortfall_mg=Decimal("400"))
    assert [(s.food.name, s.servings_needed) for s in big] == [
        ("Pumpkin seeds", 3),
        ("Spinach", 6),
        ("Almonds", 6),
    ]
    assert selectors.food_suggestions(shortfall_mg=Decimal("0")) == []


def test_recent_foods_are_the_persons_own_recent_ones(user, other_user):
    old = FoodFactory(name="Old")
    FoodEntryFactory(owner=user, day=DAY - timedelta(days=40), food=old)
    first, second = FoodFactory(name="First"), FoodFactory(name="Second")
    FoodEntryFactory(owner=user, day=DAY - timedelta(days=2), food=first)
    FoodEntryFactory(owner=user, day=DAY, food=second)
    FoodEntryFactory(owner=user, day=DAY, food=second)
    FoodEntryFactory(owner=other_user, day=DAY, food=FoodFactory(name="Theirs"))
    assert [f.name for f in selectors.recent_foods(user=user, today=DAY)] == ["Second", "First"]


def test_active_products_and_visible_foods(user, other_user):
    kept = SupplementProductFactory(owner=user)
    SupplementProductFactory(owner=user, is_archived=True)
    SupplementProductFactory(owner=other_user)
    assert list(selectors.active_products(user=user)) == [kept]

    reference, mine = FoodFactory(name="Xylo butter"), FoodFactory(owner=user, name="Xylo bar")
    FoodFactory(owner=other_user, name="Xylo cake")
    found = selectors.search_foods(user=user, query="xylo")
    assert found == [mine, reference]
