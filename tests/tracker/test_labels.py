"""Supplement labels as they are printed: serving sizes, units, equivalents, blends, the
plausibility rules, exact milligrams, and the choice an edit of a product's figures asks for.

The scenarios are real labels: "Doctor's Best, 200 mg per 2 tablets"; "Calm, 325 mg per 2 tsp
(4 g)"; "Milk of Magnesia, 1,200 mg magnesium hydroxide per 15 mL"; "Magnesium glycinate
1000 mg" per capsule.
"""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import FIXED_TODAY as TODAY
from tests.factories import (
    FoodFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
    UserFactory,
)
from tracker import intake, selectors, services
from tracker.intake import FlagCode, Label
from tracker.models import IntakeEntry, MagnesiumForm, SupplementKind, SupplementProduct

pytestmark = pytest.mark.django_db

GLYCINATE = "Magnesium bisglycinate / glycinate Mg(C2H4NO2)2 (pure, fully reacted)"
CARBONATE = "Magnesium carbonate (anhydrous) MgCO3"
HYDROXIDE = "Magnesium hydroxide"
CITRATE = "Magnesium citrate (trimagnesium dicitrate, anhydrous) Mg3(C6H5O7)2"
MALATE = "Magnesium malate (anhydrous) MgC4H4O5"


def form(name: str) -> MagnesiumForm:
    return MagnesiumForm.objects.get(name=name)


def labelled(owner, name, form_name, basis, mg, serving="1 capsule", equivalent=None, **more):
    """``services.create_product`` for a label of ``mg`` (``basis``: "elemental" or "compound")
    per ``serving`` ("2 tablet"), with an ``equivalent`` weight ("4 g") if the label prints one."""
    quantity, unit = serving.split()
    if equivalent:
        equivalent_quantity, equivalent_unit = equivalent.split()
        more |= {
            "equivalent_quantity": Decimal(equivalent_quantity),
            "equivalent_unit": equivalent_unit,
        }
    return services.create_product(
        owner=owner,
        name=name,
        form=form(form_name),
        label_basis=basis,
        amount_per_serving_mg=Decimal(mg),
        serving_quantity=Decimal(quantity),
        serving_unit=unit,
        **more,
    )


def doctors_best(owner) -> SupplementProduct:
    return labelled(
        owner, "Doctor's Best High Absorption Magnesium", GLYCINATE, "elemental", "200", "2 tablet"
    ).obj


def calm(owner) -> SupplementProduct:
    return labelled(
        owner, "Natural Vitality Calm", CARBONATE, "elemental", "325", "2 tsp", "4 g"
    ).obj


def milk_of_magnesia(owner) -> SupplementProduct:
    medication = SupplementKind.MEDICATION
    return labelled(
        owner, "Milk of Magnesia", HYDROXIDE, "compound", "1200", "15 ml", kind=medication
    ).obj


def glycinate_capsules(owner) -> SupplementProduct:
    return labelled(owner, "Magnesium glycinate 1000 mg", GLYCINATE, "compound", "1000").obj


def one_serving(person, mg: str) -> None:
    """``person`` takes a serving of a product whose label prints ``mg`` elemental magnesium."""
    product = SupplementProductFactory(owner=person, elemental_mg=mg)
    services.log_supplement(owner=person, product=product, servings=1, day=TODAY)


# --- The label arithmetic (pure) ---------------------------------------------------------


def test_a_serving_of_several_units_is_one_serving():
    label = Label(Decimal("2"), "tablet", Decimal("200"), True, (Decimal("0.141"),))
    assert label.elemental_for(Decimal("2"), "tablet") == Decimal("200")
    assert label.elemental_for(Decimal("1"), "serving") == Decimal("200")
    assert label.elemental_for(Decimal("1"), "tablet") == Decimal("100")
    assert label.servings(Decimal("2"), "tablet") == 1
    assert label.dose_units() == ["serving", "tablet"]


