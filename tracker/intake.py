"""Pure intake rules: conversions, daily targets, upper limits and the day's flags.

No ORM here. Everything takes plain values and returns small dataclasses, so the rules can be
tested exhaustively and reused by views, services, e-mails and exports alike.

Sources: ``tracker/data/dri.csv`` and ``tracker/data/ul.csv`` are copies of the checked NIH ODS
tables in ``shared/facts``; the thresholds quoted from the seed articles are named where they
are defined.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
ZERO = Decimal("0")
HUNDRED = Decimal("100")

STARTING_RANGE_MAX_MG = Decimal("200")
"""Seeds (000): "Begin with 100-200 mg/day and increase if needed"."""

DOCUMENTED_RANGE_MAX_MG = Decimal("400")
"""Seeds (000): "Dosage: 200-400 mg daily" (its top is above the adult UL of 350 mg)."""

ADULT_DEFAULT_RDA_MG = {"male": Decimal("400"), "female": Decimal("310")}
"""The seed articles' "400 mg for men, 310 mg for women": NIH's 19-30 band, used when no
birth date is known."""

STARTING_RANGE_SOURCE = 'Seed article: "Begin with 100-200 mg/day and increase if needed"'
DOCUMENTED_RANGE_SOURCE = 'Seed article: "Dosage: 200-400 mg daily"'
SUPERVISION_SOURCE = (
    'Seed article: "If you have kidney disease or heart issues, medical supervision is essential"'
)
SIDE_EFFECT_SOURCE = (
    'Seed article: "If you notice diarrhea, fatigue, or low blood pressure, reduce your dose"'
)
UL_SOURCE = "NIH ODS Magnesium fact sheet, UL for supplemental magnesium (IOM/FNB 1997)"
RDA_SOURCE = "NIH ODS Magnesium fact sheet, Table 1 (IOM/FNB 1997 DRIs)"

# Symptoms that the seeds tie to too much magnesium (see SIDE_EFFECT_SOURCE).
SIDE_EFFECT_SYMPTOMS = frozenset({"diarrhea", "fatigue", "low_blood_pressure"})


def quantize_mg(value: Decimal) -> Decimal:
    """Milligrams to one decimal place, rounding half up as people do on paper."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- Conversions --------------------------------------------------------------------------


def elemental_from_compound(compound_mg: Decimal, elemental_fraction: Decimal) -> Decimal:
    """Elemental Mg in a compound weight: 1000 mg bisglycinate x 0.141 = 141 mg."""
    _require_non_negative(compound_mg, "compound amount")
    if not ZERO < elemental_fraction <= 1:
        raise ValueError("elemental fraction must be in (0, 1]")
    return compound_mg * elemental_fraction


def elemental_from_label(label_mg: Decimal) -> Decimal:
    """A Supplement Facts "Magnesium" line is already elemental."""
    _require_non_negative(label_mg, "label amount")
    return label_mg


def elemental_per_serving(
    amount_mg: Decimal, *, label_is_elemental: bool, elemental_fraction: Decimal
) -> Decimal:
    if label_is_elemental:
        return elemental_from_label(amount_mg)
    return elemental_from_compound(amount_mg, elemental_fraction)


def elemental_from_servings(per_serving_mg: Decimal, servings: Decimal) -> Decimal:
    _require_non_negative(per_serving_mg, "amount per serving")
    _require_non_negative(servings, "servings")
    return per_serving_mg * servings


def elemental_from_food_grams(grams: Decimal, mg_per_100g: Decimal) -> Decimal:
    _require_non_negative(grams, "grams")
    _require_non_negative(mg_per_100g, "mg per 100 g")
    return grams * mg_per_100g / HUNDRED


def label_exceeds_chemistry(
    amount_mg: Decimal, *, label_is_elemental: bool, elemental_fraction: Decimal, compound_mg=None
) -> bool:
    """True when a label claims more elemental Mg than the named compound can hold.

    Only answerable when the label gives both numbers: ``compound_mg`` (the total weight of
    the named salt in a serving) and ``amount_mg`` elemental. Such products are usually
    buffered with magnesium oxide.
    """
    if not label_is_elemental or compound_mg is None or compound_mg <= 0:
        return False
    return amount_mg > compound_mg * elemental_fraction


def _require_non_negative(value: Decimal, what: str) -> None:
    if value < 0:
        raise ValueError(f"{what} cannot be negative")


# --- Ages and reference tables ------------------------------------------------------------


def age_in_months(born: date, on: date) -> int:
    months = (on.year - born.year) * 12 + (on.month - born.month)
    if on.day < born.day:
        months -= 1
    return months


