"""The dashboard and the day page, quick logging, local days, and the whole loop as a new
person walks it."""

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
    SymptomEntryFactory,
    UserFactory,
)
from tracker import intake
from tracker.models import EntryKind, IntakeEntry, SupplementKind, WarningSent

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


def day_url(day: date) -> str:
    return reverse("day", kwargs={"day": day.isoformat()})


@pytest.fixture
def mixed_day(user, product):
    """141 mg from a capsule, 100 mg from an antacid, 76.55 mg from almonds, and a symptom."""
    antacid = SupplementProductFactory(
        owner=user, name="Antacid", kind=SupplementKind.MEDICATION, elemental_mg="100"
    )
    almonds = FoodFactory(name="Almonds, test", mg_per_100g=Decimal("270"))
    SupplementEntryFactory(owner=user, day=today(), product=product, time=time(8, 5))
    SupplementEntryFactory(owner=user, day=today(), product=antacid, note="after dinner")
    FoodEntryFactory(owner=user, day=today(), food=almonds, elemental_mg=Decimal("76.55"))
    SymptomEntryFactory(owner=user, day=today(), symptom="diarrhea", severity=3)
    return {"capsule": product, "antacid": antacid, "almonds": almonds}


def test_dashboard_shows_the_day(logged_in, user, mixed_day):
    response = logged_in.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    # One number format (tracker/templatetags/mg.py): one decimal, a non-breaking space.
    assert '<span class="metric" data-testid="total-mg">317.6\u00a0mg</span>' in html
    assert 'data-testid="food-mg">76.6\u00a0mg<' in html
    assert 'data-testid="supplement-mg">241.0\u00a0mg<' in html
    # The progress bar: accessible figures, and its text.
    assert 'role="progressbar"' in html
    assert 'aria-valuenow="317.6"' in html and 'aria-valuemax="420.0"' in html
    assert "102.5\u00a0mg to go to reach your target" in html
    # Supplemental mg against the three thresholds, each with its source.
    assert intake.STARTING_RANGE_SOURCE.title in html
    assert intake.DOCUMENTED_RANGE_SOURCE.title in html
    assert intake.ul_for(user, today()).source.title in html
    # Flags with severity and source: above the starting range; side effects.
    assert 'data-flag="above_starting_range"' in html and 'data-flag="side_effects"' in html
    assert intake.SIDE_EFFECT_SOURCE.title in html
    assert "alert alert-info" in html and "alert alert-warning" in html
    # Entries and symptoms with their edit links; quick-log buttons.
    for entry in IntakeEntry.objects.filter(owner=user):
        assert reverse("entry-edit", args=[entry.pk]) in html
    assert "after dinner" in html
    assert reverse("symptom-edit", args=[user.symptoms.get().pk]) in html
    assert reverse("quick-log-product", args=[mixed_day["capsule"].pk]) in html
    assert "Glycinate caps" in html and 'name="servings"' in html  # label and stepper
    assert reverse("repeat-yesterday") in html
    assert 'name="food" value="{}"'.format(mixed_day["almonds"].pk) in html
    # Previous and next day.
    assert (
        day_url(today() - timedelta(days=1)) in html
        and day_url(today() + timedelta(days=1)) in html
    )


def test_day_page_shows_that_day_only(logged_in, user, mixed_day):
    earlier = today() - timedelta(days=10)
    SupplementEntryFactory(owner=user, day=earlier, product=mixed_day["capsule"], servings=3)
    response = logged_in.get(day_url(earlier))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="supplement-mg">423.0\u00a0mg<' in html
    assert 'data-testid="food-mg">0.0\u00a0mg<' in html
    flags = set(re.findall(r'data-flag="(\w+)"', html))
    assert flags == {"above_starting_range", "above_ul", "above_documented_range"}
    assert "alert alert-danger" in html
    assert day_url(earlier - timedelta(days=1)) in html
    assert day_url(earlier + timedelta(days=1)) in html
    assert f"{reverse('entry-add')}?day={earlier.isoformat()}" in html


def test_food_suggestions_on_a_short_day(logged_in, user):
    FoodFactory(name="Zz pumpkin seeds", mg_per_100g=Decimal("1500"), serving_grams=Decimal("28"))
    html = logged_in.get("/").content.decode()
    assert "420.0\u00a0mg to go to reach your target" in html
    assert "information, not an alarm" in html
    assert "Zz pumpkin seeds" in html  # 420 mg a serving: the closest single serving


def test_tomorrow_is_the_last_day_with_a_page(logged_in):
    tomorrow = today() + timedelta(days=1)
    response = logged_in.get(day_url(tomorrow))
    assert response.status_code == 200
    assert day_url(tomorrow + timedelta(days=1)) not in response.content.decode()


@pytest.mark.parametrize(
    "text", ["2026-02-30", "abc", "2026-1-5", "20260105", "1899-12-31", "9999-12-31", "2026-13-01"]
)
def test_day_page_with_an_invalid_date_is_404(logged_in, text):
    assert logged_in.get(f"/day/{text}/").status_code == 404


