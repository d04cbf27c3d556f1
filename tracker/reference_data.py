"""The project's reference CSVs (``tracker/data/``) read into plain rows, and their loaders.

``forms.csv`` and ``foods.csv`` are the checked tables described in ``tracker/data/README.md``
(NIH ODS, USDA SR Legacy, computed molar masses; their provenance is in ``SOURCES.md``
there). Two small files of our own complete the forms:

* ``forms_seed_table.csv``: the seed article's forms table (glycinate, citrate, malate,
  chloride, oxide) and what the nerve-health article says of threonate, quoted word for word
  and mapped to the compound row each describes (glycinate -> the bisglycinate row). Each is
  mapped to the family's primary row in ``forms.csv``, the one that carries the family's
  absorption note (its hydrates say "see ..."), because the articles speak of the anion, not
  of a hydrate.
* ``forms_short_names.csv``: the short label of every compound ("bisglycinate",
  "chloride hexahydrate") that reads well after "magnesium" in the converter's sentence.
* ``forms_notes.csv`` and ``foods_notes.csv``: what the pages say of a compound or a
  reference food, in plain words, with the keys of ``citations.csv`` behind each compound's
  note. The research notes and ``source`` columns of forms.csv and foods.csv are provenance
  for maintainers (the admin shows them); pages, e-mails and exports never do.

No ORM import here: the data migration passes its historical models to the loaders, so the
loaders stay valid whatever later migrations do to ``tracker.models``.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from tracker.citations import Citation, all_citations, cite

DATA_DIR = Path(__file__).resolve().parent / "data"
FORMS_CSV = DATA_DIR / "forms.csv"
FOODS_CSV = DATA_DIR / "foods.csv"
SEED_TABLE_CSV = DATA_DIR / "forms_seed_table.csv"
SHORT_NAMES_CSV = DATA_DIR / "forms_short_names.csv"
FORM_NOTES_CSV = DATA_DIR / "forms_notes.csv"
FOOD_NOTES_CSV = DATA_DIR / "foods_notes.csv"

OTHER_FORMS_FIRST_ORDER = 10
"""display_order of the first compound outside the seeds' six (which take 1-6); the others
keep the order of forms.csv, where each family's hydrates follow its primary row."""

PER_SERVING_ONLY_GRAMS = Decimal("100")
"""A food that foods.csv gives only per serving (the fortified cereal: "per-100 g value not
applicable") is stored as a nominal 100 g serving, so one serving holds exactly the listed
milligrams; its notes say so."""

PER_SERVING_ONLY_NOTE = (
    "Only a per-serving figure is published; it is stored as a nominal 100 g serving, so "
    "log it in servings, not grams."
)


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- Forms ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedColumns:
    """One row of the seed articles' forms table (or the threonate paragraph)."""

    seed_form: str
    display_order: int
    absorption_and_use: str
    common_uses: str
    potential_considerations: str
    additional_information: str
    seed_source: str


@dataclass(frozen=True)
class FormRow:
    """One compound, named as the MagnesiumForm fields it fills."""

    name: str
    short_name: str
    formula: str
    molar_mass_g_per_mol: Decimal
    mg_atoms_per_formula: int
    elemental_fraction: Decimal
    commonly_quoted_percent: str
    absorption_note: str
    source: str
    display_order: int
    absorption_and_use: str = ""
    common_uses: str = ""
    potential_considerations: str = ""
    additional_information: str = ""
    seed_source: str = ""

    def defaults(self) -> dict[str, Any]:
        values = asdict(self)
        del values["name"]
        return values


def read_seed_table() -> dict[str, SeedColumns]:
    """The seed table's columns keyed by the forms.csv name they describe."""
    return {
        r["form"]: SeedColumns(
            seed_form=r["seed_form"],
            display_order=int(r["display_order"]),
            absorption_and_use=r["absorption_and_use"],
            common_uses=r["common_uses"],
            potential_considerations=r["potential_considerations"],
            additional_information=r["additional_information"],
            seed_source=r["seed_source"],
        )
        for r in _read(SEED_TABLE_CSV)
    }


def read_short_names() -> dict[str, str]:
    return {r["form"]: r["short_name"] for r in _read(SHORT_NAMES_CSV)}


def read_forms() -> list[FormRow]:
    """Every compound of forms.csv with its short name and, for the seeds' six, their text."""
    seeds = read_seed_table()
    short_names = read_short_names()
    rows = _read(FORMS_CSV)
    unknown = (set(seeds) | set(short_names)) - {r["form"] for r in rows}
    if unknown:
        # A renamed compound in forms.csv must not silently drop the seeds' text.
        raise ValueError(f"not in forms.csv: {sorted(unknown)}")
    forms = []
    for index, r in enumerate(rows):
        seed = seeds.get(r["form"])
        seed_fields = asdict(seed) if seed else {}
        seed_fields.pop("seed_form", None)
        display_order = seed_fields.pop("display_order", OTHER_FORMS_FIRST_ORDER + index)
        forms.append(
            FormRow(
                name=r["form"],
                short_name=short_names[r["form"]],
                formula=r["chemical_formula"],
                molar_mass_g_per_mol=Decimal(r["molar_mass_g_per_mol"]),
                mg_atoms_per_formula=int(r["mg_atoms_per_formula"]),
                elemental_fraction=Decimal(r["elemental_fraction"]),
                commonly_quoted_percent=r["commonly_quoted_percent"],
                absorption_note=r["absorption_note"],
                source=r["source"],
                display_order=display_order,
                **seed_fields,
            )
        )
    return forms


