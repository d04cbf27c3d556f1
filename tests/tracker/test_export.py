"""/export/: streamed CSV and JSON downloads of one person's data, formula cells neutralised."""

import csv
import io
import json
from datetime import date, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    FoodEntryFactory,
    FoodFactory,
    SupplementEntryFactory,
    SupplementProductFactory,
    SymptomEntryFactory,
    bulk_supplement_entries,
)
from tracker import transfer

DOWNLOADS = ["/export/entries.csv", "/export/symptoms.csv", "/export/account.json"]
INJECTION = '=HYPERLINK("http://x","y")'


def download(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming, "exports must stream"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response["Cache-Control"]
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a BOM tells spreadsheets the file is UTF-8"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/export/", *DOWNLOADS])
def test_export_requires_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_export_page_links_the_downloads(logged_in, user):
    SupplementEntryFactory.create_batch(3, owner=user)
    html = logged_in.get("/export/").content.decode()
    for url in DOWNLOADS:
        assert f'href="{url}"' in html
    assert "3 entries" in html


@pytest.mark.django_db
def test_entries_csv_columns_and_values(logged_in, user, glycinate):
    product = SupplementProductFactory(
        owner=user, name="Night glycinate", form=glycinate, amount_per_serving_mg=Decimal("1000")
    )
    SupplementEntryFactory(
        owner=user,
        product=product,
        day=date(2026, 11, 2),
        time=time(21, 30),
        servings=Decimal("2"),
        elemental_mg=Decimal("282"),
        note='with dinner, "decaf"\nsecond line',
    )
    almonds = FoodFactory(name="Almonds (test)", mg_per_100g=Decimal("270"))
    FoodEntryFactory(
        owner=user,
        food=almonds,
        day=date(2026, 11, 1),
        grams=Decimal("28.35"),
        elemental_mg=Decimal("76.55"),
    )
    FoodEntryFactory(
        owner=user,
        food=almonds,
        day=date(2026, 11, 2),
        grams=None,
        servings=Decimal("1.5"),
        elemental_mg=Decimal("114.82"),
    )

    rows = csv_rows(download(logged_in, "/export/entries.csv"))

    assert rows[0] == list(transfer.ENTRY_COLUMNS)
    # elemental_mg reads as every page shows it (rounded once, half up); the exact figure last.
    assert rows[1] == [
        "2026-11-01", "", "food", "Almonds (test)", "", "28.35", "g", "76.6", "", "76.55",
    ]  # fmt: skip
    assert rows[2] == [
        "2026-11-02", "", "food", "Almonds (test)", "", "1.5", "serving (28.35 g)", "114.8", "",
        "114.82",
    ]  # fmt: skip
    assert rows[3] == [
        "2026-11-02", "21:30:00", "supplement", "Night glycinate",
        "Magnesium bisglycinate (test)", "2", "capsule", "282.0",
        "with dinner, \"decaf\"\nsecond line", "282",
    ]  # fmt: skip
    assert len(rows) == 4


@pytest.mark.django_db
def test_formula_cells_are_neutralised(logged_in, user):
    product = SupplementProductFactory(owner=user, name="+plus product")
    SupplementEntryFactory(owner=user, product=product, note=INJECTION)
    FoodEntryFactory(owner=user, food=FoodFactory(owner=user, name="@home mix"), note="-2 tbsp")
    SymptomEntryFactory(owner=user, note="\tindented")
    SymptomEntryFactory(owner=user, note="\rcarriage")
    SymptomEntryFactory(owner=user, note="'quoted already")

    entries = csv_rows(download(logged_in, "/export/entries.csv"))
    cells = {cell for row in entries[1:] for cell in row}
    assert "'" + INJECTION in cells and INJECTION not in cells
    assert "'+plus product" in cells and "'@home mix" in cells and "'-2 tbsp" in cells
    symptoms = csv_rows(download(logged_in, "/export/symptoms.csv"))
    notes = [row[3] for row in symptoms[1:]]
    assert notes == ["'\tindented", "'\rcarriage", "'quoted already"]
    # No cell written by the export can start a formula.
    for row in entries[1:] + symptoms[1:]:
        for cell in row:
            assert not cell.startswith(transfer.FORMULA_TRIGGERS), cell


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x", "''=x", "'x", "plain", "", "'"],
)
def test_neutralise_then_restore_gives_the_text_back(text):
    cell = transfer.neutralise(text)
    assert not cell.startswith(transfer.FORMULA_TRIGGERS)
    assert transfer.restore(cell) == text


