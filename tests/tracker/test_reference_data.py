"""Reference data: the CSV readers, the data migration that loads them, and their admin."""

import csv
import importlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps as global_apps
from django.db.migrations.recorder import MigrationRecorder

from tests.factories import FoodFactory, UserFactory
from tracker import reference_data
from tracker.models import (
    Food,
    IntakeEntry,
    MagnesiumForm,
    SupplementProduct,
    SymptomEntry,
    WarningSent,
)

pytestmark = pytest.mark.django_db

MIGRATION = "0002_load_reference_data"
SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SEED_FORMS = {
    # seed article's form -> the compound row it is mapped to
    "Glycinate": "Magnesium bisglycinate / glycinate Mg(C2H4NO2)2 (pure, fully reacted)",
    "Citrate": "Magnesium citrate (trimagnesium dicitrate, anhydrous) Mg3(C6H5O7)2",
    "Malate": "Magnesium malate (anhydrous) MgC4H4O5",
    "Chloride": "Magnesium chloride (anhydrous)",
    "Oxide": "Magnesium oxide",
    "Threonate": "Magnesium L-threonate (anhydrous) Mg(C4H7O5)2",
}
SEED_COLUMNS = (
    "absorption_and_use",
    "common_uses",
    "potential_considerations",
    "additional_information",
)


def csv_rows(name: str) -> list[dict[str, str]]:
    with open(reference_data.DATA_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- What the migration loaded ------------------------------------------------------------


def test_migration_is_applied_and_depends_only_on_the_initial_one():
    assert MigrationRecorder.Migration.objects.filter(app="tracker", name=MIGRATION).exists()
    module = importlib.import_module(f"tracker.migrations.{MIGRATION}")
    assert module.Migration.dependencies == [("tracker", "0001_initial")]
    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "tracker.models" not in source
    assert "apps.get_model" in source


def test_exactly_the_26_forms_of_forms_csv():
    names = [r["form"] for r in csv_rows("forms.csv")]
    assert len(names) == 26
    assert sorted(MagnesiumForm.objects.values_list("name", flat=True)) == sorted(names)


def test_exactly_the_100_foods_of_foods_csv():
    names = [r["name"] for r in csv_rows("foods.csv")]
    assert len(names) == 100
    reference = Food.objects.filter(owner__isnull=True)
    assert sorted(reference.values_list("name", flat=True)) == sorted(names)


def test_forms_carry_the_csv_values():
    for row in csv_rows("forms.csv"):
        form = MagnesiumForm.objects.get(name=row["form"])
        assert form.formula == row["chemical_formula"]
        assert form.molar_mass_g_per_mol == Decimal(row["molar_mass_g_per_mol"])
        assert form.mg_atoms_per_formula == int(row["mg_atoms_per_formula"])
        assert form.elemental_fraction == Decimal(row["elemental_fraction"])
        assert form.commonly_quoted_percent == row["commonly_quoted_percent"]
        assert form.absorption_note == row["absorption_note"]
        assert form.source == row["source"]
        assert form.short_name


def test_forms_are_chemically_sane():
    for form in MagnesiumForm.objects.all():
        form.full_clean()
        assert Decimal("40") <= form.molar_mass_g_per_mol <= Decimal("700")
        assert Decimal("0.05") < form.elemental_fraction <= Decimal("0.61")
        # elemental_fraction = 24.305 x n_Mg / molar mass; the CSV rounds the molar mass to
        # 2 places and the fraction to 4 (MgO: 24.305 / 40.304 = 0.6030, / 40.30 = 0.6031).
        computed = Decimal("24.305") * form.mg_atoms_per_formula / form.molar_mass_g_per_mol
        assert abs(computed - form.elemental_fraction) <= Decimal("0.0002"), form.name


def test_the_seeds_six_forms_come_first_with_their_text():
    first_six = list(MagnesiumForm.objects.all()[:6])
    assert [f.name for f in first_six] == list(SEED_FORMS.values())
    for form in first_six:
        assert all(getattr(form, column) for column in SEED_COLUMNS), form.name
        assert form.seed_source.startswith("Seed article")
    for form in MagnesiumForm.objects.exclude(name__in=SEED_FORMS.values()):
        assert not any(getattr(form, column) for column in SEED_COLUMNS), form.name
        assert form.seed_source == ""


def test_seed_table_is_quoted_as_the_article_has_it():
    glycinate = MagnesiumForm.objects.get(name=SEED_FORMS["Glycinate"])
    assert glycinate.absorption_and_use == "Highly absorbable, gentle on digestion."
    assert glycinate.common_uses == "May support relaxation, sleep, and muscle tension."
    assert glycinate.potential_considerations == "Generally well-tolerated."
    assert glycinate.additional_information == "Often recommended for sleep and anxiety support."
    oxide = MagnesiumForm.objects.get(name=SEED_FORMS["Oxide"])
    assert oxide.potential_considerations == "More likely to cause laxative effect."
    threonate = MagnesiumForm.objects.get(name=SEED_FORMS["Threonate"])
    assert "blood-brain barrier" in threonate.absorption_and_use
    assert "Nerve Health" in threonate.seed_source


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="the seed articles are not checked out here")
def test_every_seed_quote_occurs_word_for_word_in_the_articles():
    articles = {p.name: p.read_text(encoding="utf-8") for p in SEEDS_DIR.glob("*.txt")}
    for row in csv_rows("forms_seed_table.csv"):
        article = next(text for name, text in articles.items() if name in row["seed_source"])
        for column in SEED_COLUMNS:
            assert row[column] in article, (row["seed_form"], column)
        if row["seed_form"] != "Threonate":
            # The table row: "| Glycinate | cell | cell | cell | cell |".
            cells = " | ".join([row["seed_form"], *(row[c] for c in SEED_COLUMNS)])
            assert f"| {cells} |" in article


