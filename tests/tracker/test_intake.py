"""tracker/intake.py: the pure rules (conversions, targets, upper limits, the day's flags)."""

import inspect
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker import intake
from tracker.intake import FlagCode, Severity, UpperLimit
from tracker.models import SymptomEntry
from tracker.reference_data import read_forms

BORN = date(1990, 6, 15)


def birthday(years: int) -> date:
    return BORN.replace(year=BORN.year + years)


def day_before_birthday(years: int) -> date:
    return birthday(years) - timedelta(days=1)


def target(sex: str, on: date, **kwargs) -> intake.Target:
    return intake.daily_target(sex=sex, on=on, born=kwargs.pop("born", BORN), **kwargs)


# --- Conversions --------------------------------------------------------------------------

FORMS = read_forms()


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.short_name)
def test_every_form_converts_1000_mg_with_its_fraction(form):
    assert intake.elemental_from_compound(Decimal("1000"), form.elemental_fraction) == (
        form.elemental_fraction * 1000
    )


def by_short_name(short_name: str):
    return next(f for f in FORMS if f.short_name == short_name)


def test_1000_mg_bisglycinate_is_141_mg():
    fraction = by_short_name("bisglycinate").elemental_fraction
    mg = intake.elemental_from_compound(Decimal("1000"), fraction)
    assert intake.quantize_mg(mg) == Decimal("141.0")


def test_500_mg_oxide_is_301_5_mg():
    fraction = by_short_name("oxide").elemental_fraction
    mg = intake.elemental_from_compound(Decimal("500"), fraction)
    assert intake.quantize_mg(mg) == Decimal("301.5")


@pytest.mark.parametrize("fraction", [Decimal("0"), Decimal("-0.1"), Decimal("1.0001")])
def test_impossible_fractions_are_refused(fraction):
    with pytest.raises(ValueError, match="elemental fraction"):
        intake.elemental_from_compound(Decimal("100"), fraction)


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError, match="compound amount cannot be negative"):
        intake.elemental_from_compound(Decimal("-1"), Decimal("0.141"))
    with pytest.raises(ValueError, match="label amount cannot be negative"):
        intake.elemental_from_label(Decimal("-1"))
    with pytest.raises(ValueError, match="servings cannot be negative"):
        intake.elemental_from_servings(Decimal("100"), Decimal("-1"))
    with pytest.raises(ValueError, match="grams cannot be negative"):
        intake.elemental_from_food_grams(Decimal("-1"), Decimal("100"))


def test_label_amounts_are_already_elemental():
    assert intake.elemental_from_label(Decimal("200")) == Decimal("200")
    assert intake.elemental_per_serving(
        Decimal("200"), label_is_elemental=True, elemental_fraction=Decimal("0.141")
    ) == Decimal("200")
    assert intake.elemental_per_serving(
        Decimal("1000"), label_is_elemental=False, elemental_fraction=Decimal("0.141")
    ) == Decimal("141")


def test_servings_and_food_grams():
    assert intake.elemental_from_servings(Decimal("141"), Decimal("2")) == Decimal("282")
    # 1 oz of roasted pumpkin seeds: 550 mg/100 g x 28.35 g; NIH says 156 mg.
    mg = intake.elemental_from_food_grams(Decimal("28.35"), Decimal("550"))
    assert mg == Decimal("155.925")
    assert intake.quantize_mg(mg) == Decimal("155.9")


def test_quantize_rounds_half_up():
    assert intake.quantize_mg(Decimal("2.45")) == Decimal("2.5")
    assert intake.quantize_mg(Decimal("2.449")) == Decimal("2.4")


def test_label_exceeding_chemistry():
    glycinate = Decimal("0.1410")
    # "1000 mg magnesium glycinate providing 200 mg magnesium": only 141 mg can be glycinate.
    assert intake.label_exceeds_chemistry(
        Decimal("200"),
        label_is_elemental=True,
        elemental_fraction=glycinate,
        compound_mg=Decimal("1000"),
    )
    assert not intake.label_exceeds_chemistry(
        Decimal("141"),
        label_is_elemental=True,
        elemental_fraction=glycinate,
        compound_mg=Decimal("1000"),
    )
    assert not intake.label_exceeds_chemistry(
        Decimal("200"), label_is_elemental=True, elemental_fraction=glycinate
    )
    assert not intake.label_exceeds_chemistry(
        Decimal("200"),
        label_is_elemental=False,
        elemental_fraction=glycinate,
        compound_mg=Decimal("1000"),
    )