@pytest.mark.django_db
def test_other_peoples_data_never_appears(logged_in, user, other_user):
    mine = SupplementProductFactory(owner=user, name="Mine product")
    SupplementEntryFactory(owner=user, product=mine, note="my note")
    SymptomEntryFactory(owner=user, note="my symptom")
    FoodFactory(owner=user, name="My own food")
    theirs = SupplementProductFactory(owner=other_user, name="Secret product")
    SupplementEntryFactory(owner=other_user, product=theirs, note="secret note")
    FoodEntryFactory(owner=other_user, food=FoodFactory(owner=other_user, name="Secret food"))
    SymptomEntryFactory(owner=other_user, note="secret symptom")

    everything = "".join(download(logged_in, url) for url in DOWNLOADS)
    assert "Mine product" in everything and "my symptom" in everything
    assert "My own food" in everything
    for secret in ("Secret", "secret", other_user.username, other_user.email):
        assert secret not in everything


@pytest.mark.django_db
def test_account_json_holds_the_whole_account_one_record_per_line(logged_in, user):
    user.target_override_mg = Decimal("380")
    user.save()
    product = SupplementProductFactory(owner=user, name="Citrate powder", brand="Acme")
    own = FoodFactory(owner=user, name="Grandma's bread", mg_per_100g=Decimal("61.5"))
    reference = FoodFactory(name="Spinach (test)")
    SupplementEntryFactory(owner=user, product=product, day=date(2026, 10, 1))
    FoodEntryFactory(owner=user, food=own, day=date(2026, 10, 1))
    FoodEntryFactory(owner=user, food=reference, day=date(2026, 10, 2))
    SymptomEntryFactory(owner=user, day=date(2026, 10, 2), symptom="cramps", severity=3)

    text = download(logged_in, "/export/account.json")
    data = json.loads(text)

    assert data["format"] == transfer.ACCOUNT_FORMAT and data["version"] == 1
    assert data["profile"]["sex"] == user.sex
    assert data["profile"]["target_override_mg"] == "380"
    assert [p["name"] for p in data["products"]] == ["Citrate powder"]
    assert data["products"][0]["brand"] == "Acme"
    assert [f["name"] for f in data["foods"]] == ["Grandma's bread"]  # reference foods stay out
    assert [e["kind"] for e in data["entries"]] == ["supplement", "food", "food"]
    assert data["entries"][0]["product"] == product.pk
    assert data["entries"][1]["food"] == own.pk
    assert data["entries"][2]["reference_food"] == "Spinach (test)"
    assert data["symptoms"] == [
        {"date": "2026-10-02", "symptom": "cramps", "severity": 3, "note": ""}
    ]
    lines = text.splitlines()
    start = lines.index('"entries": [')
    assert [json.loads(line.rstrip(",")) for line in lines[start + 1 : start + 4]] == data[
        "entries"
    ]


def _export_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        b"".join(client.get(url).streaming_content)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_export_streams_in_chunks_with_a_fixed_number_of_queries(logged_in, user):
    product = SupplementProductFactory(owner=user)
    SupplementEntryFactory(owner=user, product=product)
    queries = {url: _export_queries(logged_in, url) for url in DOWNLOADS}
    bulk_supplement_entries(user, [date(2026, 1, 1)] * 3000, "141", product, note="x" * 100)
    for url in DOWNLOADS:
        assert _export_queries(logged_in, url) == queries[url], url
    response = logged_in.get("/export/entries.csv")
    chunks = list(response.streaming_content)
    assert len(chunks) > 1, "a long history goes out in several pieces, not one string"
    assert sum(c.count(b"\n") for c in chunks) == 3002