def test_an_equivalent_weight_is_a_unit_of_its_own():
    label = Label(
        Decimal("2"), "tsp", Decimal("325"), True, (Decimal("0.2883"),), Decimal("4"), "g"
    )
    assert label.dose_units() == ["serving", "tsp", "g"]
    assert label.elemental_for(Decimal("4"), "g") == Decimal("325")
    assert label.elemental_for(Decimal("1.5"), "tsp") == Decimal("243.75")
    with pytest.raises(ValueError):
        label.elemental_for(Decimal("1"), "capsule")


def test_a_compound_weight_is_converted_with_the_forms_fraction():
    label = Label(Decimal("15"), "ml", Decimal("1200"), False, (Decimal("0.4168"),))
    assert label.elemental_per_serving == Decimal("500.16")
    assert intake.quantize_mg(label.elemental_for(Decimal("15"), "ml")) == Decimal("500.2")


def test_one_tablet_of_three_is_kept_to_ten_places_and_three_settle_to_exactly_200():
    label = Label(Decimal("3"), "tablet", Decimal("200"), True, (Decimal("0.141"),))
    one = label.elemental_for(Decimal("1"), "tablet")
    assert one == Decimal("66.6666666667")
    total = intake.settled_mg(one * 3)
    assert total == Decimal("200")
    assert (
        intake.day_flags(supplemental_mg=total, ul=intake.supplemental_ul(born=None, on=TODAY))
        == []
    )


@pytest.mark.parametrize(
    ("mg", "refused"),
    [("1153.2", False), ("1153.3", True)],  # 4 g of carbonate hold at most 1,153.2 mg
)
def test_a_gram_cannot_hold_more_magnesium_than_its_form(mg, refused):
    label = Label(Decimal("4"), "g", Decimal(mg), True, (Decimal("0.2883"),))
    problems = label.impossible()
    assert bool(problems) is refused
    if refused:
        assert "288.3 mg per g" in problems[0] and "1153.3 mg" in problems[0]


def test_a_blend_is_bounded_by_its_richest_form():
    # 1 g of a citrate + oxide blend can hold up to 603 mg: oxide is the richest named form.
    blend = Label(Decimal("1"), "g", Decimal("500"), True, (Decimal("0.1616"), Decimal("0.603")))
    citrate_only = Label(Decimal("1"), "g", Decimal("500"), True, (Decimal("0.1616"),))
    assert blend.impossible() == [] and citrate_only.impossible() != []


def test_a_compound_weight_heavier_than_the_serving_is_refused():
    label = Label(Decimal("1"), "g", Decimal("1500"), False, (Decimal("0.0539"),))
    assert any("cannot fit" in p for p in label.impossible())


def test_ml_labels_are_bounded_too():
    label = Label(Decimal("5"), "ml", Decimal("3000"), True, (Decimal("0.4168"),))
    assert "per mL" in label.impossible()[0]


def test_units_read_as_people_write_them():
    from tracker.models import serving_words, unit_words

    assert unit_words(Decimal("2"), "tablet") == "2 tablets"
    assert unit_words(Decimal("1"), "capsule") == "1 capsule"
    assert unit_words(Decimal("2"), "gummy") == "2 gummies"
    assert unit_words(Decimal("15"), "ml") == "15 mL"
    assert unit_words(Decimal("1.50"), "tsp") == "1.5 tsp"
    assert serving_words(Decimal("2"), "tsp", Decimal("4"), "g") == "2 tsp (4 g)"


# --- The real labels, through the services ---------------------------------------------


def test_doctors_best_two_tablets_are_200_mg(user, fixed_now):
    product = doctors_best(user)
    assert product.serving_words == "2 tablets"
    entry = services.log_supplement(
        owner=user, product=product, quantity=Decimal("2"), unit="tablet", day=TODAY
    ).obj
    assert entry.elemental_mg == Decimal("200")
    assert (entry.dose_quantity, entry.dose_unit, entry.dose_words) == (2, "tablet", "2 tablets")
    assert entry.label["serving_quantity"] == "2" and entry.label["amount_mg"] == "200"
    assert selectors.day_flags(user=user, day=TODAY) == []  # 200 is not above 200