doses = st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False)
fractions = st.decimals(
    min_value=Decimal("0.0001"), max_value=1, places=4, allow_nan=False, allow_infinity=False
)
real_fractions = st.sampled_from([f.elemental_fraction for f in FORMS])


@given(dose=doses, fraction=fractions | real_fractions)
def test_elemental_is_never_negative_nor_above_the_dose(dose, fraction):
    mg = intake.elemental_from_compound(dose, fraction)
    assert 0 <= mg <= dose
    assert 0 <= intake.quantize_mg(mg) <= intake.quantize_mg(dose)


@given(a=doses, b=doses, fraction=fractions | real_fractions)
def test_elemental_is_monotonic_in_the_dose(a, b, fraction):
    low, high = sorted((a, b))
    assert intake.elemental_from_compound(low, fraction) <= intake.elemental_from_compound(
        high, fraction
    )


@given(a=doses, b=doses, mg_per_100g=st.decimals(min_value=0, max_value=2000, places=2))
def test_food_magnesium_is_never_negative_and_monotonic(a, b, mg_per_100g):
    low, high = sorted((a, b))
    low_mg = intake.elemental_from_food_grams(low, mg_per_100g)
    assert 0 <= low_mg <= intake.elemental_from_food_grams(high, mg_per_100g)


# --- Daily targets (dri.csv) --------------------------------------------------------------

# (birthday, sex, mg the day before, rule the day before, mg on the day, rule on the day)
BAND_EDGES = [
    (1, "male", 75, "NIH AI, infant 7-12 months", 80, "NIH RDA, children 1-3"),
    (4, "male", 80, "NIH RDA, children 1-3", 130, "NIH RDA, children 4-8"),
    (9, "male", 130, "NIH RDA, children 4-8", 240, "NIH RDA, children 9-13"),
    (14, "male", 240, "NIH RDA, children 9-13", 410, "NIH RDA, men 14-18"),
    (19, "male", 410, "NIH RDA, men 14-18", 400, "NIH RDA, men 19-30"),
    (31, "male", 400, "NIH RDA, men 19-30", 420, "NIH RDA, men 31-50"),
    (51, "male", 420, "NIH RDA, men 31-50", 420, "NIH RDA, men 51+"),
    (1, "female", 75, "NIH AI, infant 7-12 months", 80, "NIH RDA, children 1-3"),
    (4, "female", 80, "NIH RDA, children 1-3", 130, "NIH RDA, children 4-8"),
    (9, "female", 130, "NIH RDA, children 4-8", 240, "NIH RDA, children 9-13"),
    (14, "female", 240, "NIH RDA, children 9-13", 360, "NIH RDA, women 14-18"),
    (19, "female", 360, "NIH RDA, women 14-18", 310, "NIH RDA, women 19-30"),
    (31, "female", 310, "NIH RDA, women 19-30", 320, "NIH RDA, women 31-50"),
    (51, "female", 320, "NIH RDA, women 31-50", 320, "NIH RDA, women 51+"),
]


@pytest.mark.parametrize(
    "years, sex, before_mg, before_rule, on_mg, on_rule",
    BAND_EDGES,
    ids=[f"{e[1]}-{e[0]}" for e in BAND_EDGES],
)
def test_dri_band_edges(years, sex, before_mg, before_rule, on_mg, on_rule):
    before = target(sex, day_before_birthday(years))
    on = target(sex, birthday(years))
    assert (before.mg, before.rule) == (Decimal(before_mg), before_rule)
    assert (on.mg, on.rule) == (Decimal(on_mg), on_rule)
    assert on.source.title == "Magnesium: Fact Sheet for Health Professionals"