@dataclass(frozen=True)
class FormNote:
    """What the forms page says of a compound, and the citations behind it."""

    note: str
    citations: tuple[Citation, ...]


@cache
def form_notes() -> dict[str, FormNote]:
    """The people's note of every compound of forms.csv, keyed by its name there."""
    known = all_citations()
    notes = {}
    for r in _read(FORM_NOTES_CSV):
        keys = r["citations"].split()
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise ValueError(f"{r['form']}: not in citations.csv: {unknown}")
        notes[r["form"]] = FormNote(r["note"], tuple(known[k] for k in keys))
    forms = {r["form"] for r in _read(FORMS_CSV)}
    if set(notes) != forms:
        # Every compound shown needs a note for people, and no note may name a lost compound.
        raise ValueError(f"forms_notes.csv and forms.csv differ: {sorted(set(notes) ^ forms)}")
    return notes


SEED_CITATION_KEYS = ("seed_forms", "seed_nerve")
"""The consumer articles the seed table quotes (citations.csv, what_it_supports)."""


def seed_citation(seed_source: str) -> Citation:
    """The citation of the article a seed-table row quotes, found by its title in the row's
    provenance note (which also names the file; that part is never shown)."""
    for key in SEED_CITATION_KEYS:
        citation = cite(key)
        if citation.title in seed_source:
            return citation
    raise ValueError(f"no citation for the seed text quoted from {seed_source!r}")


def quoted_percent(commonly_quoted: str) -> str:
    """The figure labels and references quote, without the research note on where it was
    seen: "~14% pure (PMC8122334: 14.1%; supplier FAQs 12-14%)" -> "~14% pure"."""
    return commonly_quoted.split(" (", 1)[0].split(";", 1)[0].strip()


# --- Foods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FoodRow:
    """One reference food, named as the Food fields it fills."""

    name: str
    category: str
    mg_per_100g: Decimal
    serving_desc: str
    serving_grams: Decimal
    source: str
    confidence: str
    notes: str

    def defaults(self) -> dict[str, Any]:
        values = asdict(self)
        del values["name"]
        return values

    @property
    def mg_per_serving(self) -> Decimal:
        return self.mg_per_100g * self.serving_grams / 100


def read_foods() -> list[FoodRow]:
    foods = []
    for r in _read(FOODS_CSV):
        notes = r["notes"]
        if r["mg_per_100g"].strip():
            mg_per_100g = Decimal(r["mg_per_100g"])
            serving_grams = Decimal(r["serving_grams"])
        else:
            mg_per_100g = Decimal(r["mg_per_serving"])
            serving_grams = PER_SERVING_ONLY_GRAMS
            notes = f"{notes}. {PER_SERVING_ONLY_NOTE}" if notes else PER_SERVING_ONLY_NOTE
        foods.append(
            FoodRow(
                name=r["name"],
                category=r["category"],
                mg_per_100g=mg_per_100g,
                serving_desc=r["common_serving_desc"],
                serving_grams=serving_grams,
                source=r["source"],
                confidence=r["confidence"],
                notes=notes,
            )
        )
    return foods


@cache
def food_notes() -> dict[str, str]:
    """The people's note of the reference foods that have one, keyed by name."""
    return {r["name"]: r["note"] for r in _read(FOOD_NOTES_CSV)}


def reference_food_note(name: str, stored_notes: str) -> str:
    """What the foods page says of a reference food: its note for people (foods.csv's notes
    are research notes), and how to log a food known only per serving."""
    parts = [food_notes().get(name, "")]
    if PER_SERVING_ONLY_NOTE in stored_notes:
        parts.append(PER_SERVING_ONLY_NOTE)
    return " ".join(p for p in parts if p)


def food_citations(source: str) -> tuple[Citation, ...]:
    """The citations behind a reference food's figures, read from its provenance note:
    USDA SR Legacy for the per-100 g figures, the NIH fact sheet where its table is named."""
    keys = []
    if "SR Legacy" in source or "USDA" in source:
        keys.append("usda_sr")
    if "ODS" in source:
        keys.append("nih_ods")
    return tuple(cite(k) for k in keys)


# --- Loaders (run by migration 0002; safe to run again) ------------------------------------


def _known_fields(model, values: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the (possibly historical) model has."""
    names = {f.name for f in model._meta.get_fields()}
    return {k: v for k, v in values.items() if k in names}


def load_forms(model) -> int:
    """Create or update every compound, keyed by name; returns how many were created."""
    created = 0
    for row in read_forms():
        _, was_created = model.objects.update_or_create(
            name=row.name, defaults=_known_fields(model, row.defaults())
        )
        created += was_created
    return created


def load_foods(model) -> int:
    """Create or update every reference food (no owner), keyed by name; returns how many
    were created. A person's private food of the same name is left alone."""
    created = 0
    for row in read_foods():
        _, was_created = model.objects.update_or_create(
            name=row.name, owner=None, defaults=_known_fields(model, row.defaults())
        )
        created += was_created
    return created
