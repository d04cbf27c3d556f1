"""/import/: upload, preview with every problem named by line, then all or nothing.

The round-trip properties export one account and import the file into a new one: every day's
totals must come back the same."""

import csv
import io
import json
import re
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    MagnesiumFormFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
    SymptomEntryFactory,
    UserFactory,
)
from tracker import limits, services, transfer
from tracker.models import (
    SUPPLEMENTAL_KINDS,
    EntryKind,
    Food,
    IntakeEntry,
    SupplementProduct,
    SymptomEntry,
)
from tracker.views.transfer import SESSION_KEY

INJECTION = '=HYPERLINK("http://x","y")'
QUOTED_INJECTION = '"' + INJECTION.replace('"', '""') + '"'  # as a CSV cell
# Files written by hand (or by an older export) have no elemental_mg_exact column.
HEADER = ",".join(c for c in transfer.ENTRY_COLUMNS if c != "elemental_mg_exact")


# --- Helpers -------------------------------------------------------------------------------


def upload(client, content: bytes | str, name: str = "entries.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return client.post("/import/", {"file": SimpleUploadedFile(name, content)})


def preview_html(client) -> str:
    response = client.get("/import/preview/")
    assert response.status_code == 200
    return response.content.decode()


def confirm(client, **extra):
    digest = client.session[SESSION_KEY]["digest"]
    return client.post("/import/confirm/", {"digest": digest, **extra})


def import_file(client, content, name="entries.csv", **extra):
    """Upload, preview, import; asserts each step went through without problems."""
    response = upload(client, content, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    html = preview_html(client)
    assert 'data-testid="import-problems"' not in html, _problems(html)
    return confirm(client, **extra)


def _problems(html: str) -> list[str]:
    block = re.search(r'data-testid="import-problems">(.*?)</div>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", block[1], re.S) if block else []


def problems_of(client, content, name="entries.csv") -> list[str]:
    response = upload(client, content, name)
    assert response.status_code == 302
    return [_unescape(p) for p in _problems(preview_html(client))]


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def totals_by_day(owner) -> dict[date, tuple[Decimal, Decimal]]:
    return {
        row["day"]: (row["supplemental"] or Decimal(0), row["food"] or Decimal(0))
        for row in IntakeEntry.objects.filter(owner=owner)
        .values("day")
        .annotate(
            supplemental=Sum("elemental_mg", filter=Q(kind__in=SUPPLEMENTAL_KINDS)),
            food=Sum("elemental_mg", filter=Q(kind=EntryKind.FOOD)),
        )
        .order_by("day")
    }


def assert_every_row_valid(owner) -> None:
    """What an import stored passes the models' own validation (apply_plan skips it for
    entries and symptoms, relying on the readers' checks)."""
    for model in (IntakeEntry, SymptomEntry, SupplementProduct):
        for obj in model.objects.filter(owner=owner):
            obj.full_clean()
    for food in Food.objects.filter(owner=owner):
        food.full_clean()


def export(client, url: str) -> bytes:
    return b"".join(client.get(url).streaming_content)


def counts() -> tuple[int, int, int, int]:
    return (
        IntakeEntry.objects.count(),
        SymptomEntry.objects.count(),
        SupplementProduct.objects.count(),
        Food.objects.count(),
    )


# --- Access --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_requires_login(client):
    for url in ("/import/", "/import/preview/"):
        assert client.get(url)["Location"].startswith("/accounts/login/")
    for url in ("/import/confirm/", "/import/cancel/"):
        assert client.post(url)["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_confirm_and_cancel_are_post_only(logged_in):
    assert logged_in.get("/import/confirm/").status_code == 405
    assert logged_in.get("/import/cancel/").status_code == 405


@pytest.mark.django_db
def test_the_upload_form(logged_in):
    html = logged_in.get("/import/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r"<label[^>]*>\s*Export file", html)
    assert "csrfmiddlewaretoken" in html


# --- Round trips ---------------------------------------------------------------------------

BASE_DAY = date(2026, 9, 1)
PRODUCT_NAMES = ["Night glycinate", "night GLYCINATE", "=cmd|' /C calc'!A0", 'Mag "citrate", 2']
FOOD_NAMES = ["Almonds (rt)", "ALMONDS (RT)", "+ trail mix", "Dark chocolate, 70%"]
note_text = st.one_of(
    st.sampled_from(["", INJECTION, "'=already quoted", "-1 tablet", "@home", "\tTab", "'"]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=40,
    ),
)
entry_spec = st.fixed_dictionaries(
    {
        "offset": st.integers(0, 20),
        "hour": st.one_of(st.none(), st.integers(0, 23)),
        "kind": st.sampled_from(["supplement", "medication", "food", "food_servings"]),
        "item": st.integers(0, 3),
        "per": st.decimals(Decimal("0.5"), Decimal("900"), places=2),
        "amount": st.decimals(Decimal("0.25"), Decimal("6"), places=2),
        "own_food": st.booleans(),
        "note": note_text,
    }
)


def _casefold_items(content: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    return [row[:3] + [row[3].casefold()] + row[4:] for row in rows]


def _make_entries(owner, specs) -> None:
    """Entries logged the way the app logs them (tracker.services)."""
    form = MagnesiumFormFactory(name="Magnesium bisglycinate (round trip)")
    products: dict = {}
    foods: dict = {}
    for spec in specs:
        day = BASE_DAY + timedelta(days=spec["offset"])
        at = None if spec["hour"] is None else time(spec["hour"], 15)
        note = spec["note"][:500]
        if spec["kind"] in ("supplement", "medication"):
            key = (spec["item"], spec["kind"], spec["per"])
            if key not in products:
                products[key] = SupplementProductFactory(
                    owner=owner,
                    name=PRODUCT_NAMES[spec["item"]],
                    form=form,
                    kind=spec["kind"],
                    label_basis="elemental",
                    amount_per_serving_mg=spec["per"],
                )
            services.log_supplement(
                owner=owner,
                product=products[key],
                servings=spec["amount"],
                day=day,
                time=at,
                note=note,
                confirm_large=True,
            )
            continue
        name = FOOD_NAMES[spec["item"]]
        key = (name.casefold(), spec["own_food"])
        if key not in foods:
            owner_of_food = owner if spec["own_food"] else None
            foods[key] = Food.objects.filter(owner=owner_of_food, name__iexact=name).first()
            if foods[key] is None:
                foods[key] = FoodFactory(
                    owner=owner_of_food, name=name, mg_per_100g=min(spec["per"], Decimal(1500))
                )
        amount = {"grams": spec["amount"] * 40}
        if spec["kind"] == "food_servings":
            amount = {"servings": spec["amount"]}
        services.log_food(owner=owner, food=foods[key], day=day, time=at, note=note, **amount)


@pytest.mark.django_db
def test_entries_csv_round_trip_gives_the_same_day_totals(client):
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(specs=st.lists(entry_spec, min_size=1, max_size=12))
    def round_trip(specs):
        # No password: hashing one would be most of the time of each example.
        source, target = UserFactory(password=None), UserFactory(password=None)
        _make_entries(source, specs)
        client.force_login(source)
        content = export(client, "/export/entries.csv")
        client.force_login(target)
        import_file(client, content)

        assert totals_by_day(target) == totals_by_day(source)
        assert_every_row_valid(target)
        notes = sorted(IntakeEntry.objects.filter(owner=target).values_list("note", flat=True))
        assert notes == sorted(
            IntakeEntry.objects.filter(owner=source).values_list("note", flat=True)
        )
        # Exporting the imported account gives the same rows back; only an item's
        # capitals may differ, as products and foods are matched by name in any case.
        assert _casefold_items(export(client, "/export/entries.csv")) == _casefold_items(content)

    round_trip()


@pytest.mark.django_db
def test_account_json_round_trip_rebuilds_the_account(client):
    source = UserFactory(
        sex="female",
        date_of_birth=date(1988, 3, 9),
        life_stage="lactating",
        has_heart_condition=True,
        timezone="Europe/Paris",
        target_override_mg=Decimal("355.5"),
    )
    form = MagnesiumFormFactory(
        name="Magnesium citrate (round trip)", elemental_fraction=Decimal("0.162")
    )
    compound = SupplementProductFactory(
        owner=source, name="Citrate", brand="Acme", form=form, amount_per_serving_mg=Decimal("600")
    )
    elemental = SupplementProductFactory(
        owner=source,
        name="Citrate",
        brand="Other",
        form=form,
        label_basis="elemental",
        amount_per_serving_mg=Decimal("150"),
        kind="medication",
        is_archived=True,
        serving_unit="scoop",
    )
    bread = FoodFactory(owner=source, name="Grandma's bread", mg_per_100g=Decimal("61.5"))
    spinach = FoodFactory(name="Spinach (json rt)", mg_per_100g=Decimal("79"))
    SupplementEntryFactory(owner=source, product=compound, day=BASE_DAY, note=INJECTION)
    SupplementEntryFactory(owner=source, product=elemental, day=BASE_DAY, servings=Decimal("0.5"))
    FoodEntryFactory(
        owner=source, food=bread, day=BASE_DAY, grams=Decimal("80"), elemental_mg=Decimal("49.2")
    )
    FoodEntryFactory(
        owner=source,
        food=spinach,
        day=BASE_DAY + timedelta(days=1),
        grams=None,
        servings=Decimal("2"),
        elemental_mg=2 * spinach.mg_per_serving,
    )
    SymptomEntryFactory(owner=source, day=BASE_DAY, symptom="diarrhea", severity=4, note="+ bad")
    client.force_login(source)
    content = export(client, "/export/account.json")

    target = UserFactory(sex="male", date_of_birth=None)
    client.force_login(target)
    response = import_file(client, content, name="account.json", use_profile="on")
    assert response.status_code == 302

    assert totals_by_day(target) == totals_by_day(source)
    assert_every_row_valid(target)
    fields = (
        "name",
        "brand",
        "form",
        "kind",
        "label_basis",
        "amount_per_serving_mg",
        "serving_unit",
        "elemental_mg_per_serving",
        "is_archived",
    )
    assert sorted(SupplementProduct.objects.filter(owner=target).values_list(*fields)) == sorted(
        SupplementProduct.objects.filter(owner=source).values_list(*fields)
    )
    food_fields = ("name", "mg_per_100g", "serving_desc", "serving_grams", "category")
    assert list(Food.objects.filter(owner=target).values_list(*food_fields)) == list(
        Food.objects.filter(owner=source).values_list(*food_fields)
    )
    assert IntakeEntry.objects.get(owner=target, food__name="Spinach (json rt)").food == spinach
    symptom = SymptomEntry.objects.get(owner=target)
    assert (symptom.symptom, symptom.severity, symptom.note) == ("diarrhea", 4, "+ bad")
    assert IntakeEntry.objects.filter(owner=target, note=INJECTION).count() == 1
    target.refresh_from_db()
    for name in transfer.PROFILE_FIELDS:
        assert getattr(target, name) == getattr(source, name), name
    assert target.username != source.username


@pytest.mark.django_db
def test_account_json_keeps_the_profile_unless_asked(client):
    source = UserFactory(sex="female", timezone="Asia/Tokyo")
    SymptomEntryFactory(owner=source)
    client.force_login(source)
    content = export(client, "/export/account.json")
    target = UserFactory(sex="male", timezone="UTC")
    client.force_login(target)
    import_file(client, content, name="account.json")
    target.refresh_from_db()
    assert (target.sex, target.timezone) == ("male", "UTC")
    assert SymptomEntry.objects.filter(owner=target).count() == 1


@pytest.mark.django_db
def test_symptoms_csv_round_trip(client):
    source = UserFactory()
    SymptomEntryFactory(owner=source, day=BASE_DAY, symptom="cramps", severity=1, note=INJECTION)
    SymptomEntryFactory(owner=source, day=BASE_DAY, symptom="low_blood_pressure", severity=5)
    client.force_login(source)
    content = export(client, "/export/symptoms.csv")
    target = UserFactory()
    client.force_login(target)
    import_file(client, content, name="symptoms.csv")
    assert_every_row_valid(target)
    fields = ("day", "symptom", "severity", "note")
    assert list(SymptomEntry.objects.filter(owner=target).values_list(*fields)) == list(
        SymptomEntry.objects.filter(owner=source).values_list(*fields)
    )


# --- Matching ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_products_and_foods_are_matched_by_name_and_created_when_missing(
    logged_in, user, other_user
):
    form = MagnesiumFormFactory(name="Magnesium oxide (test)", short_name="oxide-test")
    mine = SupplementProductFactory(
        owner=user,
        name="Night Glycinate",
        label_basis="elemental",
        amount_per_serving_mg=Decimal("100"),
    )
    SupplementProductFactory(
        owner=other_user,
        name="Their product",
        label_basis="elemental",
        amount_per_serving_mg=Decimal("50"),
    )
    FoodFactory(name="Pumpkin seeds (test)", mg_per_100g=Decimal("592"))
    content = "\n".join(
        [
            HEADER,
            "2026-11-01,08:00,supplement,night glycinate,,2,capsule,200,",
            "2026-11-01,,supplement,Their product,oxide-test,1,tablet,50,",
            "2026-11-01,,food,PUMPKIN SEEDS (TEST),,10,g,59.2,",
            "2026-11-02,,food,Aunt's soup,,250,g,30,",
            "2026-11-02,,food,aunt's soup,,500,g,60,",
        ]
    )
    import_file(logged_in, content)

    assert SupplementProduct.objects.filter(owner=user, name__iexact="night glycinate").count() == 1
    assert IntakeEntry.objects.get(owner=user, servings=2).product == mine
    created = SupplementProduct.objects.get(owner=user, name="Their product")
    assert created.form == form and created.elemental_mg_per_serving == Decimal("50")
    assert created.serving_unit == "tablet"
    assert SupplementProduct.objects.filter(owner=other_user).count() == 1  # untouched
    soup = Food.objects.get(owner=user, name="Aunt's soup")
    assert soup.mg_per_100g == Decimal("12")
    assert IntakeEntry.objects.filter(owner=user, food=soup).count() == 2
    assert Food.objects.filter(owner=user).count() == 1  # pumpkin seeds matched the reference
    assert_every_row_valid(user)
    assert totals_by_day(user) == {
        date(2026, 11, 1): (Decimal("250"), Decimal("59.2")),
        date(2026, 11, 2): (Decimal(0), Decimal("90")),
    }


# --- Problems: reported by line, nothing written ------------------------------------------


@pytest.mark.django_db
def test_malformed_rows_are_reported_by_line_and_nothing_is_written(logged_in, user):
    MagnesiumFormFactory(name="Magnesium citrate (test)")
    SupplementProductFactory(
        owner=user, name="Known", label_basis="elemental", amount_per_serving_mg=Decimal("100")
    )
    tomorrow_plus = date.today() + timedelta(days=5)
    rows = [
        HEADER,
        "2026-11-01,,supplement,Known,,1,capsule,100,fine",  # 2: valid
        "2026-02-30,,supplement,Known,,1,capsule,100,",  # 3: no such date
        "01/11/2026,,supplement,Known,,1,capsule,100,",  # 4: wrong date format
        "2026-11-01,,vitamin,Known,,1,capsule,100,",  # 5: unknown kind
        "2026-11-01,,supplement,Known,,-2,capsule,-200,",  # 6: negative amounts
        "2026-11-01,,supplement,Known,,two,capsule,200,",  # 7: letters
        "2026-11-01,,supplement,Known,,1,capsule,500,",  # 8: mg does not follow
        "2026-11-01,,supplement,Unknown thing,Imaginarium,1,capsule,100,",  # 9: unknown form
        "2026-11-01,,supplement,Known,,1,capsule",  # 10: too few values
        f"{tomorrow_plus},,supplement,Known,,1,capsule,100,",  # 11: future
        "1899-12-31,,food,Anything,,10,g,1,",  # 12: before 1900
        "2026-11-01,25:99,food,Anything,,10,kg,1,",  # 13: bad time and unit
        "2026-11-01,,supplement,Known,,1,capsule,100," + "x" * 501,  # 14: note too long
        "2026-11-01,,supplement,Known,,1e9,capsule,,",  # 15: absurd quantity
        "2026-11-01,,supplement,Known,,NaN,capsule,100,",  # 16: not a number
        "2026-11-01,,supplement,Known,,1,capsule,100," + QUOTED_INJECTION,
    ]  # 17: a formula in a note is just text: valid
    before = counts()
    problems = problems_of(logged_in, "\n".join(rows))

    lines = [int(re.match(r"Line (\d+)", p)[1]) for p in problems]
    assert lines == list(range(3, 17)), problems
    text = "\n".join(problems)
    assert "2026-02-30" in text and "not a real date" in text
    assert "vitamin" in text and "is negative" in text and "“two” is not a number" in text
    assert "elemental_mg 500 does not match the 100 mg" in text
    assert "Imaginarium" in text and "expected 9 values, found 7" in text
    assert "in the future" in text and "before 1900" in text and "25:99" in text
    assert "at most 500 fit" in text and "surely a typing error" in text
    # The preview offers no Import button, and forcing the confirmation writes nothing.
    assert "Import</button>" not in preview_html(logged_in)
    response = confirm(logged_in)
    assert response.status_code == 200
    assert counts() == before


@pytest.mark.django_db
def test_line_numbers_count_physical_lines_of_multiline_notes(logged_in):
    content = "\n".join(
        [
            HEADER,
            '2026-11-01,,food,Anything,,10,g,1,"first\nsecond\nthird"',  # lines 2-4
            "2026-11-01,,food,Anything,,-10,g,1,",  # line 5
        ]
    )
    assert problems_of(logged_in, content) == ["Line 5: quantity -10 is negative"]


@pytest.mark.django_db
def test_a_wrong_header_is_a_line_1_problem(logged_in):
    problems = problems_of(logged_in, "date,kind,item,quantity\n2026-11-01,food,x,1\n")
    assert len(problems) == 1 and problems[0].startswith("Line 1: the columns should be")


@pytest.mark.django_db
def test_wrong_encoding_is_a_clear_error(logged_in):
    content = (HEADER + "\n2026-11-01,,food,Crème brûlée,,100,g,10,café\n").encode("latin-1")
    response = upload(logged_in, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "not UTF-8 text" in html
    assert SESSION_KEY not in logged_in.session


@pytest.mark.django_db
def test_a_50_mb_file_is_refused_with_a_clear_message(logged_in):
    row = "2026-11-01,,food,Anything,,10,g,1,padding padding padding padding\n"
    content = (HEADER + "\n" + row * (50 * 1024 * 1024 // len(row) + 1)).encode()
    assert len(content) > 50 * 1024 * 1024
    before = counts()
    response = upload(logged_in, content)
    assert response.status_code == 200
    assert "the largest file this page takes is 5 MB" in response.content.decode()
    assert SESSION_KEY not in logged_in.session
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        "just some words\nand more",
        "{not json",
        '{"format": "something else"}',
        '["a list"]',
        '{"format": "magnesium-tracker-account", "version": 1, "entries": "nope"}',
        '{"format": "magnesium-tracker-account", "version": 1, "entries": [1, [2], {"kind": []}],'
        ' "products": [{"id": [1]}], "symptoms": [{"date": 5, "severity": true}],'
        ' "profile": {"sex": "robot", "has_kidney_disease": "yes", "timezone": "Mars/Base"}}',
        '{"format": "magnesium-tracker-account", "version": 1, "entries": [{"kind": "food",'
        ' "date": "2026-11-01", "grams": "10", "food": [1], "elemental_mg": "1"}]}',
        '{"format": "magnesium-tracker-account", "version": 1, "entries": [{"kind": "supplement",'
        ' "date": "2026-11-01", "servings": "1", "product": {"id": 1}}]}',
        "[" * 100_000,
        HEADER + '\n"unterminated,quote',
        HEADER + "\n",
        "\ufeff" + HEADER + "\r\n\r\n",
    ],
)
def test_hostile_files_give_messages_never_500_and_write_nothing(logged_in, content):
    before = counts()
    response = upload(logged_in, content, name="file.json")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        html = preview_html(logged_in)
        assert _problems(html), html
        assert "Import</button>" not in html
        assert confirm(logged_in).status_code == 200
    else:
        assert "invalid-feedback" in response.content.decode()
    assert counts() == before


# --- All or nothing, and the stored preview -------------------------------------------------


@pytest.mark.django_db
def test_a_failure_while_writing_leaves_nothing(client, monkeypatch):
    source = UserFactory()
    product = SupplementProductFactory(owner=source, name="Brand new product")
    SupplementEntryFactory(owner=source, product=product)
    FoodEntryFactory(owner=source, food=FoodFactory(owner=source, name="Brand new food"))
    SymptomEntryFactory(owner=source)
    client.force_login(source)
    content = export(client, "/export/account.json")
    target = UserFactory()
    client.force_login(target)
    assert upload(client, content, name="account.json").status_code == 302
    before = counts()

    def fail(*args, **kwargs):
        raise IntegrityError("simulated failure after the entries were written")

    monkeypatch.setattr(SymptomEntry.objects, "bulk_create", fail)
    response = confirm(client)
    assert response.status_code == 302
    assert counts() == before  # products, foods and entries were rolled back too
    assert SESSION_KEY in client.session  # the upload is kept to try again


@pytest.mark.django_db
def test_the_import_is_the_previewed_file(logged_in, user):
    FoodFactory(name="Oats (test)", mg_per_100g=Decimal("138"))
    assert (
        upload(logged_in, HEADER + "\n2026-11-01,,food,Oats (test),,100,g,138,\n").status_code
        == 302
    )
    response = logged_in.post("/import/confirm/", {"digest": "0" * 64})
    assert response.status_code == 302 and response["Location"] == "/import/preview/"
    assert not IntakeEntry.objects.filter(owner=user).exists()
    response = confirm(logged_in)
    assert response.status_code == 302
    assert response["Location"] == "/week/2026-11-01/"
    assert IntakeEntry.objects.get(owner=user).elemental_mg == Decimal("138")
    assert SESSION_KEY not in logged_in.session
    # The upload was used up: confirming again does nothing more.
    assert logged_in.post("/import/confirm/", {"digest": "0" * 64}).status_code == 302
    assert IntakeEntry.objects.filter(owner=user).count() == 1


@pytest.mark.django_db
def test_cancel_discards_the_upload(logged_in, user):
    upload(logged_in, HEADER + "\n2026-11-01,,food,Anything,,100,g,10,\n")
    assert SESSION_KEY in logged_in.session
    assert logged_in.post("/import/cancel/").status_code == 302
    assert SESSION_KEY not in logged_in.session
    assert logged_in.get("/import/preview/")["Location"] == "/import/"
    assert not IntakeEntry.objects.filter(owner=user).exists()


@pytest.mark.django_db
def test_the_preview_lists_what_will_be_created(logged_in):
    MagnesiumFormFactory(name="Magnesium malate (test)")
    content = "\n".join(
        [
            HEADER,
            "2026-11-01,07:30,supplement,Morning malate,Magnesium malate (test),2,tablet,150,",
            "2026-11-01,,food,Homemade granola,,60,g,45," + QUOTED_INJECTION,
        ]
    )
    upload(logged_in, content)
    html = preview_html(logged_in)
    assert "This will add <strong>2</strong> entries" in html
    assert "Product <strong>Morning malate</strong>" in html and "75.0\u00a0mg elemental" in html
    assert "Food <strong>Homemade granola</strong>" in html and "75.0\u00a0mg per 100 g" in html
    assert "Import</button>" in html
    assert "&lt;" not in INJECTION and "=HYPERLINK(&quot;http://x&quot;" in html


@pytest.mark.django_db
def test_parsing_costs_the_same_queries_for_10_or_500_rows(user):
    FoodFactory(name="Rice (test)", mg_per_100g=Decimal("12"))

    def queries(n: int) -> int:
        # Spread over days: one day holds at most 200 entries (tracker.limits).
        rows = [
            f"{date(2026, 11, 1) - timedelta(days=i // 100)},,food,Rice (test),,100,g,12,\n"
            for i in range(n)
        ]
        text = HEADER + "\n" + "".join(rows)
        with CaptureQueriesContext(connection) as ctx:
            plan = transfer.parse_upload(text, user)
        assert plan.ok and len(plan.entries) == n
        return len(ctx.captured_queries)

    assert queries(10) == queries(500)


def test_the_entries_csv_header_is_the_documented_one():
    assert HEADER == "date,time,kind,item,form,quantity,unit,elemental_mg,note"
    assert list(transfer.ENTRY_COLUMNS) == [*HEADER.split(","), "elemental_mg_exact"]
    assert json.loads(json.dumps(transfer.ACCOUNT_FORMAT)) == "magnesium-tracker-account"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["entries.csv", "account.json"])
def test_a_file_with_too_many_rows_is_refused_whole(client, monkeypatch, name):
    from tracker.transfer import account_file, csv_files, formats

    for module in (formats, csv_files, account_file):
        monkeypatch.setattr(module, "MAX_IMPORT_ROWS", 3)
    source = UserFactory(password=None)
    SymptomEntryFactory.create_batch(4, owner=source)
    client.force_login(source)
    content = export(
        client, "/export/symptoms.csv" if name.endswith("csv") else "/export/account.json"
    )
    client.force_login(UserFactory(password=None))
    before = counts()
    problems = problems_of(client, content, name=name)
    assert len(problems) == 1 and "more than 3 rows" in problems[0]
    assert problems[0].startswith("The file has more than 3 rows")
    assert confirm(client).status_code == 200
    assert counts() == before


def test_import_bounds_are_those_of_logging_an_entry():
    from tracker.transfer import account_file, csv_files

    for module in (account_file, csv_files):
        assert module.MAX_SERVINGS == limits.MAX_SERVINGS
        assert module.MAX_GRAMS == limits.MAX_GRAMS