def test_infant_bands():
    assert target("male", BORN).mg == Decimal("30")
    assert target("male", BORN).rule == "NIH AI, infant 0-6 months"
    half_year = date(1990, 12, 15)
    assert target("female", half_year - timedelta(days=1)).mg == Decimal("30")
    assert target("female", half_year).mg == Decimal("75")
    assert target("female", half_year).rule == "NIH AI, infant 7-12 months"


def test_old_age_stays_in_the_open_band():
    assert target("male", birthday(95)).mg == Decimal("420")


# (birthday, mg the day before, mg on the day, rule on the day)
PREGNANCY_EDGES = [
    (14, 240, 400, "NIH RDA, pregnancy 14-18"),
    (19, 400, 350, "NIH RDA, pregnancy 19-30"),
    (31, 350, 360, "NIH RDA, pregnancy 31-50"),
    # No pregnancy row past 50: the woman's own row applies.
    (51, 360, 320, "NIH RDA, women 51+"),
]
LACTATION_EDGES = [
    (14, 240, 360, "NIH RDA, lactation 14-18"),
    (19, 360, 310, "NIH RDA, lactation 19-30"),
    (31, 310, 320, "NIH RDA, lactation 31-50"),
    (51, 320, 320, "NIH RDA, women 51+"),
]


@pytest.mark.parametrize(
    "stage, years, before_mg, on_mg, on_rule",
    [("pregnant", *e) for e in PREGNANCY_EDGES] + [("lactating", *e) for e in LACTATION_EDGES],
)
def test_pregnancy_and_lactation_rows(stage, years, before_mg, on_mg, on_rule):
    assert target("female", day_before_birthday(years), life_stage=stage).mg == before_mg
    on = target("female", birthday(years), life_stage=stage)
    assert (on.mg, on.rule) == (Decimal(on_mg), on_rule)


def test_life_stage_is_ignored_for_men():
    assert target("male", birthday(25), life_stage="pregnant").rule == "NIH RDA, men 19-30"


@pytest.mark.parametrize(
    "sex, stage, mg, rule_part",
    [
        ("male", "none", 400, "men 19-30"),
        ("female", "none", 310, "women 19-30"),
        ("female", "pregnant", 350, "pregnancy 19-30"),
        ("female", "lactating", 310, "lactation 19-30"),
        ("male", "pregnant", 400, "men 19-30"),
    ],
)
def test_no_birth_date_uses_the_documents_adult_figures(sex, stage, mg, rule_part):
    result = intake.daily_target(sex=sex, on=date(2026, 1, 1), born=None, life_stage=stage)
    assert result.mg == Decimal(mg)
    assert rule_part in result.rule
    assert "no birth date given" in result.rule
    assert result.source


def test_own_target_overrides_every_rule():
    result = target("female", birthday(30), life_stage="pregnant", override_mg=Decimal("500"))
    assert result.mg == Decimal("500")
    assert result.rule == "your own target, set in your profile"
    assert str(result) == "500 mg (your own target, set in your profile)"


def test_target_needs_a_known_sex_and_a_date_after_birth():
    with pytest.raises(ValueError, match="sex"):
        intake.daily_target(sex="", on=date(2026, 1, 1))
    with pytest.raises(ValueError, match="before the date of birth"):
        target("male", BORN - timedelta(days=1))


def person(**attrs) -> SimpleNamespace:
    defaults = {
        "sex": "female",
        "date_of_birth": BORN,
        "life_stage": "none",
        "target_override_mg": None,
    }
    return SimpleNamespace(**{**defaults, **attrs})


def test_target_for_a_profile():
    assert intake.target_for(person(), birthday(40)).rule == "NIH RDA, women 31-50"
    assert intake.target_for(person(sex=""), birthday(40)) is None
    own = intake.target_for(person(target_override_mg=Decimal("280")), birthday(40))
    assert own.mg == Decimal("280")


def test_own_target_shows_even_before_sex_is_set():
    """A clinician-directed target needs no RDA lookup, so it must not wait for the sex."""
    own = intake.target_for(person(sex="", target_override_mg=Decimal("280")), birthday(40))
    assert own is not None and own.mg == Decimal("280")


