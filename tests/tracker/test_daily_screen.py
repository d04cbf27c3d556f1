"""The daily screen: one mg format, status words that fit the day, short quick-log labels,
food search as tappable results (own foods first), and "log" links that carry the day."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    FoodFactory,
    MagnesiumFormFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
)
from tracker import daily_rows
from tracker.models import IntakeEntry
from tracker.templatetags.mg import mg, mg_number

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0"), "0.0"),
        (Decimal("200"), "200.0"),
        (Decimal("76.545"), "76.5"),
        (Decimal("76.55"), "76.6"),  # half up, once
        (Decimal("0.05"), "0.1"),
        (Decimal("-0.04"), "0.0"),  # never "-0.0"
        (Decimal("1234.56"), "1234.6"),
        (318, "318.0"),
    ],
)
def test_one_mg_format(value, shown):
    assert mg(value) == f"{shown}{NBSP}mg"
    assert mg_number(value) == shown


@pytest.mark.parametrize("value", [None, "", "abc", Decimal("NaN"), Decimal("Infinity")])
def test_no_figure_shows_nothing(value):
    assert mg(value) == "" and mg_number(value) == ""


def test_the_filter_in_a_template():
    html = Template("{% load mg %}{{ a|mg }}|{{ b|mg }}").render(
        Context({"a": Decimal("15"), "b": None})
    )
    assert html == f"15.0{NBSP}mg|"


@pytest.mark.django_db
def test_short_labels():
    glycinate = MagnesiumFormFactory(short_name="glycinate")
    two = SupplementProductFactory(
        name="Doctor's Best High Absorption Magnesium", form=glycinate, serving_quantity=2
    )
    assert daily_rows.short_label(two, form_shared=False) == "Glycinate x2"
    one = SupplementProductFactory(name="Calm", form=glycinate, serving_quantity=1)
    assert daily_rows.short_label(one, form_shared=False) == "Glycinate"
    # Two products of one compound: their own names, shortened.
    assert daily_rows.short_label(two, form_shared=True) == "Doctor's Best Hig… x2"
    assert daily_rows.short_label(one, form_shared=True) == "Calm"


@pytest.mark.django_db
def test_search_lists_own_foods_first_with_a_log_button(logged_in, user):
    FoodFactory(name="Qqnut, raw")
    FoodFactory(name="Qqnut, dry roasted")
    mine = FoodFactory(owner=user, name="Zz qqnut, my roast")
    html = logged_in.get(reverse("entry-add-food") + "?q=qqnut").content.decode()
    names = re.findall(r"<strong>([^<]+)</strong>", html.split('data-testid="food-results"')[1])
    assert names[0] == mine.name
    assert html.count("Log 1 serving") == 3
    assert "<select" not in html  # no dropdown of every food before one is chosen


@pytest.mark.django_db
def test_log_one_serving_from_a_search_on_a_past_day(logged_in, user):
    almonds = FoodFactory(name="Qqnut test", mg_per_100g=Decimal("270"))
    day = timezone.localdate() - timedelta(days=3)
    response = logged_in.post(
        reverse("quick-log-food"), {"food": almonds.pk, "day": day.isoformat()}
    )
    assert response["Location"] == reverse("day", args=[day.isoformat()])
    entry = IntakeEntry.objects.get(owner=user)
    assert (entry.day, entry.time, entry.servings) == (day, None, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["2999-01-01", "1800-01-01", "yesterday", "2026-13-40"])
def test_log_from_search_refuses_a_bad_day(logged_in, user, day):
    almonds = FoodFactory(name="Qqnut test")
    response = logged_in.post(reverse("quick-log-food"), {"food": almonds.pk, "day": day})
    assert response.status_code == 302
    assert not IntakeEntry.objects.filter(owner=user).exists()


@pytest.mark.django_db
def test_a_past_day_page_carries_its_day_in_every_log_link(logged_in, user):
    day = timezone.localdate() - timedelta(days=4)
    html = logged_in.get(reverse("day", args=[day.isoformat()])).content.decode()
    for name in ("entry-add", "entry-add-food", "symptom-list"):
        assert f'href="{reverse(name)}?day={day.isoformat()}"' in html
    assert "today" not in html.split('id="status-heading"')[1].split("</h2>")[0].lower()
    # The symptom form opens on that day.
    form = logged_in.get(f"{reverse('symptom-list')}?day={day.isoformat()}")
    assert f'value="{day.isoformat()}"' in form.content.decode()


@pytest.mark.django_db
def test_a_day_above_the_ul_says_so_first(logged_in, user):
    product = SupplementProductFactory(
        owner=user, label_basis="elemental", amount_per_serving_mg=Decimal("400")
    )
    SupplementEntryFactory(owner=user, product=product, day=timezone.localdate())
    html = logged_in.get("/").content.decode()
    status = html.split('data-testid="day-status"')[1].split("</section>")[0]
    assert "border-danger" in html.split('data-testid="day-status"')[0][-200:]
    assert f"Above your upper limit of 350.0{NBSP}mg by 50.0{NBSP}mg" in status
    # Strongest first: the UL flag (danger) before the starting range (notice).
    flags = re.findall(r'data-flag="(\w+)"', status)
    assert flags.index("above_ul") < flags.index("above_starting_range")
    assert "Target reached." not in status  # not in neutral words on such a day
    assert "above the upper limit" in status.lower()


@pytest.mark.django_db
def test_the_entry_list_renders_in_a_flat_number_of_queries(
    logged_in, user, django_assert_max_num_queries
):
    product = SupplementProductFactory(owner=user)
    for _ in range(30):
        SupplementEntryFactory(owner=user, product=product, day=timezone.localdate())
    with django_assert_max_num_queries(14):
        html = logged_in.get("/").content.decode()
    assert html.count('action="/entries/') >= 30  # each entry's Delete is a POST form


@pytest.mark.django_db
def test_import_preview_speaks_peoples_words():
    from datetime import date

    from tracker.views.transfer import counted, profile_words

    rows = dict(
        profile_words(
            {"date_of_birth": date(1990, 5, 17), "has_kidney_disease": False, "sex": "female"}
        )
    )
    assert "date_of_birth" not in str(rows) and "False" not in str(rows)
    assert rows["Date of birth"] == "17 May 1990"
    assert "no" in rows.values()
    assert counted(1, "new food", "new foods") == "1 new food"
    assert counted(2, "new food", "new foods") == "2 new foods"


@pytest.mark.django_db
def test_history_starts_at_the_first_entry(logged_in, user):
    from tracker import series
    from tracker.views.charts import from_first_entry

    today = timezone.localdate()
    product = SupplementProductFactory(
        owner=user, label_basis="elemental", amount_per_serving_mg=Decimal("100")
    )
    first = today - timedelta(days=5)
    SupplementEntryFactory(owner=user, product=product, day=first)  # 100 mg
    SupplementEntryFactory(owner=user, product=product, day=first + timedelta(days=1), servings=3)
    days = from_first_entry(series.history_series(user, today, 30), first)
    assert [h.totals.day for h in days][0] == first and len(days) == 6
    # Averages over the days since the first entry: 100, (100 + 300) / 2, 400 / 3 ...
    assert [h.moving_average_mg for h in days[:3]] == [
        Decimal("100.0"),
        Decimal("200.0"),
        Decimal("133.3"),
    ]
    html = logged_in.get(reverse("history") + "?days=30").content.decode()
    assert "It starts at your first entry" in html
    assert html.count("<tr data-day=") == 6


@pytest.mark.django_db
def test_quick_labels_never_read_the_same():
    anhydrous = MagnesiumFormFactory(short_name="L-threonate (anhydrous)")
    hydrate = MagnesiumFormFactory(short_name="L-threonate (monohydrate)")
    citrate = MagnesiumFormFactory(short_name="citrate")
    products = [
        SupplementProductFactory(name="Brain formula", form=anhydrous),
        SupplementProductFactory(name="Night formula", form=hydrate),
        SupplementProductFactory(name="Calm powder", form=citrate),
    ]
    labels = [q.label for q in daily_rows.quick_products(products)]
    assert labels == ["Brain formula", "Night formula", "Citrate"]