def test_foods_carry_the_csv_values_with_sane_ranges():
    for row in csv_rows("foods.csv"):
        food = Food.objects.get(name=row["name"], owner__isnull=True)
        food.full_clean()
        assert food.category == row["category"]
        assert food.serving_desc == row["common_serving_desc"]
        assert food.source == row["source"]
        assert food.confidence == row["confidence"] in {"high", "medium", "low"}
        assert Decimal("0") < food.mg_per_100g <= Decimal("700")
        assert Decimal("5") <= food.serving_grams <= Decimal("250")
        # The CSV's own mg_per_serving, to its one decimal.
        assert abs(food.mg_per_serving - Decimal(row["mg_per_serving"])) <= Decimal("0.1")
        if row["mg_per_100g"]:
            assert food.mg_per_100g == Decimal(row["mg_per_100g"])
            assert food.serving_grams == Decimal(row["serving_grams"])


def test_food_categories_are_the_model_choices():
    used = set(Food.objects.filter(owner__isnull=True).values_list("category", flat=True))
    assert used == set(Food.Category.values)


def test_pumpkin_seeds_give_156_mg_per_ounce():
    food = Food.objects.get(name="Pumpkin seed kernels (pepitas), roasted, unsalted")
    assert (food.mg_per_100g, food.serving_desc, food.serving_grams) == (
        Decimal("550"),
        "1 oz",
        Decimal("28.35"),
    )
    assert food.mg_per_serving == Decimal("155.925")  # exact; shown once rounded: 155.9
    assert round(food.mg_per_serving) == 156


def test_food_given_only_per_serving_holds_that_per_serving():
    cereal = Food.objects.get(name="Breakfast cereal fortified with 10% DV magnesium")
    assert cereal.mg_per_serving == Decimal("42.0")
    assert cereal.serving_grams == reference_data.PER_SERVING_ONLY_GRAMS
    assert "read the label" in cereal.notes
    assert reference_data.PER_SERVING_ONLY_NOTE in cereal.notes