def test_calm_four_grams_are_325_mg(user, fixed_now):
    entry = services.log_supplement(
        owner=user, product=calm(user), quantity=Decimal("4"), unit="g", day=TODAY
    ).obj
    assert entry.elemental_mg == Decimal("325")
    codes = {f.code for f in selectors.day_flags(user=user, day=TODAY)}
    assert codes == {FlagCode.ABOVE_STARTING_RANGE}  # 325 is under the 350 mg UL


def test_milk_of_magnesia_fifteen_ml_is_500_2_mg_and_counts_toward_the_ul(user, fixed_now):
    entry = services.log_supplement(
        owner=user, product=milk_of_magnesia(user), quantity=Decimal("15"), unit="ml", day=TODAY
    ).obj
    assert entry.kind == "medication" and intake.quantize_mg(entry.elemental_mg) == Decimal("500.2")
    flags = selectors.day_flags(user=user, day=TODAY)
    assert flags[0].code == FlagCode.ABOVE_UL  # the strongest warning comes first
    assert "500.2 mg" in flags[0].message


def test_two_glycinate_capsules_are_282_mg(user, fixed_now):
    entry = services.log_supplement(
        owner=user,
        product=glycinate_capsules(user),
        quantity=Decimal("2"),
        unit="capsule",
        day=TODAY,
    ).obj
    assert entry.elemental_mg == Decimal("282")


def test_a_unit_the_label_does_not_use_is_refused(user, fixed_now):
    with pytest.raises(ValidationError) as caught:
        services.log_supplement(
            owner=user, product=doctors_best(user), quantity=Decimal("4"), unit="g", day=TODAY
        )
    assert "unit" in caught.value.error_dict
    assert not IntakeEntry.objects.exists()


def test_an_impossible_label_is_refused_with_the_implied_figure(user):
    with pytest.raises(ValidationError) as caught:
        labelled(user, "Typo", CARBONATE, "elemental", "3250", "2 tsp", "4 g")
    (message,) = caught.value.error_dict["amount_per_serving_mg"][0].messages
    assert "812.5 mg per g" in message and "288.3 mg per g" in message
    assert not SupplementProduct.objects.exists()


def test_a_compound_weight_cannot_name_a_blend(user):
    with pytest.raises(ValidationError) as caught:
        labelled(user, "Blend", GLYCINATE, "compound", "500", other_forms=[form(CITRATE)])
    assert "other_forms" in caught.value.error_dict


def test_a_blend_counts_its_elemental_figure(user, fixed_now):
    others = [form(CITRATE), form(MALATE)]
    product = labelled(
        user, "Triple magnesium", GLYCINATE, "elemental", "150", "3 capsule", other_forms=others
    ).obj
    assert {f.name for f in product.other_forms.all()} == {CITRATE, MALATE}
    entry = services.log_supplement(owner=user, product=product, servings=1, day=TODAY).obj
    assert entry.elemental_mg == Decimal("150")
    assert set(entry.label["forms"]) == {GLYCINATE, CITRATE, MALATE}


def test_a_single_dose_above_1000_mg_needs_a_confirmation(user, fixed_now):
    product = doctors_best(user)
    with pytest.raises(ValidationError) as caught:
        services.log_supplement(
            owner=user, product=product, quantity=Decimal("22"), unit="tablet", day=TODAY
        )
    assert "2200.0 mg" in caught.value.error_dict["confirm_large"][0].messages[0]
    # Exactly 1,000 mg needs none; with the confirmation, more is logged.
    services.log_supplement(
        owner=user, product=product, quantity=Decimal("10"), unit="tablet", day=TODAY
    )
    services.log_supplement(
        owner=user,
        product=product,
        quantity=Decimal("22"),
        unit="tablet",
        day=TODAY,
        confirm_large=True,
    )
    assert IntakeEntry.objects.count() == 2


# --- Editing a product never rewrites history silently --------------------------------


def _two_days_of(user, product):
    for day in (TODAY - timedelta(days=3), TODAY):
        services.log_supplement(
            owner=user, product=product, quantity=Decimal("2"), unit="tablet", day=day
        )


