"""The REST API: owner-scoped reads and writes, figures as strings, JSON errors, rate limit."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from tests.api.conftest import bearer
from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
    SymptomEntryFactory,
)
from tracker.models import IntakeEntry, SymptomEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, write_token):
    class Api:
        def get(self, url, **params):
            return client.get(url, params, **bearer(write_token))

        def post(self, url, data):
            return client.post(url, data, content_type="application/json", **bearer(write_token))

        def delete(self, url):
            return client.delete(url, **bearer(write_token))

    return Api()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def product(user):
    # 1000 mg of a compound at 14.1 % elemental: 141 mg a capsule.
    return SupplementProductFactory(owner=user, name="Glycinate")


def test_products_are_the_persons_own(api, product, other_user):
    SupplementProductFactory(owner=other_user, name="Theirs")
    body = api.get("/api/products").json()
    assert [p["name"] for p in body] == ["Glycinate"]
    assert body[0]["elemental_mg_per_serving"] == "141.0"
    assert body[0]["elemental_mg_per_serving_exact"] == "141"


def test_logging_a_supplement_dose(api, user, product, today):
    version = User.objects.get(pk=user.pk).data_version
    response = api.post(
        "/api/entries/supplements",
        {"product_id": product.pk, "day": today.isoformat(), "servings": "1.5", "note": "lunch"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    entry = IntakeEntry.objects.get(pk=body["id"], owner=user)
    # 141 mg x 1.5 = 211.5 mg
    assert entry.elemental_mg == Decimal("211.5")
    assert body["elemental_mg"] == "211.5" and body["elemental_mg_exact"] == "211.5"
    assert body["name"] == "Glycinate" and body["kind"] == "supplement"
    # 211.5 mg supplemental crosses the 200 mg starting range: the new flag is reported.
    assert [f["code"] for f in body["new_flags"]] == ["above_starting_range"]
    assert User.objects.get(pk=user.pk).data_version > version


def test_logging_a_food(api, user, today):
    food = FoodFactory(mg_per_100g=Decimal("270"))
    response = api.post(
        "/api/entries/foods", {"food_id": food.pk, "day": today.isoformat(), "grams": "28.35"}
    )
    assert response.status_code == 201, response.content
    # 28.35 g x 270 / 100 = 76.545 mg, shown 76.5
    assert response.json()["elemental_mg_exact"] == "76.545"
    assert response.json()["elemental_mg"] == "76.5"


def test_another_persons_own_food_or_product_is_404(api, other_user, today):
    theirs = FoodFactory(owner=other_user)
    their_product = SupplementProductFactory(owner=other_user)
    day = today.isoformat()
    food = api.post("/api/entries/foods", {"food_id": theirs.pk, "day": day, "grams": "10"})
    dose = api.post(
        "/api/entries/supplements", {"product_id": their_product.pk, "day": day, "servings": "1"}
    )
    assert food.status_code == dose.status_code == 404
    assert not IntakeEntry.objects.exists()


def test_another_persons_entry_is_404_and_stays(api, other_user):
    theirs = SupplementEntryFactory(owner=other_user)
    assert api.get(f"/api/entries/{theirs.pk}").status_code == 404
    assert api.delete(f"/api/entries/{theirs.pk}").status_code == 404
    assert IntakeEntry.objects.filter(pk=theirs.pk).exists()


def test_deleting_an_own_entry(api, user, product):
    entry = SupplementEntryFactory(owner=user, product=product)
    version = User.objects.get(pk=user.pk).data_version
    assert api.delete(f"/api/entries/{entry.pk}").status_code == 204
    assert not IntakeEntry.objects.filter(pk=entry.pk).exists()
    assert User.objects.get(pk=user.pk).data_version > version


def test_entries_by_date_range_and_page(api, user, product, other_user):
    start = date(2026, 1, 1)
    for n in range(5):
        SupplementEntryFactory(owner=user, product=product, day=start + timedelta(days=n))
    SupplementEntryFactory(owner=other_user, day=start)
    first = api.get("/api/entries", start="2026-01-02", end="2026-01-05", limit=2).json()
    assert first["count"] == 4 and first["next_offset"] == 2
    assert [e["day"] for e in first["items"]] == ["2026-01-02", "2026-01-03"]
    second = api.get("/api/entries", start="2026-01-02", end="2026-01-05", limit=2, offset=2)
    assert [e["day"] for e in second.json()["items"]] == ["2026-01-04", "2026-01-05"]
    assert second.json()["next_offset"] is None


def test_the_page_of_entries_costs_the_same_queries_however_long(
    api, user, product, django_assert_max_num_queries
):
    for _ in range(30):
        SupplementEntryFactory(owner=user, product=product, day=date(2026, 1, 1))
    with django_assert_max_num_queries(6):
        api.get("/api/entries", start="2026-01-01", end="2026-01-01", limit=200)


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-02-30"},
        {"start": "2026-01-05", "end": "2026-01-01"},
        {"start": "2000-01-01", "end": "2026-01-01"},
        {"limit": "0"},
        {"limit": "100000"},
        {"offset": "-1"},
        {"start": "1000-01-01"},
    ],
)
def test_bad_ranges_are_a_json_422(api, params):
    response = api.get("/api/entries", **params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_symptoms_listed_and_logged(api, user, other_user, today):
    SymptomEntryFactory(owner=other_user, day=today)
    response = api.post(
        "/api/symptoms", {"day": today.isoformat(), "symptom": "headache", "severity": 3}
    )
    assert response.status_code == 201, response.content
    assert response.json()["label"] == "Headache or migraine"
    listed = api.get("/api/symptoms").json()
    assert [s["symptom"] for s in listed["items"]] == ["headache"]
    assert SymptomEntry.objects.filter(owner=user).count() == 1


@pytest.mark.parametrize(
    "body,status",
    [
        ({"symptom": "headache", "severity": 9}, 422),
        ({"symptom": "nope", "severity": 2}, 422),
        ({"symptom": "cramps", "severity": 2, "note": "a\x00b"}, 422),
        ({"symptom": "cramps", "severity": 2, "note": "x" * 501}, 422),
        ({"symptom": "cramps", "severity": 2, "day": "9999-12-31"}, 422),
        ({"symptom": "cramps", "severity": 2, "day": "2100-01-01"}, 400),
    ],
)
def test_refused_symptoms_say_why(api, today, body, status):
    response = api.post("/api/symptoms", {"day": today.isoformat(), **body})
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert not SymptomEntry.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"servings": "0"},
        {"servings": "-1"},
        {"servings": "NaN"},
        {"servings": "1e400"},
        {"quantity": "2", "unit": "bucket"},
        {},
        {"servings": "1", "time": "12:00:00+02:00"},
        {"servings": "1", "day": "2026-13-01"},
    ],
)
def test_refused_doses_are_json_errors_not_500(api, product, today, body):
    response = api.post(
        "/api/entries/supplements", {"product_id": product.pk, "day": today.isoformat(), **body}
    )
    assert response.status_code in (400, 422), response.content
    assert response.json()["detail"]
    assert not IntakeEntry.objects.exists()


def test_a_day_with_its_totals_and_flags(api, user, product, today):
    SupplementEntryFactory(owner=user, product=product, day=today, servings=Decimal("3"))
    FoodEntryFactory(owner=user, day=today, food=FoodFactory(mg_per_100g=Decimal("100")))
    body = api.get(f"/api/days/{today.isoformat()}").json()
    # 3 x 141 = 423 mg supplemental; 28.35 g x 100 / 100 = 28.35 mg food
    assert body["supplemental_mg"] == "423.0"
    assert body["food_mg_exact"] == "28.35" and body["food_mg"] == "28.4"
    assert body["total_mg_exact"] == "451.35" and body["total_mg"] == "451.4"
    assert body["upper_limit_mg"] == "350.0"
    codes = {f["code"] for f in body["flags"]}
    assert {"above_starting_range", "above_ul", "above_documented_range"} <= codes
    assert all(f["source_title"] for f in body["flags"])


def test_a_week(api, user, product):
    SupplementEntryFactory(owner=user, product=product, day=date(2026, 1, 7))
    body = api.get("/api/weeks/2026-01-07").json()
    assert body["start"] == "2026-01-05" and body["end"] == "2026-01-11"
    assert len(body["days"]) == 7
    assert body["days"][2]["supplemental_mg"] == "141.0"
    assert body["days"][0]["entries"] == 0


@pytest.mark.parametrize("url", ["/api/days/2026-02-30", "/api/weeks/9999-12-31", "/api/days/x"])
def test_impossible_days_are_422(api, url):
    response = api.get(url)
    assert response.status_code == 422 and response.json()["detail"]


def test_an_unknown_api_address_is_json(api):
    response = api.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_requests_beyond_the_rate_are_429_per_token(client, api, settings, user):
    from api.tokens import create_token

    settings.API_RATE_PER_MINUTE = 3
    for _ in range(3):
        assert api.get("/api/products").status_code == 200
    refused = api.get("/api/products")
    assert refused.status_code == 429
    assert "at most 3 a minute" in refused.json()["detail"]
    assert int(refused["Retry-After"]) >= 1
    other = create_token(owner=user, name="other", scope="read").secret
    assert client.get("/api/products", **bearer(other)).status_code == 200


def test_the_schema_and_docs_are_served(client):
    schema = client.get("/api/schema")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/entries/{entry_id}" in paths and "/api/weeks/{day}" in paths
    assert client.get("/api/docs").status_code == 200


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_the_api_root_is_json_too(client, method):
    response = getattr(client, method)("/api/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_bug_still_answers_json(api, monkeypatch, product):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("tracker.selectors.day_overview", broken)
    response = api.get("/api/days/2026-01-05")
    assert response.status_code == 500
    assert response.json()["detail"].startswith("Something went wrong")


def test_an_account_deleted_mid_request_is_a_json_401(api, monkeypatch, product, today):
    from accounts.errors import AccountGone

    def gone(user, **kwargs):
        raise AccountGone(1)

    monkeypatch.setattr("tracker.page_cache.mark_changed", gone)
    response = api.post(
        "/api/entries/supplements",
        {"product_id": product.pk, "day": today.isoformat(), "servings": "1"},
    )
    assert response.status_code == 401
    assert "no longer exists" in response.json()["detail"]