# --- Loading again ------------------------------------------------------------------------


def run_migration_function():
    module = importlib.import_module(f"tracker.migrations.{MIGRATION}")
    module.load_reference_data(global_apps, None)


def test_running_the_migration_again_creates_no_duplicates():
    run_migration_function()
    run_migration_function()
    assert MagnesiumForm.objects.count() == 26
    assert Food.objects.count() == 100


def test_loaders_report_nothing_created_the_second_time():
    assert reference_data.load_forms(MagnesiumForm) == 0
    assert reference_data.load_foods(Food) == 0
    assert (MagnesiumForm.objects.count(), Food.objects.count()) == (26, 100)


def test_loaders_restore_edited_or_deleted_rows():
    oxide = MagnesiumForm.objects.get(name="Magnesium oxide")
    MagnesiumForm.objects.filter(pk=oxide.pk).update(elemental_fraction=Decimal("0.5"))
    Food.objects.filter(name="Molasses").delete()
    assert reference_data.load_forms(MagnesiumForm) == 0
    assert reference_data.load_foods(Food) == 1
    oxide.refresh_from_db()
    assert oxide.elemental_fraction == Decimal("0.6030")
    assert Food.objects.filter(name="Molasses").count() == 1
    assert MagnesiumForm.objects.count() == 26


def test_loading_keeps_ids_so_entries_still_point_at_them():
    before = dict(Food.objects.values_list("name", "pk"))
    reference_data.load_foods(Food)
    assert dict(Food.objects.values_list("name", "pk")) == before


def test_private_food_of_the_same_name_is_left_alone():
    person = UserFactory()
    mine = FoodFactory(owner=person, name="Molasses", mg_per_100g=Decimal("999"))
    reference_data.load_foods(Food)
    mine.refresh_from_db()
    assert mine.mg_per_100g == Decimal("999")
    assert Food.objects.filter(name="Molasses").count() == 2
    assert Food.objects.get(name="Molasses", owner__isnull=True).mg_per_100g == Decimal("242")


def test_readers_refuse_a_seed_row_for_an_unknown_compound(monkeypatch, tmp_path):
    broken = tmp_path / "seed.csv"
    text = (reference_data.SEED_TABLE_CSV).read_text(encoding="utf-8")
    broken.write_text(text.replace("Magnesium oxide", "Magnesium oxyde"), encoding="utf-8")
    monkeypatch.setattr(reference_data, "SEED_TABLE_CSV", broken)
    with pytest.raises(ValueError, match="Magnesium oxyde"):
        reference_data.read_forms()


def test_readers_match_the_shared_facts_files_when_present():
    facts = SEEDS_DIR.parent / "facts"
    if not facts.is_dir():
        pytest.skip("shared/facts is not checked out here")
    for name in ("forms.csv", "foods.csv", "dri.csv", "ul.csv"):
        ours = (reference_data.DATA_DIR / name).read_text(encoding="utf-8")
        assert ours == (facts / name).read_text(encoding="utf-8"), name


# --- What people read: notes in plain words and citations -----------------------------------

MAINTAINER_WORDS = ("FLAG", "PMC", "NDB", "SR28", "cross-checked", ".csv", ".txt", "computed from")


def test_every_compound_has_a_note_for_people_with_known_citations():
    notes = reference_data.form_notes()
    assert set(notes) == {r["form"] for r in csv_rows("forms.csv")}
    for name, note in notes.items():
        assert note.note.endswith("."), name
        assert not [w for w in MAINTAINER_WORDS if w in note.note], name
    oxide = notes["Magnesium oxide"]
    assert "about 4 %" in oxide.note
    assert [c.key for c in oxide.citations] == ["nih_ods", "molecules_2021"]
    assert "11-16 %" in notes[SEED_FORMS["Citrate"]].note
    assert "more than about 14 %" in notes[SEED_FORMS["Glycinate"]].note


