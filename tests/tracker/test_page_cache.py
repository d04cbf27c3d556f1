"""The rendered-page cache (tracker/page_cache.py): a page is served again only while nothing
it shows can have changed, and every way a person changes their data makes it stale."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import User
from tests.accounts.test_signup_profile import profile_data
from tests.factories import (
    FoodFactory,
    MedicineFactory,
    RoutineDoseFactory,
    SupplementEntryFactory,
    SymptomEntryFactory,
    UserFactory,
)
from tests.routes import urls
from tests.tracker.test_entries import food_data, supplement_data
from tests.tracker.test_import import HEADER, import_file
from tests.tracker.test_myfoods import food_data as own_food_data
from tests.tracker.test_products import product_data
from tests.tracker.test_symptoms import symptom_data
from tracker import page_cache
from tracker.models import FollowedSymptom, IntakeEntry

pytestmark = pytest.mark.django_db

CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def cached_paths() -> list[str]:
    today = timezone.localdate()
    return [
        "/",
        f"/day/{today:%Y-%m-%d}/",
        f"/week/{today:%Y-%m-%d}/",
        "/history/",
        "/insight/",
        "/report/?days=90",
    ]


def without_tokens(html: bytes) -> str:
    """A page with its CSRF tokens blanked: each rendering masks the secret afresh."""
    return CSRF_VALUE.sub('name="csrfmiddlewaretoken" value=""', html.decode())


def fresh(client: Client, path: str, settings) -> str:
    seconds = settings.PAGE_CACHE_SECONDS
    settings.PAGE_CACHE_SECONDS = 0
    try:
        response = client.get(path)
    finally:
        settings.PAGE_CACHE_SECONDS = seconds
    assert response.status_code == 200
    return without_tokens(response.content)


def served(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return without_tokens(response.content)


@pytest.fixture
def things(user, product):
    own_food = FoodFactory(owner=user, name="Granola", mg_per_100g=Decimal("120"))
    today = timezone.localdate()
    return {
        "product": product,
        "own_food": own_food,
        "reference_food": FoodFactory(name="Almonds, test", mg_per_100g=Decimal("270")),
        "entry": SupplementEntryFactory(owner=user, product=product, day=today),
        "yesterday": SupplementEntryFactory(
            owner=user, product=product, day=today - timedelta(days=1)
        ),
        "symptom": SymptomEntryFactory(owner=user, day=today),
        "dose": RoutineDoseFactory(owner=user, product=product),
        "medicine": MedicineFactory(owner=user),
    }


def _dose_data(product) -> dict:
    return {
        "product": product.pk,
        "quantity": "2",
        "unit": "capsule",
        "time": "08:00",
        "weekdays": list("0123456"),
        "start_date": f"{timezone.localdate():%Y-%m-%d}",
    }


def _on_dose(name: str):
    def write(c, u, t):
        return c.post(reverse(name, args=[t["dose"].pk, f"{timezone.localdate():%Y-%m-%d}"]))

    return write


# --- Hits --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", cached_paths())
def test_a_page_is_served_again_without_its_queries(browser, things, path, page_queries):
    first = page_queries(browser, path)  # rendered and kept
    with CaptureQueriesContext(connection) as ctx:
        again = browser.get(path)
    # Only the session and the user, which every signed-in request loads.
    assert len(ctx.captured_queries) == 2 < first
    assert without_tokens(again.content) == served(browser, path)


def test_the_cached_pages_forms_still_pass_the_csrf_check(user, things):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")
    client.get("/")  # kept
    page = client.get("/").content.decode()  # served from the cache
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    url = reverse("quick-log-product", args=[things["product"].pk])
    response = client.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert IntakeEntry.objects.filter(owner=user).count() == 3


def test_no_csrf_cookie_no_cache(client, user, things):
    """A first visit has no CSRF secret yet: its page is rendered (and makes the cookie)."""
    client.force_login(user)
    response = client.get("/")
    assert response.cookies["csrftoken"].value
    # No page kept (the dashboard's parts may be: they hold no CSRF token of their own).
    assert not [key for key in caches["pages"]._cache if ":page:" in key]


def test_people_never_see_each_others_pages(browser, user, things):
    served(browser, "/")
    other = UserFactory(username="someone-else")
    other_client = Client()
    other_client.force_login(other)
    # Even with the same CSRF cookie the key differs by person.
    other_client.cookies["csrftoken"] = browser.cookies["csrftoken"].value
    for _ in range(2):
        page = other_client.get("/").content.decode()
        assert "Glycinate caps" not in page


def test_the_key_moves_on_at_local_midnight(browser, user, monkeypatch):
    request = _request_for(browser, user)
    today_key = page_cache.page_key(request)
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: tomorrow)
    tomorrow_key = page_cache.page_key(request)
    assert tomorrow_key != today_key and f":{tomorrow:%Y%m%d}:" in tomorrow_key


def _request_for(client, user):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=user.pk)
    request.META["CSRF_COOKIE"] = client.cookies["csrftoken"].value
    request.session = client.session
    request._messages = FallbackStorage(request)
    return request


def test_key_names_person_version_day_and_csrf_secret(browser, user):
    request = _request_for(browser, user)
    key = page_cache.page_key(request)
    assert key.startswith(f"page:{user.pk}:{request.user.data_version}:")
    request.META["CSRF_COOKIE"] = "x" * 32
    assert page_cache.page_key(request) != key
    del request.META["CSRF_COOKIE"]
    assert page_cache.page_key(request) is None


def test_a_waiting_message_is_shown_not_cached(browser, user, things):
    served(browser, "/")
    served(browser, "/")  # kept
    browser.post(reverse("entry-delete", args=[things["entry"].pk]))
    page = browser.get("/").content.decode()
    assert "deleted" in page.lower()  # the flash message, from a fresh rendering
    assert "deleted" not in browser.get("/").content.decode().lower()  # shown once


def test_turned_off_with_zero_seconds(browser, things, settings, page_queries):
    settings.PAGE_CACHE_SECONDS = 0
    first = page_queries(browser, "/")
    assert page_queries(browser, "/") == first
    assert not caches["pages"]._cache


def test_a_full_save_of_a_stale_user_never_lowers_the_version(user):
    stale = User.objects.get(pk=user.pk)
    page_cache.mark_changed(user)
    page_cache.mark_changed(user)
    stale.first_name = "Ana"
    stale.save()  # e.g. a password change with the user loaded before the writes
    user.refresh_from_db()
    assert (user.first_name, user.data_version) == ("Ana", stale.data_version + 2)


# --- Every write makes the pages stale ----------------------------------------------------


def _import(client, user, things):
    row = f"{timezone.localdate():%Y-%m-%d},,food,Almonds, test,,28.35,g,76.55,"
    return import_file(client, "\n".join([HEADER, row.replace("Almonds, test", '"Almonds, test"')]))


def _undo(client, user, things):
    from tracker.services import undo

    return client.post(
        reverse("undo"), {"token": undo.created_token(owner=user, entries=[things["entry"]])}
    )


def _cronometer_import(client, user, things):
    text = f"Day,Food Name,Amount,Magnesium (mg)\n{timezone.localdate():%Y-%m-%d},Kale,50 g,23\n"
    upload = SimpleUploadedFile("servings.csv", text.encode(), "text/csv")
    client.post(reverse("cronometer-import"), {"file": upload})
    digest = client.get(reverse("cronometer-preview")).context["form"].initial["digest"]
    return client.post(reverse("cronometer-confirm"), {"digest": digest})


# route name -> the POST a person makes through the page (each answers a redirect).
WRITES = {
    "entry-add": lambda c, u, t: c.post(reverse("entry-add"), supplement_data(t["product"])),
    "entry-add-food": lambda c, u, t: c.post(
        reverse("entry-add-food"), food_data(t["reference_food"])
    ),
    "entry-edit": lambda c, u, t: c.post(
        reverse("entry-edit", args=[t["entry"].pk]),
        supplement_data(t["product"], servings="3"),
    ),
    "entry-delete": lambda c, u, t: c.post(reverse("entry-delete", args=[t["entry"].pk])),
    "repeat-yesterday": lambda c, u, t: c.post(reverse("repeat-yesterday")),
    "quick-log-food": lambda c, u, t: c.post(reverse("quick-log-food"), {"food": t["own_food"].pk}),
    "quick-log-product": lambda c, u, t: c.post(
        reverse("quick-log-product", args=[t["product"].pk])
    ),
    "product-add": lambda c, u, t: c.post(
        reverse("product-add"), product_data(t["product"].form, name="Citrate", save="1")
    ),
    "product-edit": lambda c, u, t: c.post(
        reverse("product-edit", args=[t["product"].pk]),
        product_data(t["product"].form, name="Glycinate renamed", save="1"),
    ),
    "product-delete": lambda c, u, t: c.post(reverse("product-delete", args=[t["product"].pk])),
    "myfood-add": lambda c, u, t: c.post(reverse("myfood-add"), own_food_data(name="Soup")),
    "myfood-edit": lambda c, u, t: c.post(
        reverse("myfood-edit", args=[t["own_food"].pk]), own_food_data(name="Granola, new")
    ),
    "myfood-delete": lambda c, u, t: c.post(reverse("myfood-delete", args=[t["own_food"].pk])),
    "symptom-list": lambda c, u, t: c.post(reverse("symptom-list"), symptom_data()),
    "symptom-edit": lambda c, u, t: c.post(
        reverse("symptom-edit", args=[t["symptom"].pk]), symptom_data(severity="5")
    ),
    "symptom-delete": lambda c, u, t: c.post(reverse("symptom-delete", args=[t["symptom"].pk])),
    "import-confirm": _import,
    "checkin": lambda c, u, t: (
        FollowedSymptom.objects.create(owner=u, symptom="cramps"),
        c.post(
            reverse("checkin"), {"day": f"{timezone.localdate():%Y-%m-%d}", "score_cramps": "0"}
        ),
    )[1],
    "checkin-follow": lambda c, u, t: c.post(reverse("checkin-follow"), {"symptoms": ["sleep"]}),
    "undo": _undo,
    "cronometer-confirm": _cronometer_import,
    "profile": lambda c, u, t: c.post(
        reverse("profile"), profile_data(sex="male", target_override_mg="500")
    ),
    "routine": lambda c, u, t: c.post(reverse("routine"), _dose_data(t["product"])),
    "routine-edit": lambda c, u, t: c.post(
        reverse("routine-edit", args=[t["dose"].pk]), _dose_data(t["product"])
    ),
    "routine-delete": lambda c, u, t: c.post(reverse("routine-delete", args=[t["dose"].pk])),
    "routine-take": _on_dose("routine-take"),
    "routine-skip": _on_dose("routine-skip"),
    "routine-snooze": _on_dose("routine-snooze"),
    "routine-stock": lambda c, u, t: c.post(
        reverse("routine-stock", args=[t["product"].pk]), {"action": "bottle", "units": "60"}
    ),
    "routine-medicines": lambda c, u, t: c.post(
        reverse("routine-medicines"), {"group": "proton pump inhibitors", "name": "omeprazole"}
    ),
    "routine-medicine-delete": lambda c, u, t: c.post(
        reverse("routine-medicine-delete", args=[t["medicine"].pk])
    ),
    "routine-notifications": lambda c, u, t: c.post(
        reverse("routine-notifications"), {"email_reminders": "on"}
    ),
}

# POST routes that change nothing a cached page shows (or end the session).
NOT_SHOWN = {
    "login",
    "logout",
    "signup",
    "password_change",
    "password_reset",
    "password_reset_confirm",
    "signin_link",  # e-mails a one-time sign-in link
    "signin_link_use",  # signs in (a new session)
    "email_change_confirm",  # the address shows on no cached page (it marks them stale anyway)
    "delete_account",
    "import",  # the upload is only read into the session for the preview
    "import-cancel",
    "cronometer-import",  # the Cronometer upload waits in its own table for the preview
    "cronometer-preview",  # the preview again, with other products chosen: writes nothing
    "cronometer-cancel",
    "forms",  # the converter
    "api-tokens",  # tokens show on no cached page
    "api-token-revoke",
    "openapi-json",  # the API's schema and docs: read only
    "openapi-view",
    "api-not-found",  # /api/ and unknown API addresses: a JSON 404
    "routine-push-subscribe",  # a device's push address, shown on no cached page
    # The notification's buttons answer the service worker in JSON; "taken" marks pages stale
    # through the same service as the checklist (tests/tracker/test_routine.py checks it).
    "routine-push-action",
}
# The REST API's writes answer a token, not this session: tests/api/test_api_page_cache.py
# checks, for every write the API's schema lists, that it makes the person's pages stale.
API_WRITES = {"api-entry-supplement", "api-entry-food", "api-symptoms", "api-entry"}


def test_every_post_route_is_classified(browser, things):
    """A new view that writes must say here how it keeps cached pages fresh."""
    unclassified = []
    for route, url in urls(things, f"{timezone.localdate():%Y-%m-%d}"):
        if route.startswith("bench/"):
            continue
        name = resolve(url).url_name
        if name in WRITES or name in NOT_SHOWN or name in API_WRITES:
            continue
        if browser.post(url, {}).status_code != 405:
            unclassified.append(name)
    assert not unclassified, f"add to WRITES or NOT_SHOWN: {sorted(set(unclassified))}"


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_makes_cached_pages_stale(browser, user, things, settings, name):
    for path in cached_paths():
        served(browser, path)
        served(browser, path)  # kept
    version = User.objects.get(pk=user.pk).data_version

    response = WRITES[name](browser, user, things)

    assert response.status_code == 302, response.content.decode()[:1000]
    assert User.objects.get(pk=user.pk).data_version > version
    browser.get("/")  # shows the write's message, if any
    for path in cached_paths():
        served(browser, path)  # kept again
        assert served(browser, path) == fresh(browser, path, settings), path


def test_admin_edits_make_the_owners_pages_stale(client, user, things):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    entry = things["entry"]
    start = User.objects.get(pk=user.pk).data_version
    response = client.post(
        reverse("admin:tracker_symptomentry_delete", args=[things["symptom"].pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("admin:tracker_intakeentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert response.status_code == 302 and not IntakeEntry.objects.filter(pk=entry.pk).exists()
    assert User.objects.get(pk=user.pk).data_version == start + 2


def test_admin_profile_edits_make_the_persons_pages_stale(user):
    from django.contrib.admin.sites import site

    start = User.objects.get(pk=user.pk).data_version
    user.target_override_mg = Decimal("450")
    site._registry[User].save_model(None, user, None, change=True)
    stored = User.objects.get(pk=user.pk)
    assert (stored.target_override_mg, stored.data_version) == (Decimal("450"), start + 1)


# --- Parts of the dashboard kept across the day's writes ------------------------------------


def test_after_logging_the_dashboard_reuses_its_kept_parts(browser, user, things, settings):
    """Log, then the dashboard: the day is rendered afresh, the products, routine and check-in
    parts are not (their queries do not run), and the page matches a fresh rendering."""
    FollowedSymptom.objects.create(owner=user, symptom="cramps")
    served(browser, "/")
    browser.post(reverse("entry-add"), supplement_data(things["product"]))
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get("/").status_code == 200
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    for table in ("tracker_routinedose", "tracker_doserecord", "tracker_followedsymptom"):
        assert table not in tables
    assert 'FROM "tracker_supplementproduct"' not in tables  # the quick-log buttons
    assert served(browser, "/") == fresh(browser, "/", settings)


def test_a_kept_part_carries_a_token_valid_for_each_session(user, things):
    """A new log-in rotates the CSRF secret; the quick-log button kept from the old session
    still posts, with the new session's own token."""
    first = Client(enforce_csrf_checks=True)
    first.force_login(user)
    first.get(reverse("profile"))
    first.get("/")  # renders and keeps the parts
    second = Client(enforce_csrf_checks=True)
    second.force_login(user)
    second.get(reverse("profile"))
    page = second.get("/").content.decode()
    assert page_cache.CSRF_PLACEHOLDER not in page
    url = reverse("quick-log-product", args=[things["product"].pk])
    form = page[page.index(f'action="{url}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    assert second.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert IntakeEntry.objects.filter(owner=user, day=timezone.localdate()).count() == 2