# --- Upper limits (ul.csv) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "on, mg, rule",
    [
        (BORN, None, "No UL established for infant 0-6 months"),
        (day_before_birthday(1), None, "No UL established for infant 7-12 months"),
        (birthday(1), 65, "NIH UL, child 1-3 y"),
        (day_before_birthday(4), 65, "NIH UL, child 1-3 y"),
        (birthday(4), 110, "NIH UL, child 4-8 y"),
        (day_before_birthday(9), 110, "NIH UL, child 4-8 y"),
        (birthday(9), 350, "NIH UL, child 9-13 y"),
        (day_before_birthday(14), 350, "NIH UL, child 9-13 y"),
        (birthday(14), 350, "NIH UL, adolescent 14-18 y (incl. pregnancy/lactation)"),
        (day_before_birthday(19), 350, "NIH UL, adolescent 14-18 y (incl. pregnancy/lactation)"),
        (birthday(19), 350, "NIH UL, adult 19+ y (incl. pregnancy/lactation)"),
        (birthday(80), 350, "NIH UL, adult 19+ y (incl. pregnancy/lactation)"),
    ],
)
def test_every_ul_band(on, mg, rule):
    ul = intake.supplemental_ul(born=BORN, on=on)
    assert ul.mg == (None if mg is None else Decimal(mg))
    assert ul.rule == rule
    assert ul.source.key == "nih_ods"


def test_ul_without_birth_date_is_the_adult_one():
    ul = intake.ul_for(person(date_of_birth=None), date(2026, 1, 1))
    assert ul.mg == Decimal("350")
    assert "no birth date" in ul.rule


def test_ul_before_birth_is_refused():
    with pytest.raises(ValueError):
        intake.supplemental_ul(born=BORN, on=BORN - timedelta(days=1))


# --- The day's flags ----------------------------------------------------------------------

ADULT_UL = UpperLimit(Decimal("350"), "NIH UL, adult 19+ y", intake.UL_SOURCE)
JUST_ABOVE = Decimal("0.1")


def codes(flags) -> set[FlagCode]:
    return {f.code for f in flags}


@pytest.mark.parametrize(
    "mg, expected",
    [
        ("0", set()),
        ("200", set()),
        ("200.1", {FlagCode.ABOVE_STARTING_RANGE}),
        ("350", {FlagCode.ABOVE_STARTING_RANGE}),
        ("350.1", {FlagCode.ABOVE_STARTING_RANGE, FlagCode.ABOVE_UL}),
        ("400", {FlagCode.ABOVE_STARTING_RANGE, FlagCode.ABOVE_UL}),
        (
            "400.1",
            {FlagCode.ABOVE_STARTING_RANGE, FlagCode.ABOVE_UL, FlagCode.ABOVE_DOCUMENTED_RANGE},
        ),
    ],
)
def test_dose_thresholds_at_and_just_above(mg, expected):
    assert codes(intake.day_flags(supplemental_mg=Decimal(mg), ul=ADULT_UL)) == expected


def test_thresholds_are_the_documented_figures():
    assert intake.STARTING_RANGE_MAX_MG == Decimal("200")
    assert intake.DOCUMENTED_RANGE_MAX_MG == Decimal("400")
    assert intake.supplemental_ul(born=None, on=date(2026, 1, 1)).mg == Decimal("350")


def test_flags_come_most_severe_first_with_sources_and_messages():
    flags = intake.day_flags(supplemental_mg=Decimal("450"), ul=ADULT_UL)
    # The authority's UL is the strongest warning; the articles' ranges are notices.
    assert [f.code for f in flags] == [
        FlagCode.ABOVE_UL,
        FlagCode.ABOVE_STARTING_RANGE,
        FlagCode.ABOVE_DOCUMENTED_RANGE,
    ]
    assert [f.severity for f in flags] == [Severity.DANGER, Severity.NOTICE, Severity.NOTICE]
    assert [f.severity.css for f in flags] == ["danger", "info", "info"]
    assert flags[0].source == intake.UL_SOURCE
    assert "350 mg/day upper limit" in flags[0].message
    assert "Food does not count" in flags[0].message
    assert flags[1].quote == "Begin with 100-200 mg/day and increase if needed"
    assert flags[2].quote == "Dosage: 200-400 mg daily"
    assert flags[1].source.is_consumer_article and "consumer article" in flags[1].message
    assert all("450.0 mg" in f.message for f in flags)