def test_form_notes_refuse_an_unknown_citation_or_a_missing_compound(monkeypatch, tmp_path):
    text = reference_data.FORM_NOTES_CSV.read_text(encoding="utf-8")
    for broken_text, message in (
        (text.replace("nih_ods molecules_2021", "nih_ods pmc8122334", 1), "pmc8122334"),
        (text.replace("Magnesium oxide,", "Magnesium oxyde,", 1), "Magnesium oxyde"),
    ):
        broken = tmp_path / "notes.csv"
        broken.write_text(broken_text, encoding="utf-8")
        monkeypatch.setattr(reference_data, "FORM_NOTES_CSV", broken)
        reference_data.form_notes.cache_clear()
        try:
            with pytest.raises(ValueError, match=message):
                reference_data.form_notes()
        finally:
            monkeypatch.undo()
            reference_data.form_notes.cache_clear()


def test_the_seed_table_cites_its_articles_by_title():
    keys = {
        r["seed_form"]: reference_data.seed_citation(r["seed_source"]).key
        for r in csv_rows("forms_seed_table.csv")
    }
    assert keys == {**{form: "seed_forms" for form in SEED_FORMS}, "Threonate": "seed_nerve"}
    with pytest.raises(ValueError):
        reference_data.seed_citation('Seed article "Something else" (seeds/009.txt)')


def test_quoted_percent_drops_the_research_note():
    quoted = {
        r["form"]: reference_data.quoted_percent(r["commonly_quoted_percent"])
        for r in csv_rows("forms.csv")
    }
    assert quoted["Magnesium oxide"] == "~60%"
    assert quoted[SEED_FORMS["Glycinate"]] == "~14% pure"
    assert quoted["Magnesium chloride (anhydrous)"] == "25.5% anhydrous"
    assert not [q for q in quoted.values() if "PMC" in q or "(" in q]


def test_reference_foods_cite_usda_and_the_nih_table_they_were_checked_against():
    cited = {
        f.name: [c.key for c in reference_data.food_citations(f.source)]
        for f in reference_data.read_foods()
    }
    assert cited["Pumpkin seed kernels (pepitas), roasted, unsalted"] == ["usda_sr", "nih_ods"]
    assert cited["Pumpkin seed kernels, dried (raw)"] == ["usda_sr"]
    assert cited["Breakfast cereal fortified with 10% DV magnesium"] == ["nih_ods"]
    assert all(cited.values())


def test_reference_foods_have_notes_for_people():
    for food in reference_data.read_foods():
        note = reference_data.reference_food_note(food.name, food.notes)
        assert bool(note) == bool(food.notes), food.name
        assert not [w for w in MAINTAINER_WORDS if w in note], food.name
    cereal = next(f for f in reference_data.read_foods() if f.name.startswith("Breakfast cereal"))
    assert reference_data.PER_SERVING_ONLY_NOTE in reference_data.reference_food_note(
        cereal.name, cereal.notes
    )


# --- Admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "model", [MagnesiumForm, Food, SupplementProduct, IntakeEntry, SymptomEntry, WarningSent]
)
def test_admin_lists_every_tracker_model(admin_client, model):
    url = f"/admin/tracker/{model._meta.model_name}/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "magnesium"}).status_code == 200


def test_admin_edits_the_reference_tables(admin_client):
    oxide = MagnesiumForm.objects.get(name="Magnesium oxide")
    response = admin_client.get(f"/admin/tracker/magnesiumform/{oxide.pk}/change/")
    assert response.status_code == 200
    assert b"From the seed articles" in response.content
    response = admin_client.get("/admin/tracker/food/", {"kind": "reference", "q": "pumpkin"})
    assert response.status_code == 200
    assert b"Pumpkin seed kernels (pepitas)" in response.content