def _edit(product, **changes):
    values = {
        "product": product,
        "name": product.name,
        "form": product.form,
        "label_basis": product.label_basis,
        "amount_per_serving_mg": product.amount_per_serving_mg,
        "kind": product.kind,
        "serving_quantity": product.serving_quantity,
        "serving_unit": product.serving_unit,
    }
    return services.update_product(**{**values, **changes})


def test_a_figure_change_asks_about_the_entries_and_changes_nothing(user, fixed_now):
    product = doctors_best(user)
    _two_days_of(user, product)
    with pytest.raises(ValidationError) as caught:
        _edit(product, amount_per_serving_mg=Decimal("100"))
    message = caught.value.error_dict["apply_to"][0].messages[0]
    assert "2 entries on 2 days (from 12 Jan 2026 to 15 Jan 2026)" in message
    product.refresh_from_db()
    assert product.amount_per_serving_mg == 200
    assert set(IntakeEntry.objects.values_list("elemental_mg", flat=True)) == {Decimal("200")}


def test_a_name_change_asks_nothing(user, fixed_now):
    product = doctors_best(user)
    _two_days_of(user, product)
    _edit(product, name="Doctor's Best (new bottle)")
    assert set(IntakeEntry.objects.values_list("elemental_mg", flat=True)) == {Decimal("200")}


def test_correcting_the_past_recomputes_each_dose_in_its_unit(user, fixed_now):
    product = doctors_best(user)
    _two_days_of(user, product)
    # The label really said "Serving size 1 tablet": 2 tablets were 400 mg.
    written = _edit(product, serving_quantity=Decimal("1"), apply_to=services.ApplyTo.PAST)
    entries = IntakeEntry.objects.order_by("day")
    assert [e.elemental_mg for e in entries] == [Decimal("400"), Decimal("400")]
    assert all(e.label["serving_quantity"] == "1" for e in entries)
    assert {f.code for f in written.crossed} >= {FlagCode.ABOVE_UL, FlagCode.ABOVE_STARTING_RANGE}


def test_from_now_on_keeps_the_past_as_logged(user, fixed_now):
    product = doctors_best(user)
    _two_days_of(user, product)
    _edit(product, amount_per_serving_mg=Decimal("300"), apply_to=services.ApplyTo.FUTURE)
    assert set(IntakeEntry.objects.values_list("elemental_mg", flat=True)) == {Decimal("200")}
    new = services.log_supplement(
        owner=user, product=product, quantity=Decimal("2"), unit="tablet", day=TODAY
    ).obj
    assert new.elemental_mg == Decimal("300")
    old = IntakeEntry.objects.exclude(pk=new.pk).first()
    assert old.label["amount_mg"] == "200"  # the figures it was computed from


def test_a_correction_emails_a_recent_day_once(
    user, fixed_now, mailoutbox, settings, django_capture_on_commit_callbacks
):
    user.email_warnings = True
    user.save()
    product = doctors_best(user)
    _two_days_of(user, product)
    from tracker.models import WarningSent

    # The e-mail is a task queued on commit (run at once in tests: tests/conftest.py).
    with django_capture_on_commit_callbacks(execute=True):
        _edit(product, serving_quantity=Decimal("1"), apply_to=services.ApplyTo.PAST)
    sent = set(WarningSent.objects.values_list("day", "flag"))
    assert (TODAY, "above_ul") in sent
    assert all(day >= TODAY - timedelta(days=1) for day, _ in sent)  # not the older day
    count = WarningSent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        _edit(product, serving_quantity=Decimal("0.5"), apply_to=services.ApplyTo.PAST)
    assert WarningSent.objects.filter(day=TODAY, flag="above_ul").count() == 1
    assert WarningSent.objects.count() >= count


# --- Ages and authorities ---------------------------------------------------------------


def test_any_supplement_for_an_infant_is_flagged(fixed_now):
    baby = UserFactory(date_of_birth=TODAY - timedelta(days=200))
    one_serving(baby, "5")
    flags = selectors.day_flags(user=baby, day=TODAY)
    assert [f.code for f in flags] == [FlagCode.SUPPLEMENT_FOR_INFANT]
    assert "paediatrician" in flags[0].message and "breast milk" in flags[0].message