@pytest.mark.parametrize("ul_mg", [Decimal("65"), Decimal("110")])
def test_child_ul_flags_below_the_starting_range(ul_mg):
    ul = UpperLimit(ul_mg, "NIH UL, child", intake.UL_SOURCE)
    assert intake.day_flags(supplemental_mg=ul_mg, ul=ul) == []
    assert codes(intake.day_flags(supplemental_mg=ul_mg + JUST_ABOVE, ul=ul)) == {FlagCode.ABOVE_UL}


def test_no_ul_flag_for_infants():
    ul = UpperLimit(None, "No UL established for infant 0-6 months", intake.UL_SOURCE)
    assert FlagCode.ABOVE_UL not in codes(intake.day_flags(supplemental_mg=Decimal("999"), ul=ul))


def test_food_is_not_a_parameter_of_the_flags():
    params = inspect.signature(intake.day_flags).parameters
    assert not [name for name in params if "food" in name]
    with pytest.raises(TypeError):
        intake.day_flags(supplemental_mg=Decimal("0"), ul=ADULT_UL, food_mg=Decimal("900"))


def test_a_day_of_food_only_has_no_flags_whatever_the_profile():
    """No supplements: lots of food magnesium, conditions and side-effect symptoms raise nothing."""
    flags = intake.day_flags(
        supplemental_mg=Decimal("0"),
        ul=ADULT_UL,
        has_kidney_disease=True,
        has_heart_condition=True,
        symptoms=["diarrhea", "fatigue", "low_blood_pressure"],
    )
    assert flags == []


@pytest.mark.parametrize(
    "kidney, heart, wording",
    [
        (True, False, "kidney disease:"),
        (False, True, "a heart condition:"),
        (True, True, "kidney disease and a heart condition:"),
    ],
)
def test_medical_supervision_flag(kidney, heart, wording):
    flags = intake.day_flags(
        supplemental_mg=Decimal("100"),
        ul=ADULT_UL,
        has_kidney_disease=kidney,
        has_heart_condition=heart,
    )
    assert codes(flags) == {FlagCode.MEDICAL_SUPERVISION}
    assert wording in flags[0].message
    assert flags[0].source == intake.SUPERVISION_SOURCE


def test_supervision_flag_follows_logged_supplements_not_the_total():
    # A logged supplement that rounds to 0 mg still counts as taking supplements.
    flags = intake.day_flags(
        supplemental_mg=Decimal("0"), ul=ADULT_UL, has_supplements=True, has_kidney_disease=True
    )
    assert codes(flags) == {FlagCode.MEDICAL_SUPERVISION}


@pytest.mark.parametrize("symptom", sorted(intake.SIDE_EFFECT_SYMPTOMS))
def test_side_effect_flag(symptom):
    flags = intake.day_flags(supplemental_mg=Decimal("150"), ul=ADULT_UL, symptoms=[symptom])
    assert codes(flags) == {FlagCode.SIDE_EFFECTS}
    assert symptom.replace("_", " ") in flags[0].message
    assert flags[0].source == intake.SIDE_EFFECT_SOURCE


def test_other_symptoms_raise_no_side_effect_flag():
    flags = intake.day_flags(
        supplemental_mg=Decimal("150"), ul=ADULT_UL, symptoms=["cramps", "poor_sleep"]
    )
    assert flags == []


def test_side_effect_symptoms_accept_the_model_choices():
    assert intake.SIDE_EFFECT_SYMPTOMS <= set(SymptomEntry.Symptom.values)
    flags = intake.day_flags(
        supplemental_mg=Decimal("150"), ul=ADULT_UL, symptoms=[SymptomEntry.Symptom.DIARRHEA]
    )
    assert codes(flags) == {FlagCode.SIDE_EFFECTS}
