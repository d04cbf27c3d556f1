"""/forms/ (forms table and converter) and /foods/ (search, filter, sort, paginate)."""

import csv
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import FoodFactory
from tracker.models import Food, MagnesiumForm
from tracker.reference_data import FOODS_CSV
from tracker.selectors import search_stems
from tracker.views.reference import format_amount, format_mg

pytestmark = pytest.mark.django_db

FORMS_URL = "/forms/"
FOODS_URL = "/foods/"
PUMPKIN = "Pumpkin seed kernels (pepitas), roasted, unsalted"


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def form_pk(short_name: str) -> int:
    return MagnesiumForm.objects.get(short_name=short_name).pk


def food_names(response) -> list[str]:
    return [food.name for food in response.context["foods"]]


# --- /forms/ --------------------------------------------------------------------------------


def test_urls_are_named():
    assert reverse("forms") == FORMS_URL
    assert reverse("foods") == FOODS_URL


def test_anybody_can_read_the_forms_table(client):
    page = html(client.get(FORMS_URL))
    for form in MagnesiumForm.objects.all():
        assert form.name in page
        assert f"{form.elemental_percent} %" in page
    # The seed table's columns, the articles they quote (by title, said to be consumer
    # articles), and the note for people with its citations beside them.
    assert "Highly absorbable, gentle on digestion." in page
    assert "Less suitable for increasing overall body magnesium levels for twitching." in page
    assert "blood-brain barrier" in page
    assert "The Fundamental Role of Magnesium in Neuromuscular Function" in page
    assert "How Magnesium Helps Boosts Nerve Health" in page
    assert "a consumer health article, not a clinical guideline" in page
    assert "products that imply more than about 14 % are usually buffered" in page
    assert "Magnesium supplementation forms: elemental content" in page
    assert "Magnesium: Fact Sheet for Health Professionals" in page
    assert 'class="table-responsive"' in page


def test_the_nav_links_to_forms_and_foods_for_everybody(logged_in):
    for c in (Client(), logged_in):
        page = html(c.get(FOODS_URL))
        assert 'href="/forms/"' in page
        assert 'href="/foods/"' in page


def test_no_inline_script_or_style(client):
    for url in (FORMS_URL, f"{FORMS_URL}?compound=&mg=x", FOODS_URL):
        page = html(client.get(url))
        assert "style=" not in page
        assert "onclick" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


@pytest.mark.parametrize(
    "short_name, mg, sentence",
    [
        ("bisglycinate", "1000", "1000 mg magnesium bisglycinate = 141 mg magnesium"),
        ("oxide", "500", "500 mg magnesium oxide = 301.5 mg magnesium"),
        ("oxide", "500.00", "500 mg magnesium oxide = 301.5 mg magnesium"),
        ("chloride hexahydrate", "1000", "1000 mg magnesium chloride hexahydrate = 119.6 mg"),
        ("L-threonate monohydrate", "2000", "2000 mg magnesium L-threonate monohydrate = 155.6 mg"),
    ],
)
def test_converter(client, short_name, mg, sentence):
    response = client.get(FORMS_URL, {"compound": form_pk(short_name), "mg": mg})
    assert sentence in html(response)
    assert response.context["converter"].errors == {}


def test_converter_works_for_every_form(client):
    for form in MagnesiumForm.objects.all():
        response = client.get(FORMS_URL, {"compound": form.pk, "mg": "1000"})
        expected = format_mg(form.elemental_fraction * 1000)
        assert f"1000 mg magnesium {form.short_name} = {expected} mg magnesium" in html(response)


def test_converter_is_not_shown_as_an_error_on_first_visit(client):
    response = client.get(FORMS_URL)
    assert not response.context["converter"].is_bound
    assert response.context["conversion"] is None
    assert "is-invalid" not in html(response)


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"compound": "", "mg": ""}, "compound", "This field is required."),
        ({"compound": "", "mg": ""}, "mg", "This field is required."),
        ({"mg": "1000"}, "compound", "This field is required."),
        ({"compound": "PK", "mg": "-5"}, "mg", "Enter an amount above 0 mg."),
        ({"compound": "PK", "mg": "0"}, "mg", "Enter an amount above 0 mg."),
        ({"compound": "PK", "mg": "abc"}, "mg", "Enter a number."),
        ({"compound": "PK", "mg": "1000000000000"}, "mg", "Enter at most 100,000 mg"),
        ({"compound": "PK", "mg": "1e12"}, "mg", "Enter at most 100,000 mg"),
        ({"compound": "PK", "mg": "NaN"}, "mg", "Enter a number."),
        ({"compound": "PK", "mg": "Infinity"}, "mg", "Enter a number."),
        ({"compound": "999999", "mg": "1000"}, "compound", "Select a valid choice."),
        ({"compound": "abc", "mg": "1000"}, "compound", "Select a valid choice."),
    ],
)
def test_converter_bad_input_gives_form_errors(client, params, field, message):
    params = {k: (str(form_pk("oxide")) if v == "PK" else v) for k, v in params.items()}
    response = client.get(FORMS_URL, params)
    page = html(response)
    errors = response.context["converter"].errors
    assert any(message in e for e in errors[field]), errors
    assert response.context["conversion"] is None
    assert "is-invalid" in page
    assert "mg magnesium =" not in page


