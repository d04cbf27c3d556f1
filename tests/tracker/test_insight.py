"""tracker/insight.py: the statistics on fixed data, against results worked out by hand."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings

from tracker import insight
from tracker.insight import Group, Interval, Verdict

D0 = date(2026, 3, 1)


def days(start: date, values: list[int]) -> dict[date, int]:
    return {start + timedelta(days=i): v for i, v in enumerate(values)}


# --- exact helpers ---------------------------------------------------------------------------


def test_mean_is_exact_and_rounds_once_half_up():
    assert insight.mean([3, 3, 2, 4]) == 3
    assert insight.mean([1, 2]) == Fraction(3, 2)
    assert insight.mean([]) is None
    assert insight.to_decimal(Fraction(7, 3)) == Decimal("2.3")
    assert insight.to_decimal(Fraction(1, 4)) == Decimal("0.3")  # 0.25 half up
    assert insight.signed(Fraction(-1, 20)) == "-0.1"  # -0.05 away from zero
    assert insight.signed(Fraction(1, 2)) == "+0.5"
    assert insight.signed(Fraction(1, 100)) == "0.0"


# --- the bootstrap ---------------------------------------------------------------------------


def test_bootstrap_of_constant_groups_is_the_difference_itself():
    # Every resample of [3]*6 has mean 3 and of [1]*6 mean 1: the interval is exactly -2.
    assert insight.bootstrap_difference([3] * 6, [1] * 6) == Interval(Fraction(-2), Fraction(-2))


def test_bootstrap_percentiles_on_a_hand_worked_distribution():
    # first = [0, 1] resampled at size 2 has mean 0 (p 1/4), 1/2 (p 1/2) or 1 (p 1/4);
    # second = [2] always 2. The difference is 2, 3/2 or 1, each with at least a quarter of
    # the 2000 resamples, so the 2.5th percentile is 1 and the 97.5th is 2.
    interval = insight.bootstrap_difference([0, 1], [2])
    assert interval == Interval(Fraction(1), Fraction(2))
    assert interval.excludes_zero
    assert str(interval) == "+1.0 to +2.0"


def test_bootstrap_is_seeded_so_the_page_is_stable():
    first, second = [3, 2, 3, 4, 2, 3, 1], [1, 0, 2, 1, 1, 0, 2, 1]
    assert insight.bootstrap_difference(first, second) == insight.bootstrap_difference(
        first, second
    )
    a = insight.bootstrap_difference(first, second, seed=1)
    assert a == insight.bootstrap_difference(first, second, seed=1)
    assert a.low <= insight.mean(second) - insight.mean(first) <= a.high


def test_bootstrap_needs_values():
    with pytest.raises(ValueError):
        insight.bootstrap_difference([], [1])


# --- thresholds: nothing concluded before enough days ---------------------------------------


def test_not_enough_check_ins_concludes_nothing():
    first, second = Group("before", (3,) * 6), Group("after", (1,) * 7)
    c = insight.compare(first, second, total_checkins=13)
    assert c.verdict == Verdict.NOT_ENOUGH and c.interval is None
    assert c.missing == "14 check-ins (13 so far)"
    assert c.reading == "Not enough days yet to compare: needs 14 check-ins (13 so far)."
    assert insight.compare(first, second, total_checkins=14).verdict == Verdict.LOWER


def test_not_enough_days_in_a_group_concludes_nothing():
    c = insight.compare(Group("before", (3,) * 4), Group("after", (1,) * 20), total_checkins=24)
    assert c.verdict == Verdict.NOT_ENOUGH
    assert c.missing == "5 days before (4 so far)"
    assert (
        insight.compare(
            Group("before", (3,) * 5), Group("after", (1,) * 20), total_checkins=25
        ).verdict
        == Verdict.LOWER
    )


def test_an_interval_across_zero_is_no_clear_difference():
    c = insight.compare(
        Group("before", (1, 2, 1, 2, 1, 2, 1)),
        Group("after", (2, 1, 2, 1, 2, 1, 1)),
        total_checkins=14,
    )
    assert c.verdict == Verdict.NO_CLEAR_DIFFERENCE
    assert c.reading.startswith("No clear difference")


# --- before and after ------------------------------------------------------------------------


def test_before_after_counts_only_checked_in_days_in_the_window():
    # Six weeks: 14 days at 3 before the start, then 28 days alternating 1, 2.
    scores = days(D0, [3] * 14 + [1, 2] * 14)
    scores.pop(D0 + timedelta(days=5))  # a day without a check-in: left out, not a 0
    scores[D0 - timedelta(days=10)] = 4  # 24 days before the start: inside the window
    scores[D0 - timedelta(days=20)] = 0  # 34 days before: outside it
    c = insight.before_after(scores, D0 + timedelta(days=14))
    assert (c.first.days, c.second.days) == (14, 28)
    assert c.first.mean == Fraction(3 * 13 + 4, 14)
    assert c.second.mean == Fraction(3, 2)
    assert c.total_checkins == 43


def test_before_after_hand_computed():
    scores = days(D0, [3, 2, 3, 3, 4, 3, 2, 3, 3, 3, 2, 4, 3, 2] + [1, 1, 2, 1, 0, 1, 1] * 4)
    c = insight.before_after(scores, D0 + timedelta(days=14))
    # before: 40 / 14 = 20/7; after: 7 per week x 4 = 28 / 28 = 1.
    assert (c.first.days, c.second.days) == (14, 28)
    assert c.first.mean == Fraction(40, 14)
    assert c.second.mean == 1
    assert c.difference == Fraction(1) - Fraction(40, 14)
    assert c.difference_words == "-1.9"
    assert c.verdict == Verdict.LOWER
    assert c.interval.high < 0


# --- dose bands ------------------------------------------------------------------------------


def test_adult_bands_and_their_edges():
    bands = insight.dose_bands(ul_mg=Decimal("350"), adult_ranges=True)
    assert [b.label for b in bands] == [
        "0 mg",
        "up to 200 mg (starting range)",
        "up to 350 mg (your upper limit)",
        "above 350 mg",
    ]

    def key(mg):
        return insight.band_of(Decimal(mg), bands).key

    assert key("0") == "none"
    assert key("0.1") == "starting"
    assert key("200") == "starting"
    assert key("200.0000001") == "to_ul"
    assert key("350") == "to_ul"
    assert key("350.1") == "above_ul"


def test_no_starting_range_under_9_and_eu_and_no_ul():
    child = insight.dose_bands(ul_mg=Decimal("110"), adult_ranges=False)
    assert [b.key for b in child] == ["none", "to_ul", "above_ul"]
    eu = insight.dose_bands(ul_mg=Decimal("250"), adult_ranges=True)
    assert eu[2].label == "up to 250 mg (your upper limit)"
    infant = insight.dose_bands(ul_mg=None, adult_ranges=False)
    assert [b.key for b in infant] == ["none", "some"]


def test_mean_score_by_dose_band_hand_computed():
    bands = insight.dose_bands(ul_mg=Decimal("350"), adult_ranges=True)
    scores = days(D0, [3, 3, 2, 1, 1, 0, 2])
    doses = dict(
        zip(scores, map(Decimal, ["0", "0", "150", "200", "300", "300", "400"]), strict=True)
    )
    rows = {r.band.key: r for r in insight.by_dose_band(scores, doses, bands)}
    assert (rows["none"].days, rows["none"].mean) == (2, 3)
    assert (rows["starting"].days, rows["starting"].mean) == (2, Fraction(3, 2))
    assert (rows["to_ul"].days, rows["to_ul"].mean) == (2, Fraction(1, 2))
    assert (rows["above_ul"].days, rows["above_ul"].mean_words) == (1, "2.0")


def test_a_day_with_a_check_in_and_no_supplement_is_0_mg():
    bands = insight.dose_bands(ul_mg=Decimal("350"), adult_ranges=True)
    rows = insight.by_dose_band({D0: 2}, {}, bands)
    assert rows[0].days == 1


def test_a_dose_level_starts_when_it_holds_a_week():
    bands = insight.dose_bands(ul_mg=Decimal("350"), adult_ranges=True)
    mg = ["0"] * 10 + ["400"] + ["0"] * 3 + ["150"] * 10 + ["300"] * 7
    doses = {D0 + timedelta(days=i): Decimal(v) for i, v in enumerate(mg)}
    starts = insight.dose_level_starts(doses, bands)
    # The single 400 mg day is not a level; 150 mg from day 14 and 300 mg from day 24 are.
    assert [(s.day, s.band.key) for s in starts] == [
        (D0 + timedelta(days=14), "starting"),
        (D0 + timedelta(days=24), "to_ul"),
    ]


# --- the next night's sleep ------------------------------------------------------------------


def test_next_night_pairs_the_evening_dose_with_the_next_mornings_score():
    sleep = days(D0, [3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1])
    # Doses on the evenings before the odd days: their mornings score 1.
    evening = {D0 + timedelta(days=i - 1): Decimal("200") for i in range(1, 14, 2)}
    c = insight.next_night(sleep, evening)
    assert (c.first.days, c.first.mean) == (7, 3)
    assert (c.second.days, c.second.mean) == (7, 1)
    assert c.interval == Interval(Fraction(-2), Fraction(-2))
    assert c.verdict == Verdict.LOWER


# --- side effects against dose ---------------------------------------------------------------


def _side(above_with, above_days, below_with, below_days):
    present, doses = {}, {}
    for i in range(above_days):
        day = D0 + timedelta(days=i)
        present[day], doses[day] = i < above_with, Decimal("400")
    for i in range(below_days):
        day = D0 + timedelta(days=100 + i)
        present[day], doses[day] = i < below_with, Decimal("200")
    return insight.side_effects(
        present, doses, threshold_mg=Decimal("350"), symptom_words="diarrhea"
    )


def test_side_effect_pattern_in_words_and_when_it_holds():
    pattern = _side(6, 9, 1, 40)
    assert pattern.words == "diarrhea on 6 of 9 days above 350 mg, 1 of 40 days below"
    assert pattern.comparison.difference == Fraction(6, 9) - Fraction(1, 40)
    assert pattern.holds
    assert insight.SIDE_EFFECT_ADVICE == (
        "If you notice diarrhea, fatigue, or low blood pressure, reduce your dose"
    )


def test_side_effect_pattern_that_does_not_hold():
    assert not _side(1, 9, 5, 40).holds  # rarer above the dose
    assert not _side(4, 4, 1, 40).holds  # only 4 days above: not enough
    assert _side(4, 4, 1, 40).comparison.verdict == Verdict.NOT_ENOUGH


def test_exactly_the_ul_is_not_above_it():
    present = {D0: True}
    doses = {D0: Decimal("350")}
    p = insight.side_effects(present, doses, threshold_mg=Decimal("350"), symptom_words="x")
    assert (p.above_days, p.below_days, p.below_with) == (0, 1, 1)


# --- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "born,band",
    [
        (None, "not given (adult figures used)"),
        (date(2026, 1, 1), "under 1 year"),
        (date(2018, 6, 1), "4-8 years"),
        (date(1990, 5, 17), "31-50 years"),
        (date(1950, 1, 1), "71 years or older"),
    ],
)
def test_age_band(born, band):
    assert insight.age_band(born, date(2026, 6, 1)) == band


SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles are not beside the checkout")
def test_other_factors_quote_the_articles_faithfully():
    text = " ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    factors = [f for group in insight.OTHER_FACTORS.values() for f in group]
    for factor in [*factors, *insight.GENERAL_FACTORS]:
        assert factor.quote in text, factor.quote
    assert insight.SIDE_EFFECT_ADVICE in text


def test_every_factor_cites_a_known_source():
    from tracker.citations import all_citations

    for group in [*insight.OTHER_FACTORS.values(), insight.GENERAL_FACTORS]:
        for factor in group:
            assert factor.citation_key in all_citations()
