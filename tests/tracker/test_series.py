"""tracker.series: per-day aggregates, zero rows, flags, week bounds, moving averages."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.factories import SymptomEntryFactory, UserFactory
from tests.factories import food_entry as food
from tests.factories import supplement_entry as supplement
from tracker import series
from tracker.intake import FlagCode
from tracker.models import SupplementKind
from tracker.series import DayStatus


@pytest.mark.parametrize(
    "on,monday,sunday",
    [
        (date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 22)),  # a Monday
        (date(2026, 11, 22), date(2026, 11, 16), date(2026, 11, 22)),  # a Sunday
        (date(2026, 4, 30), date(2026, 4, 27), date(2026, 5, 3)),  # across a month end
        (date(2026, 12, 31), date(2026, 12, 28), date(2027, 1, 3)),  # across a year end
        (date(2027, 1, 2), date(2026, 12, 28), date(2027, 1, 3)),
        (date(2028, 2, 29), date(2028, 2, 28), date(2028, 3, 5)),  # leap day
    ],
)
def test_week_bounds_run_monday_to_sunday(on, monday, sunday):
    assert series.week_bounds(on) == (monday, sunday)
    assert monday.weekday() == 0 and sunday.weekday() == 6


@pytest.mark.django_db
def test_day_series_has_one_row_per_day_with_zero_rows_and_split_totals(user, other_user):
    start = date(2026, 12, 28)
    supplement(user, start, "150")
    supplement(user, start, "50", kind=SupplementKind.MEDICATION)
    food(user, start, "80")
    food(user, start + timedelta(days=2), "120.5")
    supplement(other_user, start, "999")  # someone else's: never counted
    supplement(user, start + timedelta(days=7), "300")  # outside the range

    days = series.day_series(user, start, start + timedelta(days=6))

    assert [d.day for d in days] == [start + timedelta(days=i) for i in range(7)]
    first, second, third = days[:3]
    assert first.supplemental_mg == Decimal("200")
    assert first.food_mg == Decimal("80")
    assert first.total_mg == Decimal("280")
    assert first.entries == 3 and first.supplement_entries == 2
    assert second.total_mg == 0 and second.entries == 0 and not second.logged
    assert third.food_mg == Decimal("120.5") and third.supplemental_mg == 0
    assert sum(d.total_mg for d in days) == Decimal("400.5")


@pytest.mark.django_db
def test_day_series_costs_two_queries_whatever_the_number_of_entries(
    user, django_assert_num_queries
):
    start = date(2026, 3, 1)
    for i in range(40):
        supplement(user, start + timedelta(days=i % 10), "20")
        SymptomEntryFactory(owner=user, day=start + timedelta(days=i % 10))
    with django_assert_num_queries(2):
        days = series.day_series(user, start, start + timedelta(days=89))
    assert len(days) == 90
    assert days[0].supplemental_mg == Decimal("80")


@pytest.mark.django_db
def test_flags_follow_the_intake_rules(user):
    day = date(2026, 6, 1)
    supplement(user, day, "360")  # above the adult UL of 350 and the starting range
    supplement(user, day + timedelta(days=1), "100")
    SymptomEntryFactory(owner=user, day=day + timedelta(days=1), symptom="diarrhea")
    food(user, day + timedelta(days=2), "900")  # food never counts towards the UL
    SymptomEntryFactory(owner=user, day=day + timedelta(days=2), symptom="fatigue")

    over, side_effects, food_only = series.day_series(user, day, day + timedelta(days=2))

    assert set(over.flag_codes) == {FlagCode.ABOVE_UL, FlagCode.ABOVE_STARTING_RANGE}
    assert over.over_ul and over.flagged
    assert side_effects.flag_codes == [FlagCode.SIDE_EFFECTS]
    assert side_effects.has_side_effects
    # Fatigue without supplements is logged, but the side-effect flag needs supplements.
    assert food_only.flags == () and food_only.has_side_effects and not food_only.over_ul
    assert all(f.source for d in (over, side_effects) for f in d.flags)


@pytest.mark.django_db
def test_conditions_flag_any_supplement_day():
    person = UserFactory(has_kidney_disease=True)
    day = date(2026, 6, 1)
    supplement(person, day, "50")
    food(person, day + timedelta(days=1), "50")
    with_supplement, food_only = series.day_series(person, day, day + timedelta(days=1))
    assert with_supplement.flag_codes == [FlagCode.MEDICAL_SUPERVISION]
    assert food_only.flags == ()


@pytest.mark.django_db
def test_target_per_day_changes_on_a_birthday_and_is_absent_before_birth():
    # Turns 31 on 3 June 2026: from the 19-30 band (400 mg) into the 31-50 band (420 mg).
    person = UserFactory(sex="male", date_of_birth=date(1995, 6, 3))
    days = series.day_series(person, date(2026, 6, 1), date(2026, 6, 4))
    assert [d.target.mg for d in days] == [Decimal(400), Decimal(400), Decimal(420), Decimal(420)]
    before_birth = series.day_series(person, date(1995, 6, 1), date(1995, 6, 3))
    assert before_birth[0].target is None and before_birth[0].ul.mg is None
    assert before_birth[2].target is not None  # the day of birth itself has an AI


@pytest.mark.django_db
def test_week_summary_counts_and_mean_over_logged_days():
    user = UserFactory(sex="male", date_of_birth=None)  # target 400 mg, UL 350 mg
    monday = date(2026, 11, 16)
    supplement(user, monday, "100")
    food(user, monday, "350")  # 450 >= 400: target met
    supplement(user, monday + timedelta(days=1), "400")  # 400, at target, over the UL
    food(user, monday + timedelta(days=2), "50")  # below target
    SymptomEntryFactory(owner=user, day=monday + timedelta(days=2), symptom="low_blood_pressure")

    summary = series.week_summary(series.day_series(user, monday, monday + timedelta(days=6)))

    assert summary.logged_days == 3
    assert summary.mean_total_mg == Decimal("300.0")  # (450 + 400 + 50) / 3
    assert summary.days_at_target == 2
    assert summary.days_over_ul == 1
    # Low blood pressure on a food-only day is logged but is no side-effect flag (the flag
    # needs supplements, as on the day page), so the week counts no side-effect day.
    assert summary.days_with_side_effects == 0
    assert summary.days_flagged == 1


@pytest.mark.django_db
def test_week_summary_of_an_empty_week(user):
    summary = series.week_summary(series.day_series(user, date(2026, 1, 5), date(2026, 1, 11)))
    assert summary.mean_total_mg is None
    assert summary.days_at_target == summary.days_over_ul == summary.logged_days == 0


@pytest.mark.django_db
def test_history_moving_average_reaches_back_before_the_first_shown_day(user):
    end = date(2026, 5, 31)
    # 70 mg on each of the 6 days before the 30 shown ones, then 140 mg on the first shown day.
    first_shown = end - timedelta(days=29)
    for i in range(1, 7):
        food(user, first_shown - timedelta(days=i), "70")
    food(user, first_shown, "140")

    history = series.history_series(user, end, 30)

    assert len(history) == 30
    assert history[0].totals.day == first_shown and history[-1].totals.day == end
    assert history[0].moving_average_mg == Decimal("80.0")  # (6 * 70 + 140) / 7
    assert history[1].moving_average_mg == Decimal("70.0")  # (5 * 70 + 140) / 7
    assert history[6].moving_average_mg == Decimal("20.0")  # 140 / 7
    assert history[7].moving_average_mg == Decimal("0.0")


@pytest.mark.django_db
def test_history_moving_average_equals_the_mean_of_the_last_seven_totals(user):
    end = date(2026, 2, 10)
    for i, mg in enumerate(["10", "0", "33.3", "400", "12.25", "0", "7", "81", "5"]):
        if mg != "0":
            food(user, end - timedelta(days=i), mg)
    history = series.history_series(user, end, 30)
    totals = series.day_series(user, end - timedelta(days=35), end)
    for i, h in enumerate(history):
        window = totals[i : i + 7]
        assert window[-1].day == h.totals.day
        expected = sum(d.total_mg for d in window) / 7
        assert abs(h.moving_average_mg - expected) <= Decimal("0.05")


@pytest.mark.django_db
def test_month_calendar_is_monday_first_with_a_status_per_day(user):
    supplement(user, date(2026, 2, 2), "500")  # flagged
    food(user, date(2026, 2, 3), "450")  # target met
    food(user, date(2026, 2, 4), "100")  # below target
    cal = series.month_calendar(user, 2026, 2, today=date(2026, 2, 10))

    assert cal.weeks[0][0].day == date(2026, 1, 26)  # February 2026 starts on a Sunday
    assert not cal.weeks[0][0].in_month
    cells = {c.day: c for week in cal.weeks for c in week if c.in_month}
    assert len(cells) == 28
    assert cells[date(2026, 2, 2)].status == DayStatus.FLAGGED
    assert cells[date(2026, 2, 3)].status == DayStatus.MET
    assert cells[date(2026, 2, 4)].status == DayStatus.BELOW
    assert cells[date(2026, 2, 5)].status == DayStatus.EMPTY
    assert cells[date(2026, 2, 11)].status == DayStatus.FUTURE
    assert cells[date(2026, 2, 3)].label == "Target met"
