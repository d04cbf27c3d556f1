"""My foods: private foods with their own mg per 100 g, used beside the reference foods."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import FoodEntryFactory, FoodFactory
from tracker.models import Food

pytestmark = pytest.mark.django_db


def food_data(**overrides) -> dict:
    data = {
        "name": "Homemade granola",
        "category": "grains",
        "mg_per_100g": "120",
        "serving_desc": "1 bowl",
        "serving_grams": "60",
        "notes": "",
    }
    return {**data, **overrides}


def test_add_my_food(logged_in, user):
    response = logged_in.post(reverse("myfood-add"), food_data(), follow=True)
    food = Food.objects.get(owner=user)
    assert (food.name, food.mg_per_100g, food.serving_grams) == (
        "Homemade granola",
        Decimal("120"),
        Decimal("60"),
    )
    assert "Saved Homemade granola: 72.0 mg per 1 bowl" in response.content.decode()


def test_my_food_is_private(logged_in, user, other_user, client):
    FoodFactory(owner=user, name="My granola")
    FoodFactory(owner=other_user, name="Their granola")
    html = logged_in.get(reverse("myfood-list")).content.decode()
    assert "My granola" in html and "Their granola" not in html
    search = logged_in.get(reverse("entry-add-food") + "?q=granola").content.decode()
    assert "My granola" in search and "Their granola" not in search


def test_names_are_unique_per_person(logged_in, user, other_user):
    FoodFactory(owner=other_user, name="Homemade granola")  # someone else's: no clash
    assert logged_in.post(reverse("myfood-add"), food_data()).status_code == 302
    again = logged_in.post(reverse("myfood-add"), food_data(name="HOMEMADE granola"))
    assert "You already have a food with this name." in str(again.context["form"].errors)
    assert Food.objects.filter(owner=user).count() == 1


BAD = {
    "negative mg": {"mg_per_100g": "-1"},
    "absurd mg": {"mg_per_100g": "1000000000"},
    "letters": {"mg_per_100g": "some"},
    "zero serving": {"serving_grams": "0"},
    "huge serving": {"serving_grams": "5001"},
    "no name": {"name": ""},
    "100 kB notes": {"notes": "x" * 100_000},
    "unknown category": {"category": "rocks"},
}


@pytest.mark.parametrize("overrides", BAD.values(), ids=BAD.keys())
def test_bad_food_input_is_a_form_error(logged_in, overrides):
    response = logged_in.post(reverse("myfood-add"), food_data(**overrides))
    assert response.status_code == 200 and response.context["form"].errors
    assert not Food.objects.filter(owner__isnull=False).exists()


def test_edit_corrects_entries(logged_in, user):
    food = FoodFactory(owner=user, name="Granola", mg_per_100g=Decimal("100"))
    entry = FoodEntryFactory(owner=user, food=food, grams=Decimal("50"))
    response = logged_in.post(
        reverse("myfood-edit", args=[food.pk]), food_data(name="Granola", mg_per_100g="150")
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.elemental_mg == Decimal("75.00")


def test_a_food_in_use_is_not_deleted(logged_in, user):
    food = FoodFactory(owner=user)
    FoodEntryFactory(owner=user, food=food)
    url = reverse("myfood-delete", args=[food.pk])
    assert "cannot be deleted" in logged_in.get(url).content.decode()
    response = logged_in.post(url, follow=True)
    assert "is used by entries" in response.content.decode()
    assert Food.objects.filter(pk=food.pk).exists()


def test_delete_asks_first(logged_in, user):
    food = FoodFactory(owner=user)
    url = reverse("myfood-delete", args=[food.pk])
    assert logged_in.get(url).status_code == 200
    assert Food.objects.filter(pk=food.pk).exists()
    logged_in.post(url)
    assert not Food.objects.filter(pk=food.pk).exists()


def test_reference_foods_are_not_mine_to_edit(logged_in):
    reference = FoodFactory(name="Reference almonds (myfoods test)")
    for action in ("myfood-edit", "myfood-delete"):
        assert logged_in.post(reverse(action, args=[reference.pk]), food_data()).status_code == 404
    reference.refresh_from_db()
    assert reference.name == "Reference almonds (myfoods test)"


@pytest.mark.parametrize("action", ["myfood-edit", "myfood-delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_persons_food_is_404(logged_in, other_user, action, method):
    theirs = FoodFactory(owner=other_user, name="Theirs")
    response = getattr(logged_in, method)(reverse(action, args=[theirs.pk]), food_data())
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_list_query_count_does_not_grow(logged_in, user, flat_queries):
    FoodFactory(owner=user)

    def thirty_more_eaten():
        for food in FoodFactory.create_batch(30, owner=user):
            FoodEntryFactory(owner=user, food=food)

    response = flat_queries(logged_in, reverse("myfood-list"), thirty_more_eaten)
    assert len(response.context["foods"]) == 31