def test_a_child_sees_the_child_ul_not_the_adult_ranges(fixed_now):
    child = UserFactory(date_of_birth=date(2020, 6, 1))  # 5 years old: UL 110 mg
    one_serving(child, "250")
    assert [f.code for f in selectors.day_flags(user=child, day=TODAY)] == [FlagCode.ABOVE_UL]
    overview = selectors.day_overview(user=child, day=TODAY)
    assert [row.mg for row in overview.supplement_thresholds] == [Decimal("110")]
    assert "4-8" in overview.ul.rule


@pytest.mark.parametrize(("mg", "flagged"), [("250", False), ("250.1", True)])
def test_a_european_profile_is_warned_above_250_mg(fixed_now, mg, flagged):
    person = UserFactory(authority="eu", date_of_birth=date(1985, 3, 1))
    one_serving(person, mg)
    flags = {f.code: f for f in selectors.day_flags(user=person, day=TODAY)}
    assert (FlagCode.ABOVE_UL in flags) is flagged
    if flagged:
        assert (
            "250 mg/day upper limit (EU upper level, ages 4+)" in flags[FlagCode.ABOVE_UL].message
        )
        assert flags[FlagCode.ABOVE_UL].source.key == "scf_2001"
    target = selectors.target_on(person, TODAY)
    assert (target.mg, target.rule, target.source.key) == (350, "EFSA AI, men 18+", "efsa_2015")


def test_eu_has_no_upper_level_under_4_and_no_pregnancy_increase():
    two = intake.supplemental_ul(born=date(2024, 1, 1), on=TODAY, authority="eu")
    assert two.mg is None and "under 4" in two.rule
    pregnant = intake.daily_target(
        sex="female", on=TODAY, born=date(1990, 1, 1), life_stage="pregnant", authority="eu"
    )
    assert pregnant.mg == 300


def test_the_profile_page_offers_the_authority(logged_in, user):
    html = logged_in.get(reverse("profile")).content.decode()
    assert "European Union (EFSA" in html and "United States (NIH" in html


# --- Pages ---------------------------------------------------------------------------------


def label_form(name, magnesium_form, serving, mg, **more) -> dict:
    """What the product form posts for a supplement whose label prints ``mg`` elemental
    magnesium per ``serving`` ("2 tsp")."""
    quantity, unit = serving.split()
    return {
        "name": name,
        "kind": "supplement",
        "serving_quantity": quantity,
        "serving_unit": unit,
        "amount_per_serving_mg": mg,
        "label_basis": "elemental",
        "form": magnesium_form.pk,
        "save": "1",
        **more,
    }


def test_a_new_user_adds_a_label_and_logs_it_in_its_unit(logged_in, user):
    calm = label_form(
        "Natural Vitality Calm",
        form(CARBONATE),
        "2 tsp",
        "325",
        equivalent_quantity="4",
        equivalent_unit="g",
    )
    add = logged_in.post(reverse("product-add"), calm)
    assert add.status_code == 302, add.context["form"].errors
    product = SupplementProduct.objects.get(owner=user)
    dose = {
        "product": product.pk,
        "quantity": "4",
        "unit": "g",
        "day": user_today(),
        "time": "08:00",
        "note": "",
    }
    preview = logged_in.post(reverse("entry-add"), {**dose, "preview": "1"})
    assert 'data-testid="dose-arithmetic">4 g = 1 serving = 325.0 mg elemental magnesium' in (
        preview.content.decode()
    )
    assert not IntakeEntry.objects.exists()  # the preview saves nothing
    logged = logged_in.post(reverse("entry-add"), dose, follow=True)
    assert "Logged 4 g of Natural Vitality Calm: 325.0\u00a0mg elemental magnesium." in (
        logged.content.decode()
    )
    assert IntakeEntry.objects.get().elemental_mg == Decimal("325")


