"""/history/: 30 or 90 days with a 7-day moving average, the month calendar, and a query
count that does not grow with the history."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import SymptomEntryFactory, bulk_supplement_entries
from tests.factories import food_entry as add_food
from tests.factories import supplement_entry as add_supplement
from tests.tracker.test_week_view import json_payload, number, table_rows
from tracker import series


@pytest.fixture(autouse=True)
def _fixed_now(fixed_now):
    """A fixed "now", so that a run across midnight cannot move "today" under a test."""
    fixed_now(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))


@pytest.mark.django_db
def test_history_requires_login(client):
    response = client.get("/history/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query,days", [("", 30), ("?days=30", 30), ("?days=90", 90), ("?days=7", 30), ("?days=x", 30)]
)
def test_history_shows_30_or_90_days_ending_today(logged_in, query, days):
    today = timezone.localdate()
    html = logged_in.get("/history/" + query).content.decode()
    payload = json_payload(html, "history-chart-data")
    assert len(payload["days"]) == days
    assert payload["days"][-1] == today.isoformat()
    assert payload["days"][0] == (today - timedelta(days=days - 1)).isoformat()


@pytest.mark.django_db
def test_chart_payload_equals_table_and_moving_averages(logged_in, user):
    today = timezone.localdate()
    # 70 mg a day for the 7 days before the 30 shown ones, then a 490 mg day, then nothing.
    first_shown = today - timedelta(days=29)
    for i in range(1, 8):
        add_food(user, first_shown - timedelta(days=i), "70")
    add_food(user, first_shown, "490")
    add_supplement(user, first_shown + timedelta(days=3), "500")

    html = logged_in.get("/history/").content.decode()
    payload = json_payload(html, "history-chart-data")
    rows = table_rows(html).rows

    assert list(rows) == payload["days"]
    assert payload["moving_average"][:5] == [130.0, 120.0, 110.0, 171.4, 161.4]
    assert payload["moving_average"][7] == 71.4  # 500 / 7: the 490 mg day has left the window
    assert payload["total"][0] == 490.0 and payload["total"][1] == 0.0
    assert payload["flagged"][3] is True and not any(payload["flagged"][4:])
    history = series.history_series(user, today, 30)
    for i, h in enumerate(history):
        row = rows[h.totals.day.isoformat()]
        assert payload["total"][i] == number(row["total"]) == float(h.totals.total_mg)
        assert payload["moving_average"][i] == number(row["moving_average"])
        assert payload["moving_average"][i] == float(h.moving_average_mg)
        assert payload["target"][i] == number(row["target"]) == float(h.totals.target.mg)


@pytest.mark.django_db
def test_calendar_colours_days_with_words_and_a_legend(logged_in, user):
    today = timezone.localdate()
    first = today.replace(day=1)
    add_supplement(user, first, "500")  # flagged
    html = logged_in.get("/history/").content.decode()
    cell = re.search(
        rf'<td data-day="{first.isoformat()}" data-status="(\w+)"\s+class="(\S+)"', html
    )
    assert cell and cell[1] == "flagged" and cell[2] == "table-danger"
    assert re.search(rf'data-day="{first.isoformat()}".*?visually-hidden">Flagged<', html, re.S)
    legend = re.search(r'data-testid="calendar-legend">(.*?)</ul>', html, re.S)[1]
    for words in ("Target met", "Below target", "Flagged", "Nothing logged"):
        assert words in legend


@pytest.mark.django_db
def test_calendar_month_parameter_and_its_links(logged_in, user):
    add_food(user, timezone.localdate().replace(year=2025, month=12, day=31), "450")
    response = logged_in.get("/history/?month=2025-12")
    html = response.content.decode()
    assert response.context["calendar"].month == 12
    assert 'data-day="2025-12-31" data-status="met"' in html
    assert "month=2025-11" in html and "month=2026-01" in html
    # A month that is not one falls back to the current month, never an error.
    for bad in ("2025-13", "abcd-01", "0000-01", "2025-1"):
        response = logged_in.get(f"/history/?month={bad}")
        assert response.status_code == 200
        assert response.context["calendar"].month == timezone.localdate().month


@pytest.mark.django_db
def test_history_has_no_inline_script_or_style(logged_in, user):
    html = logged_in.get("/history/?days=90").content.decode()
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        assert "src=" not in attrs or not body.strip()
    assert "style=" not in html and "onclick" not in html
    assert "/static/js/history_chart.js" in html
    assert re.search(r'<canvas id="history-chart" role="img"\s+aria-label="[^"]+"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [30, 90])
def test_query_count_does_not_grow_with_history(logged_in, user, days, page_queries):
    today = timezone.localdate()
    url = f"/history/?days={days}"
    add_food(user, today, "100")
    one = page_queries(logged_in, url)
    bulk_supplement_entries(user, [today - timedelta(days=i % 120) for i in range(300)], "42")
    for i in range(30):
        SymptomEntryFactory(owner=user, day=today - timedelta(days=i))
    many = page_queries(logged_in, url)
    assert many == one
    assert one <= 8
