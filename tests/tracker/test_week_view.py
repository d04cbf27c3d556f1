"""/week/ and /week/YYYY-MM-DD/: boundaries, chart payload = table = day totals, flags,
averages, navigation, login and a query count that does not grow with the history."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from tests.factories import FoodFactory, SymptomEntryFactory, UserFactory, bulk_supplement_entries
from tests.factories import food_entry as add_food
from tests.factories import supplement_entry as add_supplement
from tracker import series

MONDAY = date(2026, 11, 16)


class RowsParser(HTMLParser):
    """The cells of every ``<tr data-day>`` of a page: {day: {column: text}}, plus classes."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.row_classes: dict[str, str] = {}
        self._day = None
        self._col = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-day" in attrs:
            self._day = attrs["data-day"]
            self.rows[self._day] = {}
            self.row_classes[self._day] = attrs.get("class") or ""
        elif tag in ("td", "th") and self._day and attrs.get("data-col"):
            self._col, self._text = attrs["data-col"], []

    def handle_data(self, data):
        if self._col:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._col:
            self.rows[self._day][self._col] = " ".join("".join(self._text).split())
            self._col = None
        elif tag == "tr":
            self._day = None


def table_rows(html: str) -> RowsParser:
    parser = RowsParser()
    parser.feed(html)
    return parser


def json_payload(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no json_script #{element_id}"
    return json.loads(match[1])


def number(cell: str) -> float:
    return float(cell.split()[0])


def two_weeks(owner):
    """Two weeks of ordinary logging with a flagged day in each week."""
    start = MONDAY - timedelta(days=7)
    almonds = FoodFactory(name="Almonds (test)", mg_per_100g=Decimal("270"))
    for i in range(14):
        day = start + timedelta(days=i)
        add_food(owner, day, "270", food=almonds)
        add_supplement(owner, day, "120" if i not in (3, 10) else "420")  # 3 and 10: over UL
    SymptomEntryFactory(owner=owner, day=start + timedelta(days=5), symptom="diarrhea")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/week/", "/week/2026-12-31/"])
def test_week_requires_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["2026-02-30", "2026-13-01", "abc", "20261231", "2026-1-5", "0001-01-01", "9999-12-31"]
)
def test_an_invalid_date_is_404(logged_in, bad):
    assert logged_in.get(f"/week/{bad}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "on,monday",
    [
        ("2026-12-31", date(2026, 12, 28)),  # a year end: Monday 28 Dec to Sunday 3 Jan
        ("2027-01-03", date(2026, 12, 28)),
        ("2026-04-30", date(2026, 4, 27)),  # a month end
        ("2026-11-16", date(2026, 11, 16)),
    ],
)
def test_the_week_runs_monday_to_sunday_around_the_date(logged_in, on, monday):
    response = logged_in.get(f"/week/{on}/")
    assert response.status_code == 200
    html = response.content.decode()
    days = list(table_rows(html).rows)
    assert days == [(monday + timedelta(days=i)).isoformat() for i in range(7)]
    assert json_payload(html, "week-chart-data")["days"] == days
    assert f'href="/week/{(monday - timedelta(days=7)).isoformat()}/"' in html
    assert f'href="/week/{(monday + timedelta(days=7)).isoformat()}/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "zone,monday,today",
    [
        # Sunday 3 January 2027, 15:00 UTC, is already Monday 4 January on Kiritimati (UTC+14).
        ("Pacific/Kiritimati", "2027-01-04", "2027-01-04"),
        ("UTC", "2026-12-28", "2027-01-03"),
    ],
)
def test_week_uses_the_persons_local_today(client, fixed_now, zone, monday, today):
    fixed_now(datetime(2027, 1, 3, 15, 0, tzinfo=UTC))
    client.force_login(UserFactory(timezone=zone))
    response = client.get("/week/")
    assert list(table_rows(response.content.decode()).rows)[0] == monday
    assert [r["totals"].day.isoformat() for r in response.context["rows"] if r["is_today"]] == [
        today
    ]


@pytest.mark.django_db
def test_chart_payload_equals_table_equals_day_totals(logged_in, user):
    two_weeks(user)
    for monday in (MONDAY - timedelta(days=7), MONDAY):
        html = logged_in.get(f"/week/{monday.isoformat()}/").content.decode()
        payload = json_payload(html, "week-chart-data")
        rows = table_rows(html).rows
        days = series.day_series(user, monday, monday + timedelta(days=6))
        assert payload["days"] == list(rows) == [d.day.isoformat() for d in days]
        for i, d in enumerate(days):
            row = rows[d.day.isoformat()]
            assert (
                payload["supplemental"][i]
                == number(row["supplemental"])
                == float(d.supplemental_mg)
            )
            assert payload["food"][i] == number(row["food"]) == float(d.food_mg)
            assert payload["total"][i] == number(row["total"]) == float(d.total_mg)
            assert payload["target"][i] == number(row["target"]) == float(d.target.mg)
            assert payload["ul"][i] == number(row["ul"]) == float(d.ul.mg)
            assert payload["flagged"][i] == d.flagged == ("⚠" in row["flags"])
        assert sum(payload["total"]) == pytest.approx(7 * 270 + 6 * 120 + 420)


