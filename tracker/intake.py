"""Pure intake rules: conversions, daily targets, upper limits and the day's flags.

No ORM here. Everything takes plain values and returns small dataclasses, so the rules can be
tested exhaustively and reused by views, services, e-mails and exports alike.

Sources: ``tracker/data/`` (its README says where each table comes from): ``dri.csv`` and
``ul.csv`` are NIH ODS's tables, ``eu_drv.csv`` EFSA's; the thresholds quoted from the
product's source articles are named where they are defined, each with its citation.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from tracker.citations import Citation, cite
from tracker.limits import ZERO

DATA_DIR = Path(__file__).resolve().parent / "data"
HUNDRED = Decimal("100")

STARTING_RANGE_MAX_MG = Decimal("200")
STARTING_RANGE_QUOTE = "Begin with 100-200 mg/day and increase if needed"
"""The starting range of the dosage article (citation ``seed_dosage``)."""

DOCUMENTED_RANGE_MAX_MG = Decimal("400")
DOCUMENTED_RANGE_QUOTE = "Dosage: 200-400 mg daily"
"""The same article's dosage line (citation ``seed_dosage``); its top is above the adult UL
of 350 mg, which is why the UL outranks it."""

SUPERVISION_QUOTE = "If you have kidney disease or heart issues, medical supervision is essential"
SIDE_EFFECT_QUOTE = "If you notice diarrhea, fatigue, or low blood pressure, reduce your dose"

ADULT_DEFAULT_RDA_MG = {"male": Decimal("400"), "female": Decimal("310")}
"""The source articles' "400 mg for men, 310 mg for women": NIH's 19-30 band, used when no
birth date is known."""

ADULT_RANGES_FROM_MONTHS = 9 * 12
"""The articles' adult dose ranges are not a reference for children under 9, whose UL (65 or
110 mg) is far below them; from 9 the UL is the adult 350 mg."""

INFANT_MONTHS = 12
"""No UL is established under 1 year: magnesium should come from milk, formula and food."""

UL_SOURCE = cite("nih_ods")
RDA_SOURCE = cite("nih_ods")
ARTICLE_SOURCE = cite("seed_dosage")
STARTING_RANGE_SOURCE = ARTICLE_SOURCE
DOCUMENTED_RANGE_SOURCE = ARTICLE_SOURCE
SUPERVISION_SOURCE = ARTICLE_SOURCE
SIDE_EFFECT_SOURCE = ARTICLE_SOURCE
EU_AI_SOURCE = cite("efsa_2015")
EU_UL_SOURCE = cite("scf_2001")


class Authority(enum.StrEnum):
    """Whose reference values a person follows (their profile chooses)."""

    US = "us"
    EU = "eu"


# Symptoms that the seeds tie to too much magnesium (see SIDE_EFFECT_SOURCE).
SIDE_EFFECT_SYMPTOMS = frozenset({"diarrhea", "fatigue", "low_blood_pressure"})


def quantize_mg(value: Decimal) -> Decimal:
    """Milligrams to one decimal place, rounding half up as people do on paper.

    The one rounding for display: applied to an exact figure (an entry, a day's settled sum),
    never to something that will be summed or compared again.
    """
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


STORED_PLACES = Decimal("1E-10")
"""Places an entry's elemental milligrams are kept to. Label arithmetic (2-decimal figures x
4-decimal fractions x doses) ends well within them; only a division by a serving size that
does not divide evenly (one tablet of a three-tablet serving: 66.666... mg) is cut here."""

SETTLED_PLACES = Decimal("1E-7")
"""Places a sum of stored entries is settled to before it is compared or shown. Each stored
entry is within 5E-11 mg of its exact value, so even a day's maximum of entries sums within
1E-8 of the exact total: settling recovers it (three tablets of a 200 mg / 3 tablets serving
settle to exactly 200, which is not above 200). SQLite sums decimals as doubles, which hold
these 15 significant digits."""


def stored_mg(value: Decimal) -> Decimal:
    """An entry's elemental milligrams as kept: exact unless the arithmetic does not end."""
    return value.quantize(STORED_PLACES, rounding=ROUND_HALF_EVEN)


def settled_mg(total: Decimal | int) -> Decimal:
    """A sum of stored entries, settled to its exact value (see SETTLED_PLACES)."""
    return Decimal(total).quantize(SETTLED_PLACES, rounding=ROUND_HALF_EVEN)


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


# --- Labels as they are printed -------------------------------------------------------------

SERVING = "serving"
"""The dose unit that means whole servings, whatever the label's own unit."""

WEIGHED_UNITS = {"g": "g", "ml": "mL"}
"""Units whose amount bounds the magnesium a serving can hold (per gram, or per mL taken as
at most a gram of the compound in each mL)."""