def test_forms_page_query_count(client, django_assert_max_num_queries):
    oxide = form_pk("oxide")
    # The table, the converter's choices, and the chosen compound.
    with django_assert_max_num_queries(3):
        client.get(FORMS_URL, {"compound": oxide, "mg": "500"})


def test_number_formatting():
    assert format_mg(Decimal("141.0000")) == "141"
    assert format_mg(Decimal("301.5")) == "301.5"
    assert format_mg(Decimal("0.04")) == "0"
    assert format_amount(Decimal("1000.00")) == "1000"
    assert format_amount(Decimal("1E+3")) == "1000"
    assert format_amount(Decimal("2.50")) == "2.5"


# --- /foods/ search -------------------------------------------------------------------------


def test_search_stems():
    assert search_stems("pumpkin seeds") == ["pumpkin", "seed"]
    assert search_stems("Seeds, PUMPKIN") == ["seed", "pumpkin"]
    assert search_stems("berries") == search_stems("berry") == ["berr"]
    assert search_stems("potatoes") == ["potato"]
    assert search_stems("swiss chard") == ["swiss", "chard"]
    assert search_stems("cup of tea") == ["cup", "tea"]
    assert search_stems("soy") == ["soy"]
    assert search_stems("  ,;  ") == []


def test_pumpkin_seeds_shows_156_mg_per_ounce(client):
    response = client.get(FOODS_URL, {"q": "pumpkin seeds"})
    page = html(response)
    assert food_names(response) == [
        "Pumpkin seed kernels, dried (raw)",
        PUMPKIN,
    ]  # sorted by magnesium per serving: 167.8 mg, then 155.9 mg
    pumpkin = next(f for f in response.context["foods"] if f.name == PUMPKIN)
    assert round(pumpkin.mg_serving, 1) == Decimal("155.9")
    row = page.split(PUMPKIN, 1)[1].split("</tr>", 1)[0]
    assert '<strong class="text-nowrap" data-testid="mg-per-serving">155.9\u00a0mg</strong>' in row
    assert "per 1 oz (28.35 g)" in row
    assert "550.0\u00a0mg" in row
    assert "FoodData Central: SR Legacy" in row  # its source, cited
    assert "Magnesium: Fact Sheet for Health Professionals" in row  # ODS Table 2 checks it


@pytest.mark.parametrize("q", ["pumpkin seeds", "seeds pumpkin", "PUMPKIN SEED", "pumpkin, seed"])
def test_search_ignores_word_order_case_and_plurals(client, q):
    assert PUMPKIN in food_names(client.get(FOODS_URL, {"q": q}))


def test_search_needs_every_word(client):
    assert food_names(client.get(FOODS_URL, {"q": "pumpkin almonds"})) == []
    page = html(client.get(FOODS_URL, {"q": "pumpkin almonds"}))
    assert "No food matches" in page


def test_search_for_chard_and_plural_almonds(client):
    assert set(food_names(client.get(FOODS_URL, {"q": "almond"}))) == {
        "Almonds, raw",
        "Almonds, dry roasted",
    }
    assert set(food_names(client.get(FOODS_URL, {"q": "swiss chards"}))) == {
        "Swiss chard, raw",
        "Swiss chard, boiled",
    }


def test_category_filter(client):
    response = client.get(FOODS_URL, {"category": "chocolate"})
    names = food_names(response)
    assert len(names) == 4
    assert all("hocolate" in n or "Cocoa" in n for n in names)
    assert Food.objects.filter(name__in=names).exclude(category="chocolate").count() == 0


@pytest.mark.parametrize(
    "params, field",
    [({"category": "bogus"}, "category"), ({"sort": "price"}, "sort"), ({"q": "x" * 101}, "q")],
)
def test_bad_search_input_shows_an_error_and_the_default_list(client, params, field):
    response = client.get(FOODS_URL, params)
    assert field in response.context["search"].errors
    assert "is-invalid" in html(response)
    assert response.context["page_obj"].paginator.count == 100


def test_foods_page_only_answers_safe_methods(client):
    assert client.post(FOODS_URL).status_code == 405
    assert client.post(FORMS_URL).status_code == 405


# --- /foods/ sort and pagination -------------------------------------------------------------


