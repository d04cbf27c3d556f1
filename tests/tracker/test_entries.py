"""Entries through their pages: add, edit, delete with confirmation, the food picker, bad input
and other people's ids."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
)
from tracker.models import EntryKind, IntakeEntry

pytestmark = pytest.mark.django_db


def today_iso() -> str:
    return timezone.localdate().isoformat()


@pytest.fixture
def almonds(db):
    return FoodFactory(name="Almonds (entries test)", mg_per_100g=Decimal("270"))


def supplement_data(product, /, **overrides) -> dict:
    data = {"product": product.pk, "servings": "2", "day": today_iso(), "time": "08:30", "note": ""}
    return {**data, **overrides}


def food_data(food, /, **overrides) -> dict:
    data = {"food": food.pk, "grams": "28.35", "servings": "", "day": today_iso(), "note": ""}
    return {**data, **overrides}


def test_add_supplement_computes_mg_on_the_server(logged_in, user, product):
    response = logged_in.post(
        reverse("entry-add"), supplement_data(product, elemental_mg="99999", kind="food")
    )
    assert response.status_code == 302 and response.url == reverse("dashboard")
    entry = IntakeEntry.objects.get(owner=user)
    assert (entry.kind, entry.servings, entry.elemental_mg) == (
        EntryKind.SUPPLEMENT,
        Decimal("2"),
        Decimal("282.00"),
    )
    assert entry.time.hour == 8 and entry.time.minute == 30


def test_the_supplement_form_has_labelled_fields_and_defaults(logged_in, product):
    response = logged_in.get(reverse("entry-add") + f"?product={product.pk}")
    html = response.content.decode()
    for name, label in (("product", "Product"), ("quantity", "Amount"), ("day", "Day"),
                        ("time", "Time"), ("note", "Note")):  # fmt: skip
        assert re.search(rf'<label\s+for="id_{name}"[^>]*>\s*{label}', html), label
    form = response.context["form"]
    assert form.initial["product"] == product.pk and form.initial["quantity"] == 1
    assert form.initial["day"] == timezone.localdate()
    assert 'type="date"' in html and 'type="time"' in html


def test_an_entry_on_an_earlier_day_goes_back_to_that_day(logged_in, user, product):
    earlier = (timezone.localdate() - timedelta(days=4)).isoformat()
    response = logged_in.post(reverse("entry-add"), supplement_data(product, day=earlier))
    assert response.url == f"/day/{earlier}/"


def test_add_food_by_grams_and_by_servings(logged_in, user, almonds):
    logged_in.post(reverse("entry-add-food"), food_data(almonds))
    logged_in.post(reverse("entry-add-food"), food_data(almonds, grams="", servings="2"))
    by_grams, by_servings = IntakeEntry.objects.filter(owner=user).order_by("id")
    assert (by_grams.kind, by_grams.elemental_mg) == (EntryKind.FOOD, Decimal("76.545"))
    assert (by_servings.servings, by_servings.grams) == (Decimal("2"), Decimal("56.70"))
    assert by_servings.elemental_mg == Decimal("153.09")


def test_food_picker_without_javascript(logged_in, user, other_user, almonds):
    mine = FoodFactory(owner=user, name="Almonds, my own roast")
    theirs = FoodFactory(owner=other_user, name="Almonds, theirs")
    response = logged_in.get(reverse("entry-add-food") + "?q=almonds")
    html = response.content.decode()
    assert almonds.name in html and mine.name in html and theirs.name not in html
    assert f'href="?food={almonds.pk}"' in html
    chosen = logged_in.get(reverse("entry-add-food") + f"?food={mine.pk}")
    assert chosen.context["chosen"] == mine
    assert chosen.context["form"].initial["food"] == mine.pk
    # Another person's food id in the address is simply not chosen.
    other = logged_in.get(reverse("entry-add-food") + f"?food={theirs.pk}")
    assert other.status_code == 200 and other.context["chosen"] is None
    # The form's choices: reference and own foods only.
    choices = set(chosen.context["form"].fields["food"].queryset)
    assert {almonds, mine} <= choices and theirs not in choices


def refused(client, url: str, data: dict):
    """POST ``data`` to a logging form: the form comes back with its errors, nothing logged."""
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not IntakeEntry.objects.exists()
    return response


BAD_SUPPLEMENT = {
    "zero servings": {"servings": "0"},
    "negative servings": {"servings": "-1"},
    "10^9 servings": {"servings": "1000000000"},
    "letters": {"servings": "two"},
    "NaN": {"servings": "NaN"},
    "no servings": {"servings": ""},
    "too many decimals": {"servings": "1.00001"},
    "two days ahead": {"day": "__ahead__"},
    "before 1900": {"day": "1899-12-31"},
    "a date that does not exist": {"day": "2026-02-30"},
    "letters for a day": {"day": "yesterday"},
    "bad time": {"time": "25:99"},
    "100 kB note": {"note": "x" * 100_000},
    "no product": {"product": ""},
    "unknown product": {"product": "99999999"},
}


@pytest.mark.parametrize("overrides", BAD_SUPPLEMENT.values(), ids=BAD_SUPPLEMENT.keys())
def test_bad_supplement_input_is_a_form_error(logged_in, product, overrides):
    if overrides.get("day") == "__ahead__":
        overrides = {"day": (timezone.localdate() + timedelta(days=2)).isoformat()}
    refused(logged_in, reverse("entry-add"), supplement_data(product, **overrides))


def test_another_persons_product_id_is_not_a_valid_choice(logged_in, other_user):
    theirs = SupplementProductFactory(owner=other_user)
    response = refused(logged_in, reverse("entry-add"), supplement_data(theirs))
    assert "Select a valid choice" in str(response.context["form"].errors["product"])


def test_an_archived_product_cannot_be_logged_anew(logged_in, user):
    archived = SupplementProductFactory(owner=user, is_archived=True)
    response = refused(logged_in, reverse("entry-add"), supplement_data(archived))
    assert "product" in response.context["form"].errors


BAD_FOOD = {
    "zero grams": {"grams": "0"},
    "negative grams": {"grams": "-28"},
    "over 5 kg": {"grams": "5000.01"},
    "letters": {"grams": "lots"},
    "neither": {"grams": ""},
    "both": {"servings": "1"},
    "10^9 servings": {"grams": "", "servings": "1000000000"},
    "servings over 5 kg": {"grams": "", "servings": "99"},  # 99 x 100 g
    "before 1900": {"day": "1800-01-01"},
    "100 kB note": {"note": "x" * 100_000},
}


@pytest.mark.parametrize("overrides", BAD_FOOD.values(), ids=BAD_FOOD.keys())
def test_bad_food_input_is_a_form_error(logged_in, overrides):
    food = FoodFactory(serving_grams=Decimal("100"))
    refused(logged_in, reverse("entry-add-food"), food_data(food, **overrides))


def test_another_persons_food_id_is_not_a_valid_choice(logged_in, other_user):
    theirs = FoodFactory(owner=other_user)
    response = refused(logged_in, reverse("entry-add-food"), food_data(theirs))
    assert "Select a valid choice" in str(response.context["form"].errors["food"])


def test_edit_a_supplement_entry(logged_in, user, product):
    entry = SupplementEntryFactory(owner=user, product=product)
    page = logged_in.get(reverse("entry-edit", args=[entry.pk]))
    assert page.context["form"].initial["quantity"] == Decimal("1")
    response = logged_in.post(
        reverse("entry-edit", args=[entry.pk]), supplement_data(product, servings="3", note="late")
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.servings, entry.elemental_mg, entry.note) == (3, Decimal("423.00"), "late")
    assert IntakeEntry.objects.count() == 1


def test_edit_keeps_an_archived_product_choosable_on_its_own_entry(logged_in, user, product):
    entry = SupplementEntryFactory(owner=user, product=product)
    product.is_archived = True
    product.save()
    response = logged_in.post(
        reverse("entry-edit", args=[entry.pk]), supplement_data(product, servings="1.5")
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.servings == Decimal("1.5")


def test_edit_a_food_entry_from_grams_to_servings(logged_in, user, almonds):
    entry = FoodEntryFactory(owner=user, food=almonds, grams=Decimal("50"))
    page = logged_in.get(reverse("entry-edit", args=[entry.pk]))
    assert page.context["form"].initial["grams"] == Decimal("50")
    logged_in.post(
        reverse("entry-edit", args=[entry.pk]), food_data(almonds, grams="", servings="1")
    )
    entry.refresh_from_db()
    assert (entry.servings, entry.grams, entry.elemental_mg) == (
        Decimal("1"),
        Decimal("28.35"),
        Decimal("76.545"),
    )


def test_bad_edit_changes_nothing(logged_in, user, product):
    entry = SupplementEntryFactory(owner=user, product=product)
    response = logged_in.post(
        reverse("entry-edit", args=[entry.pk]), supplement_data(product, servings="1000000000")
    )
    assert response.status_code == 200 and response.context["form"].errors
    entry.refresh_from_db()
    assert entry.servings == 1 and entry.elemental_mg == Decimal("141.00")


def test_delete_asks_first_and_refuses_to_delete_on_get(logged_in, user, product):
    entry = SupplementEntryFactory(owner=user, product=product)
    url = reverse("entry-delete", args=[entry.pk])
    page = logged_in.get(url)
    assert page.status_code == 200
    assert "Delete this entry?" in page.content.decode()
    assert 'method="post"' in page.content.decode()
    assert IntakeEntry.objects.filter(pk=entry.pk).exists()
    response = logged_in.post(url)
    assert response.status_code == 302
    assert not IntakeEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("action", ["entry-edit", "entry-delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_persons_entry_is_404(logged_in, other_user, action, method):
    theirs = SupplementEntryFactory(owner=other_user, note="theirs")
    data = {"product": theirs.product_id, "servings": "9", "day": today_iso(), "note": "mine"}
    response = getattr(logged_in, method)(reverse(action, args=[theirs.pk]), data)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.servings, theirs.note) == (1, "theirs")


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_persons_product_in_quick_log_is_404(logged_in, other_user, method):
    theirs = SupplementProductFactory(owner=other_user)
    response = getattr(logged_in, method)(reverse("quick-log-product", args=[theirs.pk]))
    assert response.status_code == 404
    assert not IntakeEntry.objects.exists()


def test_user_text_is_escaped(logged_in, user, product):
    SupplementEntryFactory(owner=user, product=product, note="<script>alert(1)</script>")
    html = logged_in.get("/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
