"""Writes with rules: figures computed on the server, bounds, ownership, archive, repeat."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import FIXED_TODAY as DAY
from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
    UserFactory,
)
from tracker import services
from tracker.intake import FlagCode
from tracker.models import EntryKind, Food, IntakeEntry, SupplementKind, SupplementProduct

pytestmark = pytest.mark.django_db


def glycinate_product(
    owner,
    form,
    name="Magnesium glycinate 1000 mg",
    basis=SupplementProduct.LabelBasis.COMPOUND,
    mg="1000",
    **kwargs,
) -> SupplementProduct:
    """A product of ``mg`` per capsule (elemental or compound weight, by ``basis``)."""
    return services.create_product(
        owner=owner,
        name=name,
        form=form,
        label_basis=basis,
        amount_per_serving_mg=Decimal(mg),
        **kwargs,
    ).obj


# --- Products -------------------------------------------------------------------------------


def test_product_computes_elemental_from_compound_weight(user, glycinate):
    product = glycinate_product(user, glycinate)
    assert product.elemental_mg_per_serving == Decimal("141.00")
    assert product.owner == user and product.kind == SupplementKind.SUPPLEMENT


def test_product_with_an_elemental_label_keeps_the_label_figure(user, glycinate):
    elemental = SupplementProduct.LabelBasis.ELEMENTAL
    product = glycinate_product(user, glycinate, "Glycinate 200", elemental, "200")
    assert product.elemental_mg_per_serving == Decimal("200.00")


@pytest.mark.parametrize("amount", ["0", "-5", "10000.01"])
def test_product_amount_bounds(user, glycinate, amount):
    with pytest.raises(ValidationError):
        glycinate_product(user, glycinate, "x", mg=amount)
    assert not SupplementProduct.objects.exists()


def test_chemistry_note_when_the_label_claims_more_than_the_compound_holds(glycinate):
    elemental = SupplementProduct.LabelBasis.ELEMENTAL
    # 1000 mg of bisglycinate holds 141 mg; a label saying 200 mg implies added oxide.
    note = services.chemistry_note(
        form=glycinate, label_basis=elemental, amount_mg=Decimal("200"), compound_mg=Decimal("1000")
    )
    assert "at most 141.0 mg" in note and "oxide" in note
    for amount, compound in (("141", "1000"), ("200", None)):
        assert not services.chemistry_note(
            form=glycinate,
            label_basis=elemental,
            amount_mg=Decimal(amount),
            compound_mg=compound and Decimal(compound),
        )
    # A compound-weight label cannot contradict its own chemistry.
    assert not services.chemistry_note(
        form=glycinate,
        label_basis=SupplementProduct.LabelBasis.COMPOUND,
        amount_mg=Decimal("1000"),
        compound_mg=Decimal("10"),
    )


def test_correcting_a_product_recomputes_its_entries(user, glycinate, fixed_now):
    product = glycinate_product(user, glycinate)
    two = services.log_supplement(owner=user, product=product, servings=Decimal("2"), day=DAY).obj
    half = services.log_supplement(
        owner=user, product=product, servings=Decimal("0.5"), day=DAY - timedelta(days=3)
    ).obj
    written = services.update_product(
        product=product,
        name=product.name,
        form=glycinate,
        label_basis=SupplementProduct.LabelBasis.ELEMENTAL,  # the label was elemental after all
        amount_per_serving_mg=Decimal("1000"),
        kind=SupplementKind.MEDICATION,
        apply_to=services.ApplyTo.PAST,
        confirm_large=True,  # 1,000 mg elemental per serving is no longer a compound weight
    )
    assert written.obj.elemental_mg_per_serving == Decimal("1000.00")
    two.refresh_from_db()
    half.refresh_from_db()
    assert (two.elemental_mg, two.kind) == (Decimal("2000.00"), SupplementKind.MEDICATION)
    assert half.elemental_mg == Decimal("500.00")
    # Today (15 January) went from 282 mg to 2000 mg: the UL and the documented range crossed.
    assert {f.code for f in written.crossed} == {
        FlagCode.ABOVE_UL,
        FlagCode.ABOVE_DOCUMENTED_RANGE,
    }


def test_a_product_with_entries_is_archived_not_deleted(user):
    used = SupplementProductFactory(owner=user)
    SupplementEntryFactory(owner=user, product=used)
    unused = SupplementProductFactory(owner=user)

    assert services.remove_product(product=used).obj is True
    used.refresh_from_db()
    assert used.is_archived and used.entries.count() == 1

    assert services.remove_product(product=unused).obj is False
    assert not SupplementProduct.objects.filter(pk=unused.pk).exists()


# --- Entries --------------------------------------------------------------------------------


def test_supplement_entry_mg_is_computed_from_the_product(user, glycinate, fixed_now):
    product = glycinate_product(user, glycinate)
    written = services.log_supplement(
        owner=user, product=product, servings=Decimal("2"), day=DAY, time=time(8, 0)
    )
    entry = IntakeEntry.objects.get(pk=written.obj.pk)
    assert entry.elemental_mg == Decimal("282.00")
    assert (entry.kind, entry.product, entry.food, entry.servings) == (
        EntryKind.SUPPLEMENT,
        product,
        None,
        Decimal("2.000"),
    )
    assert [f.code for f in written.crossed] == [FlagCode.ABOVE_STARTING_RANGE]


def test_medication_entries_copy_the_kind(user, fixed_now):
    antacid = SupplementProductFactory(owner=user, kind=SupplementKind.MEDICATION)
    entry = services.log_supplement(owner=user, product=antacid, servings=Decimal("1"), day=DAY).obj
    assert entry.kind == EntryKind.MEDICATION


def test_food_entry_by_grams_and_by_servings(user, fixed_now):
    almonds = FoodFactory(mg_per_100g=Decimal("270"), serving_grams=Decimal("28.35"))
    by_grams = services.log_food(owner=user, food=almonds, grams=Decimal("28.35"), day=DAY).obj
    assert by_grams.elemental_mg == Decimal("76.545")  # exact: rounded only for display
    assert by_grams.servings is None

    by_servings = services.log_food(owner=user, food=almonds, servings=Decimal("2"), day=DAY).obj
    assert by_servings.grams == Decimal("56.70")
    assert by_servings.servings == Decimal("2")
    assert by_servings.elemental_mg == Decimal("153.09")
    assert by_servings.kind == EntryKind.FOOD


def test_own_food_logs_but_another_persons_does_not(user, other_user, fixed_now):
    mine = FoodFactory(owner=user)
    services.log_food(owner=user, food=mine, grams=Decimal("10"), day=DAY)
    with pytest.raises(ValidationError):
        services.log_food(
            owner=user, food=FoodFactory(owner=other_user), grams=Decimal("10"), day=DAY
        )
    assert IntakeEntry.objects.count() == 1


def test_another_persons_product_cannot_be_logged(user, other_user, fixed_now):
    theirs = SupplementProductFactory(owner=other_user)
    with pytest.raises(ValidationError) as caught:
        services.log_supplement(owner=user, product=theirs, servings=Decimal("1"), day=DAY)
    assert "product" in caught.value.error_dict
    assert not IntakeEntry.objects.exists()


@pytest.mark.parametrize("servings", ["0", "-1", "100.001", "1000000000", "NaN", "Infinity"])
def test_servings_bounds(user, servings, fixed_now):
    product = SupplementProductFactory(owner=user)
    with pytest.raises(ValidationError):
        services.log_supplement(owner=user, product=product, servings=Decimal(servings), day=DAY)
    assert not IntakeEntry.objects.exists()


def test_one_hundred_servings_is_the_most(user, fixed_now):
    product = SupplementProductFactory(owner=user)
    with pytest.raises(ValidationError) as caught:
        services.log_supplement(owner=user, product=product, servings=Decimal("100"), day=DAY)
    assert "confirm_large" in caught.value.error_dict  # 14,100 mg at once needs a yes
    entry = services.log_supplement(
        owner=user, product=product, servings=Decimal("100"), day=DAY, confirm_large=True
    )
    assert entry.obj.elemental_mg == Decimal("14100.00")


@pytest.mark.parametrize(
    "grams,servings", [("0", None), ("5000.01", None), (None, "0"), (None, "200"), ("1", "1")]
)
def test_food_amount_bounds(user, grams, servings, fixed_now):
    food = FoodFactory(serving_grams=Decimal("28.35"))
    with pytest.raises(ValidationError):
        services.log_food(
            owner=user,
            food=food,
            grams=grams and Decimal(grams),
            servings=servings and Decimal(servings),
            day=DAY,
        )
    assert not IntakeEntry.objects.exists()


@pytest.mark.parametrize(
    "day,ok",
    [
        (date(2026, 1, 16), True),  # tomorrow: filling the pill box the night before
        (date(2026, 1, 17), False),  # more than a day ahead
        (date(1899, 12, 31), False),
        (date(1990, 5, 16), False),  # the day before the factory person's birth
        (date(1990, 5, 17), True),
    ],
)
def test_entry_days(user, day, ok, fixed_now):
    product = SupplementProductFactory(owner=user)
    if ok:
        services.log_supplement(owner=user, product=product, servings=Decimal("1"), day=day)
        assert IntakeEntry.objects.get().day == day
    else:
        with pytest.raises(ValidationError) as caught:
            services.log_supplement(owner=user, product=product, servings=Decimal("1"), day=day)
        assert "day" in caught.value.error_dict
        assert not IntakeEntry.objects.exists()


def test_the_day_limit_follows_the_persons_time_zone(fixed_now):
    # 04:30 UTC on 16 January is still 15 January, 23:30, in New York.
    fixed_now(datetime(2026, 1, 16, 4, 30, tzinfo=UTC))
    new_yorker = UserFactory(timezone="America/New_York")
    assert services.person_today(new_yorker) == date(2026, 1, 15)
    assert services.day_errors(user=new_yorker, day=date(2026, 1, 16)) == []
    assert services.day_errors(user=new_yorker, day=date(2026, 1, 17))
    aucklander = UserFactory(timezone="Pacific/Auckland")  # already 16 January, 17:30
    assert services.person_today(aucklander) == date(2026, 1, 16)
    assert services.day_errors(user=aucklander, day=date(2026, 1, 17)) == []


def test_updating_an_entry_recomputes_and_can_move_it(user, fixed_now):
    food = FoodFactory(mg_per_100g=Decimal("100"))
    entry = services.log_food(owner=user, food=food, grams=Decimal("50"), day=DAY).obj
    updated = services.update_food_entry(
        entry=entry, food=food, servings=Decimal("1"), day=DAY - timedelta(days=1), note="lunch"
    ).obj
    entry.refresh_from_db()
    assert updated.pk == entry.pk
    assert (entry.day, entry.grams, entry.elemental_mg, entry.note) == (
        DAY - timedelta(days=1),
        Decimal("28.35"),
        Decimal("28.35"),
        "lunch",
    )


def test_a_100_kb_note_is_refused(user, fixed_now):
    product = SupplementProductFactory(owner=user)
    with pytest.raises(ValidationError):
        services.log_supplement(
            owner=user, product=product, servings=Decimal("1"), day=DAY, note="x" * 100_000
        )
    assert not IntakeEntry.objects.exists()


def test_repeat_yesterdays_supplements(user, fixed_now):
    capsule = SupplementProductFactory(owner=user)
    antacid = SupplementProductFactory(owner=user, kind=SupplementKind.MEDICATION)
    stopped = SupplementProductFactory(owner=user)
    yesterday = DAY - timedelta(days=1)
    SupplementEntryFactory(
        owner=user, day=yesterday, product=capsule, servings=Decimal("2"), time=time(8)
    )
    SupplementEntryFactory(owner=user, day=yesterday, product=antacid, time=time(21))
    SupplementEntryFactory(owner=user, day=yesterday, product=stopped)
    FoodEntryFactory(owner=user, day=yesterday)
    stopped.is_archived = True
    stopped.save()

    written = services.repeat_yesterdays_supplements(owner=user, day=DAY)

    today = IntakeEntry.objects.filter(day=DAY).order_by("time")
    # Logged at the time of repeating (fixed_now), not at yesterday's clock times.
    assert [(e.product, e.servings, e.time, e.kind) for e in today] == [
        (capsule, Decimal("2.000"), time(12), EntryKind.SUPPLEMENT),
        (antacid, Decimal("1.000"), time(12), EntryKind.MEDICATION),
    ]
    assert sum(e.elemental_mg for e in today) == Decimal("423.00")
    assert {f.code for f in written.crossed} == {
        FlagCode.ABOVE_STARTING_RANGE,
        FlagCode.ABOVE_UL,
        FlagCode.ABOVE_DOCUMENTED_RANGE,
    }


def test_repeat_with_nothing_yesterday_logs_nothing(user, fixed_now):
    written = services.repeat_yesterdays_supplements(owner=user, day=DAY)
    assert written.obj == [] and written.crossed == []


# --- Own foods and symptoms -----------------------------------------------------------------


def test_own_food_names_are_unique_per_person(user, other_user):
    services.create_own_food(owner=user, name="Granola", mg_per_100g=Decimal("120"))
    services.create_own_food(owner=other_user, name="Granola", mg_per_100g=Decimal("90"))
    with pytest.raises(ValidationError):
        services.create_own_food(owner=user, name="granola", mg_per_100g=Decimal("100"))
    assert Food.objects.filter(owner=user).count() == 1


def correct_own_food(food, *, mg_per_100g: str, serving_grams: str) -> None:
    """The figures of ``food`` (a bowl of grains) corrected; its name kept."""
    services.update_own_food(
        food=food,
        name=food.name,
        mg_per_100g=Decimal(mg_per_100g),
        serving_desc="1 bowl",
        serving_grams=Decimal(serving_grams),
        category=Food.Category.GRAINS,
    )


def test_correcting_an_own_food_recomputes_its_entries(user, fixed_now):
    food = services.create_own_food(
        owner=user, name="Granola", mg_per_100g=Decimal("100"), serving_grams=Decimal("50")
    ).obj
    entry = services.log_food(owner=user, food=food, servings=Decimal("1"), day=DAY).obj
    assert entry.elemental_mg == Decimal("50.00")
    correct_own_food(food, mg_per_100g="150", serving_grams="60")
    entry.refresh_from_db()
    assert (entry.grams, entry.elemental_mg) == (Decimal("50.00"), Decimal("75.00"))


def test_own_food_in_use_is_not_deleted(user):
    used, unused = FoodFactory(owner=user), FoodFactory(owner=user)
    FoodEntryFactory(owner=user, food=used)
    assert services.delete_own_food(food=used).obj is False
    assert services.delete_own_food(food=unused).obj is True
    assert list(Food.objects.filter(owner=user)) == [used]


def test_a_side_effect_symptom_crosses_the_flag(user, fixed_now):
    SupplementEntryFactory(owner=user, day=DAY)
    crossed = services.log_symptom(owner=user, day=DAY, symptom="diarrhea", severity=3).crossed
    assert [f.code for f in crossed] == [FlagCode.SIDE_EFFECTS]
    again = services.log_symptom(owner=user, day=DAY, symptom="fatigue", severity=2).crossed
    assert again == []  # already flagged: nothing new to say


@pytest.mark.parametrize("severity", [0, 6])
def test_symptom_severity_bounds(user, severity, fixed_now):
    with pytest.raises(ValidationError):
        services.log_symptom(owner=user, day=DAY, symptom="cramps", severity=severity)


def test_corrections_cope_with_imported_entries_without_grams(user, fixed_now):
    """An import may give a food entry in servings only; a correction must not null its mg."""
    food = services.create_own_food(
        owner=user, name="Porridge", mg_per_100g=Decimal("100"), serving_grams=Decimal("40")
    ).obj
    imported = FoodEntryFactory(
        owner=user, food=food, grams=None, servings=Decimal("2"), elemental_mg=Decimal("80")
    )
    correct_own_food(food, mg_per_100g="50", serving_grams="40")
    imported.refresh_from_db()
    assert imported.elemental_mg == Decimal("40.00")