def csv_foods() -> list[dict]:
    with open(FOODS_CSV, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    foods = []
    for r in rows:
        food = Food.objects.get(name=r["name"], owner__isnull=True)
        foods.append(
            {
                "name": food.name,
                "per_100g": food.mg_per_100g,
                "per_serving": food.mg_per_100g * food.serving_grams / 100,
            }
        )
    return foods


@pytest.mark.parametrize(
    "sort, key",
    [
        ("serving", lambda f: (-f["per_serving"], f["name"])),
        ("100g", lambda f: (-f["per_100g"], f["name"])),
        ("name", lambda f: f["name"]),
        ("", lambda f: (-f["per_serving"], f["name"])),  # the default
    ],
)
def test_sorting_happens_across_pages(client, sort, key):
    expected = [f["name"] for f in sorted(csv_foods(), key=key)]
    seen = []
    for page in (1, 2, 3, 4):
        response = client.get(FOODS_URL, {"sort": sort, "page": page})
        names = food_names(response)
        assert len(names) == 25
        seen += names
    assert seen == expected


def test_sort_by_serving_puts_hemp_seeds_first(client):
    names = food_names(client.get(FOODS_URL, {"sort": "serving"}))
    assert names[0] == "Hemp seeds, hulled"  # 210 mg per 3 tbsp
    names = food_names(client.get(FOODS_URL, {"sort": "100g"}))
    assert names[0] == "Hemp seeds, hulled"  # 700 mg per 100 g
    assert food_names(client.get(FOODS_URL, {"sort": "name"}))[0] == "Almonds, dry roasted"


def test_page_links_keep_the_search(client):
    response = client.get(FOODS_URL, {"q": "a", "category": "", "sort": "100g"})
    page = html(response)
    assert response.context["page_obj"].paginator.num_pages > 1
    links = re.findall(r'class="page-link" href="([^"]+)"', page)
    assert links
    for link in links:
        assert "q=a" in link and "sort=100g" in link and "category=" in link
    assert "q=a&amp;category=&amp;sort=100g&amp;page=2" in page


def test_out_of_range_pages_fall_back(client):
    last = client.get(FOODS_URL, {"page": "999"})
    assert last.context["page_obj"].number == 4
    first = client.get(FOODS_URL, {"page": "abc"})
    assert first.context["page_obj"].number == 1


# --- Private foods --------------------------------------------------------------------------


def test_own_foods_appear_marked_and_others_never(logged_in, user, other_user):
    FoodFactory(owner=user, name="Grandma's pumpkin seed bread", mg_per_100g=Decimal("90"))
    FoodFactory(owner=other_user, name="Secret pumpkin seed mix", mg_per_100g=Decimal("500"))

    response = logged_in.get(FOODS_URL, {"q": "pumpkin seeds"})
    names = food_names(response)
    assert "Grandma's pumpkin seed bread" in names
    assert "Secret pumpkin seed mix" not in names
    row = html(response).split("Grandma&#x27;s pumpkin seed bread", 1)[1].split("</tr>", 1)[0]
    assert "your food" in row
    assert "Entered by you" in row
    assert html(response).count('<span class="badge text-bg-info">your food</span>') == 1

    anonymous = Client().get(FOODS_URL, {"q": "pumpkin seeds"})
    anonymous_names = food_names(anonymous)
    assert "Grandma's pumpkin seed bread" not in anonymous_names
    assert "Secret pumpkin seed mix" not in anonymous_names
    assert 'badge text-bg-info">your food' not in html(anonymous)


def test_own_food_sorts_with_the_reference_foods(logged_in, user):
    FoodFactory(
        owner=user,
        name="My magnesium shake",
        mg_per_100g=Decimal("100"),
        serving_grams=Decimal("300"),
        serving_desc="1 bottle",
    )
    names = food_names(logged_in.get(FOODS_URL, {"sort": "serving"}))
    assert names[:2] == ["My magnesium shake", "Hemp seeds, hulled"]
    assert logged_in.get(FOODS_URL).context["page_obj"].paginator.count == 101


@pytest.mark.parametrize("params", [{}, {"q": "seed", "sort": "100g"}, {"category": "other"}])
def test_query_count_does_not_grow_with_the_number_of_foods(logged_in, user, params, page_queries):
    FoodFactory(owner=user, name="My seed snack 0", category="other")
    few = page_queries(logged_in, FOODS_URL, params)
    FoodFactory.create_batch(60, owner=user, category="other", name=FoodFactory.name)
    for i in range(30):
        FoodFactory(owner=user, name=f"My seed snack {i + 1}", category="other")
    many = page_queries(logged_in, FOODS_URL, params)
    assert few == many
    assert many <= 5  # session, user, count, page (+ savepoints none)


def test_anonymous_query_count(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get(FOODS_URL, {"q": "seeds", "sort": "serving"})
