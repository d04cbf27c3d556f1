"""The routine's pure rules (tracker/routine_rules.py), with hand-computed numbers."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from tracker import routine_rules as rules

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def test_a_dose_falls_due_at_its_local_time_in_winter_and_summer():
    # 21:30 in Berlin is 20:30 UTC in winter (CET, +1) and 19:30 UTC in summer (CEST, +2).
    assert rules.planned_instant(dt.date(2026, 1, 15), dt.time(21, 30), BERLIN) == dt.datetime(
        2026, 1, 15, 20, 30, tzinfo=UTC
    )
    assert rules.planned_instant(dt.date(2026, 7, 15), dt.time(21, 30), BERLIN) == dt.datetime(
        2026, 7, 15, 19, 30, tzinfo=UTC
    )


def test_a_0230_dose_on_the_spring_forward_day_falls_due_at_0330_local():
    # 29 March 2026: Berlin's clocks jump from 02:00 to 03:00, so 02:30 never happens; the
    # dose falls due when the clock would have shown it: 01:30 UTC, which reads 03:30 CEST.
    due = rules.planned_instant(dt.date(2026, 3, 29), dt.time(2, 30), BERLIN)
    assert due == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert due.astimezone(BERLIN).time() == dt.time(3, 30)
    # The day before and after: 02:30 CET (01:30 UTC) and 02:30 CEST (00:30 UTC).
    assert rules.planned_instant(dt.date(2026, 3, 28), dt.time(2, 30), BERLIN).hour == 1
    assert rules.planned_instant(dt.date(2026, 3, 30), dt.time(2, 30), BERLIN).hour == 0


def test_a_0230_dose_in_the_repeated_autumn_hour_falls_due_once_at_the_first():
    # 25 October 2026: 02:00-03:00 happens twice (CEST, then CET). The first 02:30 is 00:30 UTC.
    due = rules.planned_instant(dt.date(2026, 10, 25), dt.time(2, 30), BERLIN)
    assert due == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_after_a_time_zone_change_the_same_local_time_is_a_different_instant():
    day, at = dt.date(2026, 11, 29), dt.time(21, 30)
    berlin = rules.planned_instant(day, at, BERLIN)
    new_york = rules.planned_instant(day, at, zoneinfo.ZoneInfo("America/New_York"))
    assert new_york - berlin == dt.timedelta(hours=6)


def test_an_unknown_zone_is_utc():
    assert rules.zone_for("Not/AZone") == zoneinfo.ZoneInfo("UTC")


@pytest.mark.parametrize(
    "day,planned",
    [
        (dt.date(2026, 11, 30), True),  # a Monday
        (dt.date(2026, 12, 1), False),  # a Tuesday
        (dt.date(2026, 11, 29), False),  # before the start
        (dt.date(2026, 12, 14), True),  # the end day itself
        (dt.date(2026, 12, 21), False),  # after the end
    ],
)
def test_planned_days(day, planned):
    assert (
        rules.is_planned_on(
            day, weekdays="04", start=dt.date(2026, 11, 30), end=dt.date(2026, 12, 14)
        )
        is planned
    )


def test_weekday_words():
    assert rules.weekday_words("0123456") == "daily"
    assert rules.weekday_words("40") == "Mon, Fri"


@pytest.mark.parametrize(
    "at,quiet",
    [("21:59", False), ("22:00", True), ("03:00", True), ("06:59", True), ("07:00", False)],
)
def test_quiet_hours_wrap_past_midnight(at, quiet):
    assert rules.in_quiet_hours(dt.time.fromisoformat(at), dt.time(22), dt.time(7)) is quiet


def test_a_reminder_in_quiet_hours_waits_for_their_end():
    due = dt.datetime(2026, 11, 29, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    later = rules.after_quiet_hours(due, BERLIN, dt.time(23), dt.time(7))
    assert later == dt.datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 07:00 Berlin next day
    assert rules.after_quiet_hours(due, BERLIN, None, None) == due


def test_supply_arithmetic_and_the_refill_threshold():
    # 2 capsules a day: 14 capsules last exactly 7 days, which is the default threshold.
    per_day = rules.average_per_day([(Decimal(2), "0123456")])
    assert per_day == Decimal(2)
    assert rules.days_left(Decimal(14), per_day) == Decimal(7)
    assert rules.refill_due(Decimal(14), per_day, 7)
    assert not rules.refill_due(Decimal(16), per_day, 7)
    assert rules.days_left(Decimal(10), Decimal(0)) is None
    # 2 capsules on Mondays and Thursdays only: 4 a week, 4/7 a day.
    assert rules.average_per_day([(Decimal(2), "03")]) == Decimal(4) / 7


def test_busiest_day_of_a_routine():
    doses = [
        rules.PlannedMg(Decimal("141"), "0123456"),
        rules.PlannedMg(Decimal("141"), "0123456"),
        rules.PlannedMg(Decimal("200"), "5"),
    ]
    assert rules.busiest_day(doses) == (Decimal("482"), 3)
    assert rules.busiest_day([]) == (Decimal(0), 0)


def test_the_interaction_table_is_read():
    table = rules.medicine_rules()
    assert table["oral bisphosphonates"].hours_before == 2
    assert table["tetracycline antibiotics"].hours_after == 6
    assert not table["proton pump inhibitors"].has_timing
    assert table["quinolone antibiotics"].citation_key == "nih_ods"


@pytest.mark.parametrize(
    "medicine,inside",
    [
        ("19:00", False),  # exactly 2 h before magnesium at 21:00: fine
        ("19:01", True),  # 1 h 59 min before: flagged
        ("21:00", True),
        ("23:59", True),  # 2 h 59 min after: the antibiotic needs 6 h after magnesium
        ("02:59", True),  # 5 h 59 min after, past midnight
        ("03:00", False),  # exactly 6 h after
    ],
)
def test_tetracycline_window_edges(medicine, inside):
    rule = rules.medicine_rules()["tetracycline antibiotics"]  # 2 h before, 6 h after
    assert (
        rules.inside_window(
            magnesium_at=dt.time(21), medicine_at=dt.time.fromisoformat(medicine), rule=rule
        )
        is inside
    )


@pytest.mark.parametrize(
    "medicine,inside",
    [("07:00", False), ("07:01", True), ("10:59", True), ("11:00", False), ("09:00", True)],
)
def test_bisphosphonate_window_edges_both_sides(medicine, inside):
    # Magnesium at 09:00; the medicine at least 2 h before (07:00) or 2 h after (11:00).
    rule = rules.medicine_rules()["oral bisphosphonates"]
    assert (
        rules.inside_window(
            magnesium_at=dt.time(9), medicine_at=dt.time.fromisoformat(medicine), rule=rule
        )
        is inside
    )


def test_the_window_wraps_past_midnight():
    rule = rules.medicine_rules()["oral bisphosphonates"]
    assert rules.inside_window(magnesium_at=dt.time(0, 30), medicine_at=dt.time(23, 30), rule=rule)
    assert not rules.inside_window(
        magnesium_at=dt.time(1, 30), medicine_at=dt.time(23, 30), rule=rule
    )


def test_inform_groups_have_no_window():
    rule = rules.medicine_rules()["proton pump inhibitors"]
    assert not rules.inside_window(magnesium_at=dt.time(9), medicine_at=dt.time(9), rule=rule)
