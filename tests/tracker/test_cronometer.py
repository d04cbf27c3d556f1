"""Cronometer "Servings" exports: every shape of the file, the magnesium per day it gives,
products for supplement rows, line-named problems, and re-imports that add nothing twice."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from tests.factories import FoodFactory, SupplementProductFactory
from tracker.imported_rows import ImportedRow
from tracker.models import Food, IntakeEntry
from tracker.transfer import cronometer
from tracker.transfer.values import RowError

TODAY = date(2026, 11, 29)

WITH_TIME = """Day,Time,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Category
2026-01-05,07:30 AM,Breakfast,"Almonds, raw",28.00 g,164,75.88,Nuts and Seeds
2026-01-05,12:15 PM,Lunch,"Spinach, cooked, boiled, drained",180.00 g,41,156.6,Vegetables
2026-01-05,07:45 PM,Dinner,Coffee,1.00 serving,2,,Beverages
2026-01-06,08:00 AM,Breakfast,"Almonds, raw",14.00 g,82,37.94,Nuts and Seeds
2026-01-06,09:00 PM,Supplements,Magnesium Glycinate,2.00 serving,0,200,Supplements
"""
# A free account: the Time column is there, its cells blank.
FREE = """Day,Time,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Category
2026-01-05,,Breakfast,"Almonds, raw",28.00 g,164,75.88,Nuts and Seeds
2026-01-05,,Dinner,"Black beans, boiled",0.50 cup,114,60.2,Legumes
"""
# An older export: no Time, no Group.
OLD = """Day,Food Name,Amount,Energy (kcal),Magnesium (mg),Category
2026-01-05,"Almonds, raw",28.00 g,164,75.88,Nuts and Seeds
2026-01-05,Soy milk,250.00 ml,100,40,Beverages
2026-01-07,"Chocolate, dark, 70-85%",1.00 oz,170,64.6,Sweets
"""


def _plan(text, user, mapping=None):
    return cronometer.plan_import(text, user, today=TODAY, mapping=mapping)


def _per_day(user) -> dict[date, Decimal]:
    rows = IntakeEntry.objects.filter(owner=user).values("day").annotate(mg=Sum("elemental_mg"))
    return {row["day"]: row["mg"] for row in rows}


# --- Cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("07:30 PM", time(19, 30)),
        ("7:30 am", time(7, 30)),
        ("12:05 AM", time(0, 5)),
        ("12:00 PM", time(12, 0)),
        ("11:59 p.m.", time(23, 59)),
        ("19:30", time(19, 30)),
        ("06:01:09", time(6, 1, 9)),
        ("", None),
        ("  ", None),
    ],
)
def test_clock_times(text, expected):
    assert cronometer.read_clock(text) == expected


@pytest.mark.parametrize("text", ["13:00 PM", "0:30 AM", "25:00", "7.30", "noon", "12:60"])
def test_impossible_clock_times(text):
    with pytest.raises(RowError, match="Time"):
        cronometer.read_clock(text)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("150.00 g", (Decimal("150.00"), "g")),
        ("1.00 serving", (Decimal("1.00"), "serving")),
        ("2 servings", (Decimal("2"), "serving")),
        ("0.50 cup", (Decimal("0.50"), "cup")),
        ("250.00 ml", (Decimal("2.5"), "100 ml")),
        ("1.00 oz", (Decimal("28.349523125"), "g")),
        ("1,200.00 g", (Decimal("1200.00"), "g")),
        ("1.00 large", (Decimal("1.00"), "large")),
    ],
)
def test_amounts(text, expected):
    assert cronometer.read_amount(text) == expected


@pytest.mark.parametrize(
    "text", ["g", "150", "abc g", "0 g", "-1 g", "6000 g", "101 cup", "1 \x00", "NaN g", "1e9 g"]
)
def test_impossible_amounts(text):
    with pytest.raises(RowError, match="Amount"):
        cronometer.read_amount(text)


# --- Whole files -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_with_times_and_groups(user):
    result = _plan(WITH_TIME, user)
    assert result.plan.ok, result.plan.problems
    first = result.plan.entries[0]
    assert (first.day, first.time, first.note) == (
        date(2026, 1, 5),
        time(7, 30),
        "From Cronometer, Breakfast",
    )
    assert first.item.name == "Almonds, raw"
    # 75.88 mg in 28 g: 271.00 mg per 100 g
    assert first.item.mg_per_100g == Decimal("271.00")
    assert result.plan.entries[2].item.name == "Coffee (per serving)"
    assert result.plan.entries[2].elemental_mg == 0  # a blank cell is 0
    cronometer.apply(result, user)
    # 75.88 + 156.6 + 0 on the 5th; 37.94 + 200 on the 6th (no product: a food)
    assert _per_day(user) == {
        date(2026, 1, 5): Decimal("232.48"),
        date(2026, 1, 6): Decimal("237.94"),
    }
    assert Food.objects.filter(owner=user, name="Almonds, raw").count() == 1
    entry = IntakeEntry.objects.get(owner=user, day=date(2026, 1, 6), time=time(8, 0))
    assert entry.grams == Decimal("14") and entry.servings is None


@pytest.mark.django_db
def test_a_free_account_file_with_blank_times(user):
    result = _plan(FREE, user)
    assert result.plan.ok, result.plan.problems
    assert [p.time for p in result.plan.entries] == [None, None]
    cronometer.apply(result, user)
    # 75.88 + 60.2
    assert _per_day(user) == {date(2026, 1, 5): Decimal("136.08")}
    beans = Food.objects.get(owner=user, name="Black beans, boiled (per cup)")
    # 60.2 mg in half a cup: 120.40 mg a cup, a serving of unknown weight
    assert (beans.mg_per_100g, beans.serving_desc) == (Decimal("120.40"), "1 cup")
    entry = IntakeEntry.objects.get(owner=user, food=beans)
    assert (entry.servings, entry.grams) == (Decimal("0.5"), None)


@pytest.mark.django_db
def test_an_older_file_without_time_and_group(user):
    result = _plan(OLD, user)
    assert result.plan.ok, result.plan.problems
    assert [p.note for p in result.plan.entries] == ["From Cronometer"] * 3
    cronometer.apply(result, user)
    assert _per_day(user) == {
        date(2026, 1, 5): Decimal("115.88"),  # 75.88 + 40
        date(2026, 1, 7): Decimal("64.6"),
    }
    chocolate = Food.objects.get(owner=user, name="Chocolate, dark, 70-85%")
    # 64.6 mg in 28.349523125 g: 227.87 mg per 100 g
    assert chocolate.mg_per_100g == Decimal("227.87")
    assert Food.objects.get(owner=user, name="Soy milk (per 100 ml)").mg_per_100g == Decimal(
        "16.00"
    )


@pytest.mark.django_db
def test_a_supplement_row_counts_as_the_persons_product(user):
    product = SupplementProductFactory(owner=user, name="Magnesium Glycinate")  # 141 mg each
    result = _plan(WITH_TIME, user)
    [choice] = result.choices
    assert (choice.name, choice.rows, choice.suggested) == ("Magnesium Glycinate", 1, product.pk)
    cronometer.apply(result, user)
    dose = IntakeEntry.objects.get(owner=user, product=product)
    # 2 servings x 141 mg, the product's own figure (Cronometer said 200)
    assert (dose.servings, dose.elemental_mg, dose.kind) == (
        Decimal("2"),
        Decimal("282"),
        "supplement",
    )
    assert dose.label  # the label it was computed from, as every dose keeps
    assert _per_day(user)[date(2026, 1, 6)] == Decimal("319.94")  # 37.94 + 282


@pytest.mark.django_db
def test_keeping_a_supplement_row_as_a_food(user):
    SupplementProductFactory(owner=user, name="Magnesium Glycinate")
    result = _plan(WITH_TIME, user, mapping={})
    cronometer.apply(result, user)
    assert _per_day(user)[date(2026, 1, 6)] == Decimal("237.94")
    assert not IntakeEntry.objects.filter(owner=user, product__isnull=False).exists()


@pytest.mark.django_db
def test_a_name_can_be_mapped_to_any_own_product_but_not_anothers(user, other_user):
    mine = SupplementProductFactory(owner=user, name="Nightly Mg")
    theirs = SupplementProductFactory(owner=other_user, name="Magnesium Glycinate")
    result = _plan(WITH_TIME, user)
    [choice] = result.choices  # "Magnesium ..." in the name: offered, nothing suggested
    assert choice.suggested is None
    mapped = _plan(WITH_TIME, user, mapping={choice.field: mine.pk})
    assert mapped.plan.entries[-1].item == mine
    foreign = _plan(WITH_TIME, user, mapping={choice.field: theirs.pk})
    assert foreign.plan.entries[-1].kind == "food"


@pytest.mark.django_db
def test_importing_the_same_file_again_adds_nothing(user):
    cronometer.apply(_plan(WITH_TIME, user), user)
    before = IntakeEntry.objects.filter(owner=user).count()
    again = _plan(WITH_TIME, user)
    assert again.already_imported == 5 and not again.plan.entries and again.nothing_new
    # A later export repeats the old days and adds one row.
    later = WITH_TIME + '2026-01-07,08:00 AM,Breakfast,"Almonds, raw",10.00 g,58,27.1,Nuts\n'
    more = _plan(later, user)
    assert (more.already_imported, len(more.plan.entries)) == (5, 1)
    cronometer.apply(more, user)
    assert IntakeEntry.objects.filter(owner=user).count() == before + 1
    assert ImportedRow.objects.filter(owner=user).count() == 6


@pytest.mark.django_db
def test_identical_rows_in_one_file_are_both_kept(user):
    text = OLD.splitlines()[0] + "\n" + '2026-01-05,"Almonds, raw",28.00 g,164,75.88,Nuts\n' * 2
    result = _plan(text, user)
    assert len(result.plan.entries) == 2 and len(set(result.keys)) == 2
    cronometer.apply(result, user)
    assert _per_day(user) == {date(2026, 1, 5): Decimal("151.76")}
    assert _plan(text, user).nothing_new


@pytest.mark.django_db
def test_an_own_food_of_the_same_name_is_used(user):
    almonds = FoodFactory(owner=user, name="almonds, RAW", mg_per_100g=Decimal("270"))
    result = _plan(FREE, user)
    assert result.plan.entries[0].item == almonds
    assert [f.name for f in result.plan.new_foods] == ["Black beans, boiled (per cup)"]
    cronometer.apply(result, user)
    # the row's own figure, not the food's 270 mg per 100 g
    assert IntakeEntry.objects.get(food=almonds).elemental_mg == Decimal("75.88")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "row,message",
    [
        ('2026-02-30,"Almonds, raw",28 g,1,75,Nuts', "line 2: Day “2026-02-30” is not a real date"),
        ("2027-01-01,Almonds,28 g,1,75,Nuts", "line 2: Day 2027-01-01 is in the future"),
        ("1980-01-01,Almonds,28 g,1,75,Nuts", "line 2: Day 1980-01-01: That day is before"),
        ("2026-01-05,Almonds,99999 g,1,75,Nuts", "line 2: Amount “99999 g” is more than"),
        ("2026-01-05,Almonds,28 g,1,abc,Nuts", "line 2: Magnesium (mg) “abc” is not a number"),
        ("2026-01-05,Almonds,28 g,1,-4,Nuts", "line 2: Magnesium (mg) -4 is negative"),
        ("2026-01-05,Almonds,28 g,1,20000,Nuts", "line 2: Magnesium (mg) 20000 is more than"),
        ("2026-01-05,Alm\x07onds,28 g,1,75,Nuts", "line 2: Food Name holds a control character"),
        ("2026-01-05,,28 g,1,75,Nuts", "line 2: Food Name is empty"),
        ("2026-01-05," + "a" * 171 + ",28 g,1,75,Nuts", "line 2: Food Name is 171 characters"),
        ("2026-01-05,Salt,1 g,1,75,Nuts", "line 2: 75 mg in 1 g is more magnesium than any food"),
        ("2026-01-05,Almonds,28 g,1,75,Nuts,extra", "line 2: the row has more cells"),
    ],
)
def test_bad_rows_are_named_by_their_line(user, row, message):
    text = OLD.splitlines()[0] + "\n" + row + "\n"
    result = _plan(text, user)
    assert any(str(p).startswith(message) for p in result.plan.problems), result.plan.problems


@pytest.mark.django_db
def test_a_file_without_the_columns_is_refused(user):
    result = _plan("date,item,mg\n2026-01-05,x,1\n", user)
    assert "lacks “Day”, “Food Name”, “Amount”, “Magnesium (mg)”" in str(result.plan.problems[0])


# --- The pages -------------------------------------------------------------------------------


def _upload(client, text: str, name: str = "servings.csv"):
    return client.post(
        "/import/cronometer/", {"file": SimpleUploadedFile(name, text.encode(), "text/csv")}
    )


@pytest.mark.django_db
def test_upload_preview_map_and_import(logged_in, user):
    product = SupplementProductFactory(owner=user, name="Magnesium Glycinate")
    assert _upload(logged_in, WITH_TIME).status_code == 302
    page = logged_in.get("/import/cronometer/preview/")
    html = page.content.decode()
    assert "This will add <strong>5</strong> entries" in html
    assert "232.5" in html  # the 5th's magnesium
    field = page.context["result"].choices[0].field
    digest = page.context["form"].initial["digest"]
    response = logged_in.post(
        "/import/cronometer/confirm/", {"digest": digest, field: str(product.pk)}
    )
    assert response.status_code == 302
    assert _per_day(user) == {
        date(2026, 1, 5): Decimal("232.48"),
        date(2026, 1, 6): Decimal("319.94"),
    }
    # Uploading it again: nothing new.
    _upload(logged_in, WITH_TIME)
    again = logged_in.get("/import/cronometer/preview/").content.decode()
    assert "Every row of this file was imported before (5)" in again


@pytest.mark.django_db
def test_another_persons_product_in_the_select_is_a_form_error(logged_in, user, other_user):
    SupplementProductFactory(owner=user, name="Magnesium Glycinate")
    theirs = SupplementProductFactory(owner=other_user)
    _upload(logged_in, WITH_TIME)
    page = logged_in.get("/import/cronometer/preview/")
    field = page.context["result"].choices[0].field
    response = logged_in.post(
        "/import/cronometer/confirm/",
        {"digest": page.context["form"].initial["digest"], field: str(theirs.pk)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not IntakeEntry.objects.exists()


@pytest.mark.django_db
def test_showing_the_preview_with_other_choices_writes_nothing(logged_in, user):
    product = SupplementProductFactory(owner=user, name="Magnesium Glycinate")
    _upload(logged_in, WITH_TIME)
    page = logged_in.get("/import/cronometer/preview/")
    field = page.context["result"].choices[0].field
    digest = page.context["form"].initial["digest"]
    shown = logged_in.post("/import/cronometer/preview/", {"digest": digest, field: ""})
    assert shown.status_code == 200
    assert shown.context["result"].mapping == {}
    assert not IntakeEntry.objects.exists()
    assert product.entries.count() == 0


@pytest.mark.django_db
def test_a_file_with_problems_cannot_be_imported(logged_in, user):
    _upload(logged_in, OLD.replace("2026-01-07", "2026-02-30"))
    page = logged_in.get("/import/cronometer/preview/")
    assert "Line 4: Day “2026-02-30” is not a real date" in page.content.decode()
    digest = page.context["form"].initial["digest"]
    response = logged_in.post("/import/cronometer/confirm/", {"digest": digest})
    assert response.status_code == 200
    assert not IntakeEntry.objects.exists()


@pytest.mark.django_db
def test_other_files_and_oversize_files_are_refused_with_a_message(logged_in, settings):
    response = _upload(logged_in, "date,time,kind,item\n")
    assert "not a Cronometer Servings export" in response.content.decode()
    big = OLD + ("2026-01-05,x,1 g,1,0,Nuts\n" * 220_000)
    response = _upload(logged_in, big)
    assert "the largest file this page takes is 5 MB" in response.content.decode()


@pytest.mark.django_db
def test_the_preview_needs_an_upload(logged_in):
    assert logged_in.get("/import/cronometer/preview/").status_code == 302
    assert logged_in.post("/import/cronometer/confirm/", {}).status_code == 302