def test_far_future_day_is_404(logged_in):
    assert logged_in.get(day_url(today() + timedelta(days=2))).status_code == 404


def test_day_picker_redirects(logged_in):
    assert logged_in.get("/day/?date=2026-01-05").url == "/day/2026-01-05/"
    assert logged_in.get("/day/").url == day_url(today())
    assert logged_in.get("/day/?date=junk").url == day_url(today())


def test_pages_need_a_login(client):
    for url in ("/day/2026-01-05/", "/day/", "/supplements/", "/symptoms/", "/foods/mine/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def _bulk_entries(user, day: date, count: int) -> None:
    product = SupplementProductFactory(owner=user)
    food = FoodFactory()
    rows = [
        IntakeEntry(
            owner=user, day=day, kind=EntryKind.SUPPLEMENT, product=product,
            servings=Decimal("1"), elemental_mg=Decimal("1"),
        )
        if i % 2
        else IntakeEntry(
            owner=user, day=day, kind=EntryKind.FOOD, food=food, grams=Decimal("1"),
            elemental_mg=Decimal("1"),
        )
        for i in range(count)
    ]  # fmt: skip
    IntakeEntry.objects.bulk_create(rows)
    SymptomEntryFactory.create_batch(count // 50 or 1, owner=user, day=day)


@pytest.mark.parametrize("page", ["dashboard", "day"])
def test_query_count_is_the_same_with_1_and_500_entries(
    page, django_assert_max_num_queries, page_queries
):
    one, many = UserFactory(), UserFactory()
    day = today() if page == "dashboard" else today() - timedelta(days=3)
    url = "/" if page == "dashboard" else day_url(day)
    _bulk_entries(one, day, 1)
    _bulk_entries(many, day, 500)
    client_one, client_many = Client(), Client()
    client_one.force_login(one)
    client_many.force_login(many)
    page_queries(client_one, url)  # warm-up: content types, sessions
    baseline = page_queries(client_one, url)
    page_queries(client_many, url)  # the same warm-up (it keeps the dashboard's kept parts)
    with django_assert_max_num_queries(baseline):
        response = client_many.get(url)
    assert response.context["overview"].totals.entries == 500
    assert "Entries (500)" in response.content.decode()


def test_quick_log_one_capsule_now(logged_in, user):
    product = SupplementProductFactory(owner=user)
    response = logged_in.post(reverse("quick-log-product", args=[product.pk]))
    assert response.status_code == 302 and response.url == reverse("dashboard")
    entry = IntakeEntry.objects.get(owner=user)
    assert (entry.day, entry.servings, entry.elemental_mg) == (today(), 1, Decimal("141.00"))
    assert entry.time is not None


def test_quick_log_by_get_writes_nothing(logged_in, user):
    product = SupplementProductFactory(owner=user)
    response = logged_in.get(reverse("quick-log-product", args=[product.pk]))
    assert response.status_code == 302
    assert response.url == f"{reverse('entry-add')}?product={product.pk}"
    assert logged_in.get(reverse("quick-log-food")).status_code == 405
    assert logged_in.get(reverse("repeat-yesterday")).status_code == 405
    assert not IntakeEntry.objects.exists()


def test_archived_products_have_no_quick_log(logged_in, user):
    product = SupplementProductFactory(owner=user, is_archived=True)
    assert logged_in.post(reverse("quick-log-product", args=[product.pk])).status_code == 404
    assert (
        reverse("quick-log-product", args=[product.pk]) not in logged_in.get("/").content.decode()
    )


def test_quick_log_a_recent_food(logged_in, user, other_user):
    food = FoodFactory(serving_grams=Decimal("28.35"), mg_per_100g=Decimal("270"))
    logged_in.post(reverse("quick-log-food"), {"food": food.pk})
    entry = IntakeEntry.objects.get(owner=user)
    assert (entry.servings, entry.grams, entry.elemental_mg) == (
        1,
        Decimal("28.35"),
        Decimal("76.545"),
    )
    # Another person's food, or junk, is refused without a 500.
    for junk in (FoodFactory(owner=other_user).pk, "abc", "", "99999999"):
        response = logged_in.post(reverse("quick-log-food"), {"food": junk}, follow=True)
        assert response.status_code == 200
        assert "Choose one of the foods shown." in response.content.decode()
    assert IntakeEntry.objects.count() == 1


def test_repeat_yesterday_from_the_dashboard(logged_in, user):
    product = SupplementProductFactory(owner=user)
    SupplementEntryFactory(owner=user, product=product, day=today() - timedelta(days=1), servings=2)
    response = logged_in.post(reverse("repeat-yesterday"), follow=True)
    assert "Logged 1 supplement entries from yesterday (282.0\u00a0mg" in response.content.decode()
    entry = IntakeEntry.objects.filter(owner=user, day=today()).get()
    assert (entry.servings, entry.elemental_mg) == (2, Decimal("282.00"))


def test_repeat_with_nothing_yesterday_says_so(logged_in, user):
    response = logged_in.post(reverse("repeat-yesterday"), follow=True)
    assert "Nothing to repeat" in response.content.decode()
    assert not IntakeEntry.objects.exists()


def test_an_entry_at_2330_local_lands_on_that_local_day(client, fixed_now):
    # 04:30 UTC on 16 January is 23:30 on 15 January in New York.
    fixed_now(datetime(2026, 1, 16, 4, 30, 20, tzinfo=UTC))
    person = UserFactory(timezone="America/New_York")
    client.force_login(person)
    product = SupplementProductFactory(owner=person)

    # The form proposes the local day and time...
    form = client.get(reverse("entry-add")).context["form"]
    assert form.initial["day"] == date(2026, 1, 15) and form.initial["time"] == time(23, 30)
    # ...and "1 capsule now" stores them.
    client.post(reverse("quick-log-product", args=[product.pk]))
    entry = IntakeEntry.objects.get(owner=person)
    assert (entry.day, entry.time) == (date(2026, 1, 15), time(23, 30))
    # The dashboard is that local day's, and shows the entry.
    page = client.get("/")
    assert page.context["day"] == date(2026, 1, 15)
    assert page.context["overview"].totals.entries == 1


def test_done_when_a_new_person_walks_the_loop(
    client, mailoutbox, django_capture_on_commit_callbacks, glycinate
):
    """Sign up, set the profile, add "magnesium glycinate 1000 mg (compound weight)", log two
    capsules and an ounce of almonds: about 282 mg from supplements and 77 mg from food against
    the target, "above starting range" with its source, and the message and e-mail once."""
    almonds = FoodFactory(
        name="Almonds (test)", mg_per_100g=Decimal("270"), serving_grams=Decimal("28.35")
    )

    response = client.post(
        reverse("signup"),
        {"username": "ana", "email": "ana@example.com", "password1": "a long enough passphrase",
         "password2": "a long enough passphrase"},
    )  # fmt: skip
    assert response.url == reverse("profile")
    response = client.post(
        reverse("profile"),
        {"email": "ana@example.com", "sex": "female", "date_of_birth": "1990-05-17",
         "life_stage": "none", "timezone": "Europe/Lisbon", "target_override_mg": "",
         "email_warnings": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    ana = User.objects.get(username="ana")
    assert ana.email_warnings

    # The product: the form previews the elemental figure before saving.
    product_data = {
        "name": "Magnesium glycinate 1000 mg",
        "brand": "",
        "form": glycinate.pk,
        "kind": "supplement",
        "label_basis": "compound",
        "amount_per_serving_mg": "1000",
        "serving_unit": "capsule",
    }
    preview = client.post(reverse("product-add"), {**product_data, "preview": "1"})
    assert "<strong>141.0\u00a0mg</strong>" in preview.content.decode()
    assert not ana.products.exists()
    saved = client.post(reverse("product-add"), {**product_data, "save": "1"}, follow=True)
    assert "141.0 mg elemental magnesium per serving of 1 capsule" in saved.content.decode()
    product = ana.products.get()

    local_today = timezone.localdate(timezone=zoneinfo.ZoneInfo("Europe/Lisbon"))
    with django_capture_on_commit_callbacks(execute=True):
        logged = client.post(
            reverse("entry-add"),
            {
                "product": product.pk,
                "servings": "2",
                "day": local_today.isoformat(),
                "time": "08:00",
            },
            follow=True,
        )
        client.post(
            reverse("entry-add-food"),
            {"food": almonds.pk, "grams": "28.35", "day": local_today.isoformat(), "note": ""},
        )
    html = logged.content.decode()
    assert "Above the starting range: 282.0 mg from supplements" in html  # the message
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ana@example.com"]

    dashboard = client.get("/").content.decode()
    assert 'data-testid="supplement-mg">282.0\u00a0mg<' in dashboard
    assert 'data-testid="food-mg">76.5\u00a0mg<' in dashboard
    assert '<strong data-testid="target-of">320.0\u00a0mg</strong>' in dashboard
    assert "NIH RDA, women 31-50" in dashboard
    assert 'data-flag="above_starting_range"' in dashboard
    assert intake.STARTING_RANGE_SOURCE.title in dashboard
    assert "Above the starting range: 282.0" not in dashboard  # the message came once

    # Logging more food crosses nothing new: no new message, no new e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("quick-log-food"), {"food": almonds.pk})
    assert len(mailoutbox) == 1
    assert WarningSent.objects.filter(owner=ana).count() == 1


@pytest.mark.parametrize("url", ["/", "/day/", "/supplements/", "/supplements/add/", "/foods/mine/",
                                 "/foods/mine/add/", "/entries/add/supplement/",
                                 "/entries/add/food/?q=a", "/symptoms/"])  # fmt: skip
def test_no_inline_script_or_style(logged_in, user, mixed_day, url):
    """A strict Content-Security-Policy: scripts only from files, no style attributes."""
    response = logged_in.get(url, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs and not body.strip(), attrs
    assert "style=" not in html and " onclick=" not in html