@pytest.mark.django_db
def test_flagged_days_stand_out_in_chart_and_table(logged_in, user):
    two_weeks(user)
    html = logged_in.get(f"/week/{MONDAY.isoformat()}/").content.decode()
    parsed = table_rows(html)
    flagged_day = (MONDAY + timedelta(days=3)).isoformat()
    plain_day = (MONDAY + timedelta(days=2)).isoformat()
    assert "table-warning" in parsed.row_classes[flagged_day]
    assert "Above the upper limit (UL)" in parsed.rows[flagged_day]["flags"]
    assert "table-warning" not in parsed.row_classes[plain_day]
    payload = json_payload(html, "week-chart-data")
    assert payload["flagged"] == [False, False, False, True, False, False, False]
    assert payload["labels"][3].endswith("⚠") and "⚠" not in payload["labels"][2]
    assert "Above the upper limit (UL)" in payload["flags"][3]
    # Every threshold cites its source.
    assert "Magnesium: Fact Sheet for Health Professionals" in html


@pytest.mark.django_db
def test_the_weeks_averages(logged_in):
    person = UserFactory(sex="female", date_of_birth=None)  # 310 mg target, 350 mg UL
    logged_in.force_login(person)
    add_food(person, MONDAY, "300")
    add_supplement(person, MONDAY, "20")  # 320: at target
    add_supplement(person, MONDAY + timedelta(days=1), "360")  # over the UL, above target
    add_food(person, MONDAY + timedelta(days=2), "100")  # below
    SymptomEntryFactory(owner=person, day=MONDAY + timedelta(days=1), symptom="fatigue")

    response = logged_in.get(f"/week/{MONDAY.isoformat()}/")
    html = response.content.decode()
    summary = response.context["summary"]
    assert summary.mean_total_mg == Decimal("260.0")  # (320 + 360 + 100) / 3 logged days
    assert re.search(r'data-testid="mean-total">\s*260\.0\u00a0mg', html)
    assert re.search(r'data-testid="days-at-target">2 of 7<', html)
    assert re.search(r'data-testid="days-over-ul">1<', html)
    assert re.search(r'data-testid="days-side-effects">1<', html)


@pytest.mark.django_db
def test_the_page_has_no_inline_script_or_style_and_an_accessible_chart(logged_in, user):
    two_weeks(user)
    html = logged_in.get(f"/week/{MONDAY.isoformat()}/").content.decode()
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        assert "src=" not in attrs or not body.strip()
    assert "style=" not in html and "onclick" not in html
    assert "/static/js/week_chart.js" in html
    assert "/static/vendor/chart.js/chart.umd.min.js" in html
    assert re.search(r'<canvas id="week-chart" role="img"\s+aria-label="[^"]+"', html)
    assert "<caption>" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "table-cards" in html  # each day a card on a phone, no sideways scroll


@pytest.mark.django_db
def test_others_data_never_shows(logged_in, user, other_user):
    add_supplement(other_user, MONDAY, "999")
    html = logged_in.get(f"/week/{MONDAY.isoformat()}/").content.decode()
    assert json_payload(html, "week-chart-data")["supplemental"][0] == 0
    assert "999" not in html


@pytest.mark.django_db
def test_query_count_does_not_grow_with_entries(logged_in, user, page_queries):
    url = f"/week/{MONDAY.isoformat()}/"
    add_supplement(user, MONDAY, "100")
    one = page_queries(logged_in, url)
    bulk_supplement_entries(user, [MONDAY + timedelta(days=i % 7) for i in range(300)], "10")
    SymptomEntryFactory.create_batch(20, owner=user, day=MONDAY)
    many = page_queries(logged_in, url)
    assert many == one
    assert one <= 6


@pytest.mark.django_db
def test_rows_link_to_their_day_pages(logged_in):
    html = logged_in.get(f"/week/{MONDAY.isoformat()}/").content.decode()
    for i in range(7):
        assert f'href="/day/{(MONDAY + timedelta(days=i)).isoformat()}/"' in html


@pytest.mark.django_db
def test_a_person_without_a_target_yet_still_gets_the_week(client):
    person = UserFactory(sex="", date_of_birth=None)
    client.force_login(person)
    add_supplement(person, MONDAY, "120")
    response = client.get(f"/week/{MONDAY.isoformat()}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert json_payload(html, "week-chart-data")["target"] == [None] * 7
    assert "No target yet" in html
    assert table_rows(html).rows[MONDAY.isoformat()]["supplemental"] == "120.0"


@pytest.mark.django_db
def test_a_week_before_the_persons_birth_has_no_limits_and_no_error(client):
    person = UserFactory(date_of_birth=date(2000, 1, 5))
    client.force_login(person)
    response = client.get("/week/2000-01-01/")  # Monday 27 Dec 1999 to Sunday 2 Jan 2000
    assert response.status_code == 200
    payload = json_payload(response.content.decode(), "week-chart-data")
    assert payload["days"][0] == "1999-12-27"
    assert payload["target"] == [None] * 7 and payload["ul"] == [None] * 7