def user_today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def test_an_impossible_label_is_a_form_error_not_a_save(logged_in, user):
    typo = label_form("Typo powder", form(CARBONATE), "4 g", "3250")
    response = logged_in.post(reverse("product-add"), typo)
    assert response.status_code == 200
    assert "288.3 mg per g" in response.content.decode()
    assert not SupplementProduct.objects.exists()


def test_a_large_dose_asks_for_the_box_on_the_page(logged_in, user):
    product = SupplementProductFactory(owner=user, elemental_mg="600")
    data = {"product": product.pk, "quantity": "2", "unit": "serving", "day": user_today()}
    response = logged_in.post(reverse("entry-add"), data)
    assert response.status_code == 200 and "1200.0 mg" in response.content.decode()
    assert not IntakeEntry.objects.exists()
    logged_in.post(reverse("entry-add"), {**data, "confirm_large": "on"})
    assert IntakeEntry.objects.get().elemental_mg == Decimal("1200")


def test_the_edit_page_asks_past_or_future(logged_in, user):
    product = SupplementProductFactory(owner=user, elemental_mg="100")
    SupplementEntryFactory(owner=user, product=product)
    page = logged_in.get(reverse("product-edit", args=[product.pk])).content.decode()
    assert 'data-testid="touched"' in page
    data = label_form(product.name, product.form, "1 capsule", "120")
    asked = logged_in.post(reverse("product-edit", args=[product.pk]), data)
    assert asked.status_code == 200 and "typing mistake" in asked.content.decode()
    done = logged_in.post(reverse("product-edit", args=[product.pk]), {**data, "apply_to": "past"})
    assert done.status_code == 302
    assert IntakeEntry.objects.get().elemental_mg == Decimal("120")


# --- The migration of existing products ---------------------------------------------------


def test_existing_products_become_one_unit_servings_and_no_total_changes(user):
    product = SupplementProductFactory(
        owner=user, amount_per_serving_mg=Decimal("333"), elemental_mg_per_serving=Decimal("46.95")
    )
    entry = SupplementEntryFactory(
        owner=user,
        product=product,
        servings=Decimal("2"),
        dose_quantity=None,
        dose_unit="",
        elemental_mg=Decimal("93.90"),
    )
    migration = import_module("tracker.migrations.0004_product_labels")
    migration.snapshot_existing(django_apps, None)
    product.refresh_from_db()
    entry.refresh_from_db()
    assert product.serving_quantity == 1
    assert product.elemental_mg_per_serving == Decimal("333") * Decimal("0.1410")  # exact now
    assert entry.elemental_mg == Decimal("93.90")  # the stored total is untouched
    assert (entry.dose_quantity, entry.dose_unit) == (2, "serving")
    assert entry.label["elemental_mg_per_serving"] == "46.95"


# --- The property: flags fire exactly above each threshold, figures round once ------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FRACTIONS = [Decimal(f) for f in ("0.6030", "0.1616", "0.1410", "0.2883", "0.4168", "0.0539")]
UNITS = ["capsule", "tablet", "scoop", "tsp", "g", "ml"]

label_strategy = st.builds(
    Label,
    serving_quantity=st.sampled_from([Decimal(q) for q in ("1", "2", "3", "4", "0.5", "15")]),
    serving_unit=st.sampled_from(UNITS),
    amount_mg=st.decimals(min_value=1, max_value=600, places=2),
    is_elemental=st.booleans(),
    fractions=st.lists(st.sampled_from(FRACTIONS), min_size=1, max_size=1).map(tuple),
)
dose_strategy = st.tuples(
    st.decimals(min_value=Decimal("0.25"), max_value=6, places=2), st.booleans()
)


def exact(label: Label, quantity: Decimal, in_servings: bool) -> Fraction:
    per = Fraction(label.elemental_per_serving)
    return per * Fraction(quantity) / (1 if in_servings else Fraction(label.serving_quantity))


def half_up(value: Fraction) -> Decimal:
    tenths = (value * 10 + Fraction(1, 2)).__floor__()
    return Decimal(tenths) / 10