@dataclass(frozen=True)
class AgeBand:
    min_years: Decimal
    max_years: Decimal | None  # None: open-ended (51+, 19+)
    label: str
    value_mg: Decimal | None
    source: str

    def holds(self, months: int) -> bool:
        """Whole-year inclusive bands as in the DRI tables: 1-3 y covers 1.0 to under 4.0.

        The infant bands (0-0.5, 0.5-1) are half-open at their fractional upper bound.
        """
        years = Decimal(months) / 12
        if years < self.min_years:
            return False
        if self.max_years is None:
            return True
        upper = self.max_years if self.max_years <= 1 else self.max_years + 1
        return years < upper


@dataclass(frozen=True)
class DriRow:
    band: AgeBand
    sex: str
    life_stage: str  # the CSV's label, e.g. "adult 31-50 y", "pregnancy 19-30 y"
    kind: str  # RDA or AI

    @property
    def stage(self) -> str:
        if self.life_stage.startswith("pregnancy"):
            return "pregnant"
        if self.life_stage.startswith("lactation"):
            return "lactating"
        return "none"


def _decimal_or_none(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


@cache
def dri_table() -> tuple[DriRow, ...]:
    with open(DATA_DIR / "dri.csv", newline="", encoding="utf-8") as fh:
        return tuple(
            DriRow(
                band=AgeBand(
                    Decimal(r["min_age_years"]),
                    _decimal_or_none(r["max_age_years"]),
                    r["life_stage"],
                    Decimal(r["rda_mg"]),
                    r["source"],
                ),
                sex=r["sex"],
                life_stage=r["life_stage"],
                kind=r["kind"],
            )
            for r in csv.DictReader(fh)
        )


@cache
def ul_table() -> tuple[AgeBand, ...]:
    with open(DATA_DIR / "ul.csv", newline="", encoding="utf-8") as fh:
        return tuple(
            AgeBand(
                Decimal(r["min_age_years"]),
                _decimal_or_none(r["max_age_years"]),
                r["life_stage"],
                _decimal_or_none(r["ul_supplemental_mg"]),
                r["source"],
            )
            for r in csv.DictReader(fh)
        )


# --- Targets and limits -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    mg: Decimal
    rule: str  # shown beside the number wherever it appears: "NIH RDA, men 31-50"
    source: str

    def __str__(self) -> str:
        return f"{self.mg:.0f} mg ({self.rule})"


_SEX_WORD = {"male": "men", "female": "women"}
_STAGE_WORD = {"pregnant": "pregnancy", "lactating": "lactation"}


def _band_words(label: str) -> str:
    """'adult 31-50 y' -> '31-50'; 'child 1-3 y' -> 'children 1-3'; '51+ y' -> '51+'."""
    words = label.replace(" y", "").split()
    return words[-1]


def daily_target(
    *,
    sex: str,
    on: date,
    born: date | None = None,
    life_stage: str = "none",
    override_mg: Decimal | None = None,
) -> Target:
    """The person's daily magnesium target on a date, with the rule that produced it."""
    if override_mg is not None:
        return Target(override_mg, "your own target, set in your profile", "Your profile")
    if sex not in _SEX_WORD:
        raise ValueError("sex must be 'male' or 'female' to look up an RDA")

    if born is None:
        if life_stage in _STAGE_WORD and sex == "female":
            # The documents' adult default is the 19-30 band; use its pregnancy row too.
            row = _find_dri(sex, Decimal(19 * 12), life_stage)
            if row is not None:
                return Target(
                    row.band.value_mg,
                    f"NIH {row.kind}, {_STAGE_WORD[life_stage]} 19-30 (no birth date given)",
                    row.band.source,
                )
        return Target(
            ADULT_DEFAULT_RDA_MG[sex],
            f"NIH RDA, {_SEX_WORD[sex]} 19-30, the usual adult figure (no birth date given)",
            RDA_SOURCE,
        )

    months = age_in_months(born, on)
    if months < 0:
        raise ValueError("the date is before the date of birth")
    row = None
    if life_stage in _STAGE_WORD and sex == "female":
        row = _find_dri(sex, Decimal(months), life_stage)
    if row is None:
        row = _find_dri(sex, Decimal(months), "none")
    assert row is not None, "dri.csv covers every age from birth"
    if row.stage != "none":
        who = f"{_STAGE_WORD[row.stage]} {_band_words(row.life_stage)}"
    elif row.band.min_years < 1:
        who = row.life_stage
    elif row.band.min_years < 14:
        who = f"children {_band_words(row.life_stage)}"
    else:
        who = f"{_SEX_WORD[sex]} {_band_words(row.life_stage)}"
    return Target(row.band.value_mg, f"NIH {row.kind}, {who}", row.band.source)


def _find_dri(sex: str, months: Decimal, stage: str) -> DriRow | None:
    for row in dri_table():
        if row.sex == sex and row.stage == stage and row.band.holds(int(months)):
            return row
    return None


@dataclass(frozen=True)
class UpperLimit:
    mg: Decimal | None  # None: not established (infants)
    rule: str
    source: str


def supplemental_ul(*, born: date | None, on: date) -> UpperLimit:
    """UL for magnesium from supplements and medications; food never counts towards it."""
    if born is None:
        return UpperLimit(Decimal("350"), "NIH UL, adults 19+ (no birth date given)", UL_SOURCE)
    months = age_in_months(born, on)
    for band in ul_table():
        if band.holds(months):
            if band.value_mg is None:
                return UpperLimit(None, f"No UL established for {band.label}", band.source)
            return UpperLimit(band.value_mg, f"NIH UL, {band.label}", band.source)
    raise ValueError("the date is before the date of birth")


# --- The day's flags ----------------------------------------------------------------------


class Severity(enum.IntEnum):
    NOTICE = 1
    WARNING = 2
    DANGER = 3

    @property
    def css(self) -> str:
        return {1: "info", 2: "warning", 3: "danger"}[self.value]


class FlagCode(enum.StrEnum):
    ABOVE_STARTING_RANGE = "above_starting_range"
    ABOVE_UL = "above_ul"
    ABOVE_DOCUMENTED_RANGE = "above_documented_range"
    MEDICAL_SUPERVISION = "medical_supervision"
    SIDE_EFFECTS = "side_effects"


@dataclass(frozen=True)
class Flag:
    code: FlagCode
    severity: Severity
    title: str
    message: str
    source: str


def day_flags(
    *,
    supplemental_mg: Decimal,
    ul: UpperLimit,
    has_supplements: bool | None = None,
    has_kidney_disease: bool = False,
    has_heart_condition: bool = False,
    symptoms: Iterable[str] = (),
) -> list[Flag]:
    """The flags for one local day, most severe first.

    Only ``supplemental_mg`` (supplements plus medications such as antacids and laxatives)
    counts: the UL and the seeds' dose ranges are about supplemental magnesium, so food is
    deliberately not a parameter here.
    """
    if has_supplements is None:
        has_supplements = supplemental_mg > 0
    mg = quantize_mg(supplemental_mg)
    flags: list[Flag] = []
    if supplemental_mg > STARTING_RANGE_MAX_MG:
        flags.append(
            Flag(
                FlagCode.ABOVE_STARTING_RANGE,
                Severity.NOTICE,
                "Above the starting range",
                f"{mg} mg from supplements today is above the suggested starting range of "
                "100-200 mg/day.",
                STARTING_RANGE_SOURCE,
            )
        )
    if ul.mg is not None and supplemental_mg > ul.mg:
        flags.append(
            Flag(
                FlagCode.ABOVE_UL,
                Severity.WARNING,
                "Above the upper limit (UL)",
                f"{mg} mg from supplements and medications today is above the "
                f"{ul.mg:.0f} mg/day upper limit ({ul.rule}). Food does not count towards it.",
                ul.source,
            )
        )
    if supplemental_mg > DOCUMENTED_RANGE_MAX_MG:
        flags.append(
            Flag(
                FlagCode.ABOVE_DOCUMENTED_RANGE,
                Severity.DANGER,
                "Above the documented range",
                f"{mg} mg from supplements today is above the documented 200-400 mg/day range.",
                DOCUMENTED_RANGE_SOURCE,
            )
        )
    if has_supplements and (has_kidney_disease or has_heart_condition):
        conditions = " and ".join(
            c
            for c, present in (
                ("kidney disease", has_kidney_disease),
                ("a heart condition", has_heart_condition),
            )
            if present
        )
        flags.append(
            Flag(
                FlagCode.MEDICAL_SUPERVISION,
                Severity.WARNING,
                "Needs medical supervision",
                f"Your profile records {conditions}: take magnesium supplements only under "
                "medical supervision.",
                SUPERVISION_SOURCE,
            )
        )
    side_effects = sorted(SIDE_EFFECT_SYMPTOMS.intersection(symptoms))
    if has_supplements and side_effects:
        flags.append(
            Flag(
                FlagCode.SIDE_EFFECTS,
                Severity.WARNING,
                "Possible side effects",
                "You logged "
                + ", ".join(s.replace("_", " ") for s in side_effects)
                + " on a day with supplements; the documents suggest reducing the dose.",
                SIDE_EFFECT_SOURCE,
            )
        )
    flags.sort(key=lambda f: -f.severity)
    return flags


# --- Convenience for a profile-like object (duck-typed; no ORM) -------------------------


def target_for(person, on: date) -> Target | None:
    """The target for anything with the profile's attributes.

    An own (clinician-directed) target needs no RDA lookup, so it applies even before the
    sex is known; otherwise None until sex is known.
    """
    if person.sex not in _SEX_WORD and person.target_override_mg is None:
        return None
    return daily_target(
        sex=person.sex,
        on=on,
        born=person.date_of_birth,
        life_stage=person.life_stage,
        override_mg=person.target_override_mg,
    )


def ul_for(person, on: date) -> UpperLimit:
    return supplemental_ul(born=person.date_of_birth, on=on)