LARGE_DOSE_MG = Decimal("1000")
"""A single dose above this much elemental magnesium is almost always a typing slip (ten
times the usual tablet); it is logged only after an explicit confirmation."""


@dataclass(frozen=True)
class Label:
    """A Supplement Facts panel as printed: "Serving size 2 tablets - Magnesium 200 mg".

    ``fractions`` are the elemental fractions of the forms named ("as magnesium glycinate,
    citrate and malate" names three); a compound-weight figure needs exactly one.
    """

    serving_quantity: Decimal
    serving_unit: str
    amount_mg: Decimal
    is_elemental: bool
    fractions: tuple[Decimal, ...]
    equivalent_quantity: Decimal | None = None
    equivalent_unit: str = ""

    @property
    def elemental_per_serving(self) -> Decimal:
        """Exact: the label's elemental figure, or compound weight x the form's fraction."""
        if self.is_elemental:
            return elemental_from_label(self.amount_mg)
        if len(self.fractions) != 1:
            raise ValueError("a compound weight needs exactly one named form")
        return elemental_from_compound(self.amount_mg, self.fractions[0])

    def dose_units(self) -> list[str]:
        """The units a dose may be entered in: servings, the label's unit, its equivalent."""
        units = [SERVING, self.serving_unit]
        if self.equivalent_quantity and self.equivalent_unit not in units:
            units.append(self.equivalent_unit)
        return units

    def _per(self, unit: str) -> Decimal:
        """How many of ``unit`` make one serving."""
        if unit == SERVING:
            return Decimal(1)
        if unit == self.serving_unit:
            return self.serving_quantity
        if self.equivalent_quantity and unit == self.equivalent_unit:
            return self.equivalent_quantity
        raise ValueError(f"this label is not measured in {unit}")

    def servings(self, quantity: Decimal, unit: str) -> Decimal:
        """A dose in servings (may not end: 1 tablet of 3 is a third of a serving)."""
        return quantity / self._per(unit)

    def elemental_for(self, quantity: Decimal, unit: str) -> Decimal:
        """A dose's elemental mg, multiplied before dividing so that nothing rounds early."""
        _require_non_negative(quantity, "dose")
        return stored_mg(self.elemental_per_serving * quantity / self._per(unit))

    def weight(self, unit: str) -> Decimal | None:
        """A serving's grams or mL when the label gives them, else None."""
        if self.serving_unit == unit:
            return self.serving_quantity
        if self.equivalent_unit == unit and self.equivalent_quantity:
            return self.equivalent_quantity
        return None

    def impossible(self) -> list[str]:
        """Why chemistry rules this label out (empty when it is possible).

        A gram of powder, or a mL of liquid, cannot hold more magnesium than a gram of the
        richest named form does: carbonate at most 288.3 mg per g. The compound's own weight
        cannot exceed the serving's either.
        """
        problems = []
        per_serving = self.elemental_per_serving
        richest = max(self.fractions)
        for unit, word in WEIGHED_UNITS.items():
            amount = self.weight(unit)
            if not amount:
                continue
            most_per_unit = richest * 1000
            implied = per_serving / amount
            if not self.is_elemental and self.amount_mg > amount * 1000:
                problems.append(
                    f"{self.amount_mg.normalize():f} mg of the compound cannot fit in "
                    f"{amount.normalize():f} {word}. Check the serving size and the figure."
                )
            elif implied > most_per_unit:
                problems.append(
                    f"{amount.normalize():f} {word} can hold at most "
                    f"{quantize_mg(most_per_unit * amount)} mg of magnesium in the forms named "
                    f"({quantize_mg(most_per_unit)} mg per {word}), but this label implies "
                    f"{quantize_mg(per_serving)} mg ({quantize_mg(implied)} mg per {word}). "
                    "Check the serving size and the figure."
                )
        return problems


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
    source: Citation | None  # None: the person's own target

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
    authority: str = Authority.US,
) -> Target | None:
    """The person's daily magnesium target on a date, with the rule that produced it.

    None where the authority sets no value (EFSA gives none for infants under 7 months).
    """
    if override_mg is not None:
        return Target(override_mg, "your own target, set in your profile", None)
    if sex not in _SEX_WORD:
        raise ValueError("sex must be 'male' or 'female' to look up an RDA")
    if authority == Authority.EU:
        return _eu_target(sex=sex, on=on, born=born)

    if born is None:
        if life_stage in _STAGE_WORD and sex == "female":
            # The documents' adult default is the 19-30 band; use its pregnancy row too.
            row = _find_dri(sex, Decimal(19 * 12), life_stage)
            if row is not None:
                return Target(
                    row.band.value_mg,
                    f"NIH {row.kind}, {_STAGE_WORD[life_stage]} 19-30 (no birth date given)",
                    RDA_SOURCE,
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
    return Target(row.band.value_mg, f"NIH {row.kind}, {who}", RDA_SOURCE)


def _find_dri(sex: str, months: Decimal, stage: str) -> DriRow | None:
    for row in dri_table():
        if row.sex == sex and row.stage == stage and row.band.holds(int(months)):
            return row
    return None


@dataclass(frozen=True)
class EuRow:
    """A row of EFSA's table: ages are half-open, "1-<3 y" covers 1.0 to under 3.0."""

    kind: str  # AI or UL
    group: str
    sex: str  # male, female or any
    min_months: int
    max_months: int | None
    life_stage: str
    mg: Decimal | None

    def holds(self, months: int) -> bool:
        return months >= self.min_months and (self.max_months is None or months < self.max_months)


@cache
def eu_table() -> tuple[EuRow, ...]:
    with open(DATA_DIR / "eu_drv.csv", newline="", encoding="utf-8") as fh:
        return tuple(
            EuRow(
                kind=r["kind"],
                group=r["group"],
                sex=r["sex"],
                min_months=int(Decimal(r["min_age_years"]) * 12),
                max_months=(
                    int(Decimal(r["max_age_years"]) * 12) if r["max_age_years"].strip() else None
                ),
                life_stage=r["life_stage"],
                mg=_decimal_or_none(r["mg_per_day"]),
            )
            for r in csv.DictReader(fh)
        )


EU_ADULT_MONTHS = 18 * 12
"""Used for a person without a birth date: EFSA's adult rows start at 18."""


def _eu_target(*, sex: str, on: date, born: date | None) -> Target | None:
    """EFSA's adequate intake. No increase in pregnancy or lactation: the adult row applies."""
    months = EU_ADULT_MONTHS if born is None else age_in_months(born, on)
    if months < 0:
        raise ValueError("the date is before the date of birth")
    for row in eu_table():
        if row.kind == "AI" and not row.life_stage and row.sex in (sex, "any"):
            if row.holds(months):
                words = row.group.replace(" y", "").replace("-<", " to under ")
                if row.sex != "any":
                    words = words.replace("adults", _SEX_WORD[sex]).replace(
                        "adolescents", f"{'boys' if sex == 'male' else 'girls'}"
                    )
                note = " (no birth date given)" if born is None else ""
                return Target(row.mg, f"EFSA AI, {words}{note}", EU_AI_SOURCE)
    return None


@dataclass(frozen=True)
class UpperLimit:
    mg: Decimal | None  # None: not established (infants; EU under 4)
    rule: str
    source: Citation


def supplemental_ul(*, born: date | None, on: date, authority: str = Authority.US) -> UpperLimit:
    """UL for magnesium from supplements and medications; food never counts towards it."""
    if authority == Authority.EU:
        return _eu_ul(born=born, on=on)
    if born is None:
        return UpperLimit(Decimal("350"), "NIH UL, adults 19+ (no birth date given)", UL_SOURCE)
    months = age_in_months(born, on)
    for band in ul_table():
        if band.holds(months):
            if band.value_mg is None:
                return UpperLimit(None, f"No UL established for {band.label}", UL_SOURCE)
            return UpperLimit(band.value_mg, f"NIH UL, {band.label}", UL_SOURCE)
    raise ValueError("the date is before the date of birth")


def _eu_ul(*, born: date | None, on: date) -> UpperLimit:
    """250 mg/day of added magnesium from age 4, pregnancy and lactation included."""
    months = EU_ADULT_MONTHS if born is None else age_in_months(born, on)
    if months < 0:
        raise ValueError("the date is before the date of birth")
    note = " (no birth date given)" if born is None else ""
    for row in eu_table():
        if row.kind == "UL" and row.holds(months) and row.mg is not None:
            return UpperLimit(row.mg, f"EU upper level, ages 4+{note}", EU_UL_SOURCE)
    return UpperLimit(None, "No EU upper level set under 4 years", EU_UL_SOURCE)


# --- The day's flags ----------------------------------------------------------------------


class Severity(enum.IntEnum):
    NOTICE = 1
    WARNING = 2
    DANGER = 3

    @property
    def css(self) -> str:
        return {1: "info", 2: "warning", 3: "danger"}[self.value]


class FlagCode(enum.StrEnum):
    SUPPLEMENT_FOR_INFANT = "supplement_for_infant"
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
    source: Citation
    quote: str = ""  # the source's own words, for flags that come from an article


def shows_adult_ranges(*, born: date | None, on: date) -> bool:
    """The articles' adult dose ranges are a reference from age 9 (or with no birth date)."""
    return born is None or age_in_months(born, on) >= ADULT_RANGES_FROM_MONTHS


def is_infant(*, born: date | None, on: date) -> bool:
    return born is not None and 0 <= age_in_months(born, on) < INFANT_MONTHS


def day_flags(
    *,
    supplemental_mg: Decimal,
    ul: UpperLimit,
    has_supplements: bool | None = None,
    has_kidney_disease: bool = False,
    has_heart_condition: bool = False,
    symptoms: Iterable[str] = (),
    adult_ranges: bool = True,
    infant: bool = False,
) -> list[Flag]:
    """The flags for one local day, most severe first.

    Only ``supplemental_mg`` (supplements plus medications such as antacids and laxatives)
    counts: the UL and the articles' dose ranges are about supplemental magnesium, so food is
    deliberately not a parameter here. It is the exact (settled) sum: every comparison is
    with the exact figure, and only the message rounds it. The authority's UL is the
    strongest warning; the articles' ranges are notices (``adult_ranges`` False for children
    under 9, whose UL is far below them).
    """
    if has_supplements is None:
        has_supplements = supplemental_mg > 0
    mg = quantize_mg(supplemental_mg)
    flags: list[Flag] = []
    if infant and has_supplements:
        flags.append(
            Flag(
                FlagCode.SUPPLEMENT_FOR_INFANT,
                Severity.DANGER,
                "Supplement for an infant",
                "No upper limit is established for infants under 1 year: their magnesium "
                "should come from breast milk, formula and food only. Please ask a "
                "paediatrician before giving any magnesium supplement or medication.",
                UL_SOURCE,
            )
        )
    if adult_ranges and supplemental_mg > STARTING_RANGE_MAX_MG:
        flags.append(
            Flag(
                FlagCode.ABOVE_STARTING_RANGE,
                Severity.NOTICE,
                "Above the starting range",
                f"{mg} mg from supplements today is above the starting range of 100-200 mg/day "
                "that a consumer article suggests.",
                STARTING_RANGE_SOURCE,
                STARTING_RANGE_QUOTE,
            )
        )
    if ul.mg is not None and supplemental_mg > ul.mg:
        flags.append(
            Flag(
                FlagCode.ABOVE_UL,
                Severity.DANGER,
                "Above the upper limit (UL)",
                f"{mg} mg from supplements and medications today is above the "
                f"{ul.mg:.0f} mg/day upper limit ({ul.rule}). Food does not count towards it.",
                ul.source,
            )
        )
    if adult_ranges and supplemental_mg > DOCUMENTED_RANGE_MAX_MG:
        flags.append(
            Flag(
                FlagCode.ABOVE_DOCUMENTED_RANGE,
                Severity.NOTICE,
                "Above the documented range",
                f"{mg} mg from supplements today is above the 200-400 mg/day range that a "
                "consumer article documents.",
                DOCUMENTED_RANGE_SOURCE,
                DOCUMENTED_RANGE_QUOTE,
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
                SUPERVISION_QUOTE,
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
                + " on a day with supplements; a consumer article suggests reducing the dose.",
                SIDE_EFFECT_SOURCE,
                SIDE_EFFECT_QUOTE,
            )
        )
    flags.sort(key=lambda f: -f.severity)
    return flags


# --- Convenience for a profile-like object (duck-typed; no ORM) -------------------------


def adult_ranges_apply(person, on: date) -> bool:
    """Whether the articles' adult ranges are shown and flagged for the person on a day.

    An entry before a (later corrected) birth date is treated as an adult's: better a notice
    too many than silence about a dose that is really being taken.
    """
    born = person.date_of_birth
    return born is None or on < born or shows_adult_ranges(born=born, on=on)


def _authority(person) -> str:
    return getattr(person, "authority", Authority.US) or Authority.US


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
        authority=_authority(person),
    )


def ul_for(person, on: date) -> UpperLimit:
    return supplemental_ul(born=person.date_of_birth, on=on, authority=_authority(person))


def flags_for_person(
    person,
    *,
    on: date,
    supplemental_mg: Decimal,
    has_supplements: bool,
    symptoms: Iterable[str],
    ul: UpperLimit | None = None,
) -> list[Flag]:
    """day_flags with the profile's age, conditions and authority filled in."""
    born = person.date_of_birth
    adult_ranges = adult_ranges_apply(person, on)
    infant = born is not None and on >= born and is_infant(born=born, on=on)
    if ul is None:
        try:
            ul = ul_for(person, on)
        except ValueError:
            ul = UpperLimit(None, "no upper limit before your date of birth", UL_SOURCE)
    return day_flags(
        supplemental_mg=supplemental_mg,
        ul=ul,
        has_supplements=has_supplements,
        has_kidney_disease=person.has_kidney_disease,
        has_heart_condition=person.has_heart_condition,
        symptoms=symptoms,
        adult_ranges=adult_ranges,
        infant=infant,
    )