@settings(max_examples=300, deadline=None)
@given(doses=st.lists(st.tuples(label_strategy, dose_strategy), min_size=1, max_size=8))
def test_flags_fire_exactly_above_the_exact_sum(doses):
    stored = []
    exact_sum = Fraction(0)
    for label, (quantity, in_servings) in doses:
        unit = intake.SERVING if in_servings else label.serving_unit
        value = label.elemental_for(quantity, unit)
        stored.append(value)
        exact_sum += exact(label, quantity, in_servings)
        assert intake.quantize_mg(value) == half_up(exact(label, quantity, in_servings))
    total = intake.settled_mg(sum(stored))
    assert intake.quantize_mg(total) == half_up(exact_sum)
    ul = intake.supplemental_ul(born=None, on=TODAY)
    codes = {f.code for f in intake.day_flags(supplemental_mg=total, ul=ul)}
    for code, threshold in (
        (FlagCode.ABOVE_STARTING_RANGE, 200),
        (FlagCode.ABOVE_UL, 350),
        (FlagCode.ABOVE_DOCUMENTED_RANGE, 400),
    ):
        assert (code in codes) is (exact_sum > threshold), (code, exact_sum)


@settings(max_examples=40, deadline=None)
@given(
    doses=st.lists(
        st.tuples(
            st.sampled_from([Decimal(q) for q in ("1", "2", "3")]),
            st.decimals(min_value=50, max_value=250, places=2),
            st.integers(min_value=1, max_value=4),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_database_sums_and_flags_the_same_exact_figures(doses):
    person = UserFactory(password=None, date_of_birth=None)
    exact_sum = Fraction(0)
    for serving_quantity, amount, tablets in doses:
        name = f"Tablets {serving_quantity} {amount}"
        product = labelled(
            person, name, GLYCINATE, "elemental", amount, f"{serving_quantity} tablet"
        ).obj
        services.log_supplement(
            owner=person,
            product=product,
            quantity=Decimal(tablets),
            unit="tablet",
            day=TODAY,
            confirm_large=True,
        )
        exact_sum += Fraction(amount) * tablets / Fraction(serving_quantity)
    totals = selectors.day_totals(user=person, day=TODAY)
    assert intake.quantize_mg(totals.supplemental_mg) == half_up(exact_sum)
    codes = {f.code for f in selectors.day_flags(user=person, day=TODAY)}
    assert (FlagCode.ABOVE_STARTING_RANGE in codes) is (exact_sum > 200)
    assert (FlagCode.ABOVE_UL in codes) is (exact_sum > 350)


def test_the_admin_computes_a_products_figure_and_entries_are_logged_in_the_app(admin_client, user):
    response = admin_client.post(
        reverse("admin:tracker_supplementproduct_add"),
        {
            "owner": user.pk,
            "name": "Admin product",
            "brand": "",
            "form": form(HYDROXIDE).pk,
            "kind": "medication",
            "serving_quantity": "15",
            "serving_unit": "ml",
            "equivalent_quantity": "",
            "equivalent_unit": "",
            "label_basis": "compound",
            "amount_per_serving_mg": "1200",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SupplementProduct.objects.get().elemental_mg_per_serving == Decimal("500.16")
    assert admin_client.get(reverse("admin:tracker_intakeentry_add")).status_code == 403


def test_an_ounce_of_almonds_reads_76_5_mg_on_every_page_and_in_the_export(logged_in, user):
    from django.utils import timezone

    almonds = FoodFactory(name="Almonds (one ounce test)", mg_per_100g=Decimal("270"))
    today = timezone.localdate()
    entry = services.log_food(owner=user, food=almonds, grams=Decimal("28.35"), day=today).obj
    assert entry.elemental_mg == Decimal("76.545")  # exact, never rounded before summing
    for url in ("/", f"/day/{today.isoformat()}/", "/week/", "/history/"):
        html = logged_in.get(url).content.decode()
        assert "76.5" in html and "76.6" not in html and "76.55" not in html, url
    csv_text = b"".join(logged_in.get("/export/entries.csv").streaming_content).decode()
    row = next(line for line in csv_text.splitlines() if "Almonds (one ounce test)" in line)
    assert row.endswith(",76.5,,76.545")
