"""Pure statistics for "does magnesium help me?": before and after, dose bands, the next
night's sleep and side effects against dose.

No ORM here (like tracker/intake.py): everything takes plain values (a day's score, a day's
supplemental milligrams) and returns small dataclasses, so that each figure can be checked
against an example worked out by hand. Means and differences are exact ``Fraction``s; they
are rounded once, for display, by ``score_words``. Intervals come from a percentile bootstrap
driven by ``random.Random(seed)`` with a fixed seed, so a page shows the same interval on
every visit for the same data.

What this can and cannot say: a person's own days are not a trial. Nothing is concluded
before there are enough days (``MIN_CHECKINS``, ``MIN_GROUP_DAYS``), and every finding is
worded as an association, with the other things that change these symptoms named beside it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from tracker import intake

MIN_CHECKINS = 14
"""Check-ins of a symptom before anything is compared: two weeks of days."""

MIN_GROUP_DAYS = 5
"""Days in each compared group (before and after, a dose band, above and below a dose)."""

WINDOW_DAYS = 28
"""Before and after compare up to four weeks on each side of the day something started."""

DOSE_LEVEL_RUN_DAYS = 7
"""A dose level has "started" when the day's dose moves into a new band and stays there for a
week; a single larger day is not a new level."""

RESAMPLES = 2000
SEED = 20260101
"""Any fixed number: the same data gives the same interval on every visit."""

CONFIDENCE_PERCENT = 95

ASSOCIATION_WORDS = "An association, not proof"

SIDE_EFFECT_ADVICE = intake.SIDE_EFFECT_QUOTE
"""The source article's advice (citation ``seed_dosage``), quoted when the pattern holds."""
SIDE_EFFECT_CITATION = "seed_dosage"


# --- Small exact helpers -------------------------------------------------------------------


def mean(values: Sequence[int]) -> Fraction | None:
    """The exact mean; None for no values."""
    if not values:
        return None
    return Fraction(sum(values), len(values))


def to_decimal(value: Fraction, places: str = "0.1") -> Decimal:
    """A fraction rounded once, half up, to ``places`` (one decimal by default)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def signed(value: Fraction) -> str:
    """+0.4, -1.3, 0.0: a difference as people read it."""
    rounded = to_decimal(value)
    if rounded > 0:
        return f"+{rounded}"
    if rounded == 0:
        return "0.0"
    return f"{rounded}"


@dataclass(frozen=True)
class Interval:
    """A 95 % percentile-bootstrap interval of a difference (second minus first)."""

    low: Fraction
    high: Fraction

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{signed(self.low)} to {signed(self.high)}"


def bootstrap_difference(
    first: Sequence[int], second: Sequence[int], *, resamples: int = RESAMPLES, seed: int = SEED
) -> Interval:
    """The percentile interval of mean(second) - mean(first) over ``resamples`` resamplings.

    Each group is resampled with replacement at its own size. The differences are kept as
    integers over the common denominator len(first) * len(second), so sorting them is exact
    and fast. With 2000 resamples the interval runs from the 50th smallest difference to the
    1950th (the 2.5th and 97.5th percentiles).
    """
    if not first or not second:
        raise ValueError("both groups need at least one value")
    rng = random.Random(seed)
    n1, n2 = len(first), len(second)
    scaled = []
    for _ in range(resamples):
        total1 = sum(rng.choices(first, k=n1))
        total2 = sum(rng.choices(second, k=n2))
        scaled.append(total2 * n1 - total1 * n2)
    scaled.sort()
    tail = (100 - CONFIDENCE_PERCENT) / 200  # 0.025
    low = scaled[math.floor(resamples * tail)]
    high = scaled[math.ceil(resamples * (1 - tail)) - 1]
    return Interval(Fraction(low, n1 * n2), Fraction(high, n1 * n2))


# --- Comparing two groups of days ------------------------------------------------------------


class _ScoreSummary:
    """The days, mean and mean in words of the scores a row holds (its ``_scores``)."""

    _no_mean_words = ""  # what ``mean_words`` says for a row without days

    @property
    def _scores(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def days(self) -> int:
        return len(self._scores)

    @property
    def mean(self) -> Fraction | None:
        return mean(self._scores)

    @property
    def mean_words(self) -> str:
        return self._no_mean_words if self.mean is None else str(to_decimal(self.mean))


@dataclass(frozen=True)
class Group(_ScoreSummary):
    label: str
    values: tuple[int, ...]

    _no_mean_words = "no days"

    @property
    def _scores(self) -> tuple[int, ...]:
        return self.values


class Verdict:
    NOT_ENOUGH = "not_enough"
    LOWER = "lower"
    HIGHER = "higher"
    NO_CLEAR_DIFFERENCE = "no_clear_difference"


@dataclass(frozen=True)
class Comparison:
    """Two groups of a symptom's scores (or of 0/1 for "had it"), the second against the first.

    ``total_checkins`` is every check-in of the symptom, not only those in the two groups:
    the first threshold is about how long the person has been checking in at all.
    """

    first: Group
    second: Group
    total_checkins: int
    interval: Interval | None  # None when there is not enough data

    @property
    def enough(self) -> bool:
        return self.interval is not None

    @property
    def difference(self) -> Fraction | None:
        if self.first.mean is None or self.second.mean is None:
            return None
        return self.second.mean - self.first.mean

    @property
    def difference_words(self) -> str:
        return "" if self.difference is None else signed(self.difference)

    @property
    def verdict(self) -> str:
        if self.interval is None:
            return Verdict.NOT_ENOUGH
        if not self.interval.excludes_zero:
            return Verdict.NO_CLEAR_DIFFERENCE
        return Verdict.LOWER if self.interval.high < 0 else Verdict.HIGHER

    @property
    def reading(self) -> str:
        """The finding in words, with what is missing when there is none yet."""
        if self.interval is None:
            return f"Not enough days yet to compare: needs {self.missing}."
        words = {
            Verdict.NO_CLEAR_DIFFERENCE: "No clear difference: the interval includes no change.",
            Verdict.LOWER: f"Lower {self.second.label}: the whole interval is below zero.",
            Verdict.HIGHER: f"Higher {self.second.label}: the whole interval is above zero.",
        }
        return words[self.verdict]

    @property
    def missing(self) -> str:
        """What is still needed before anything is said (empty when enough)."""
        needs = []
        if self.total_checkins < MIN_CHECKINS:
            needs.append(f"{MIN_CHECKINS} check-ins ({self.total_checkins} so far)")
        for group in (self.first, self.second):
            if group.days < MIN_GROUP_DAYS:
                needs.append(f"{MIN_GROUP_DAYS} days {group.label} ({group.days} so far)")
        return "; ".join(needs)


def compare(first: Group, second: Group, *, total_checkins: int, seed: int = SEED) -> Comparison:
    """Compare two groups, or say that there are not enough days yet."""
    enough = (
        total_checkins >= MIN_CHECKINS
        and first.days >= MIN_GROUP_DAYS
        and second.days >= MIN_GROUP_DAYS
    )
    interval = bootstrap_difference(first.values, second.values, seed=seed) if enough else None
    return Comparison(first, second, total_checkins, interval)


# --- Before and after -----------------------------------------------------------------------


def before_after(
    scores: Mapping[date, int], start: date, *, window: int = WINDOW_DAYS, seed: int = SEED
) -> Comparison:
    """Check-ins in the ``window`` days before ``start`` against those from ``start`` on.

    Days without a check-in are left out: they are unknown, not "none".
    """
    before = tuple(
        scores[d] for d in (start - timedelta(days=i) for i in range(window, 0, -1)) if d in scores
    )
    after = tuple(
        scores[d] for d in (start + timedelta(days=i) for i in range(window)) if d in scores
    )
    return compare(
        Group("before", before), Group("after", after), total_checkins=len(scores), seed=seed
    )


# --- Dose bands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    upper_mg: Decimal | None  # inclusive; None: no upper bound

    def holds(self, mg: Decimal, lower_mg: Decimal | None) -> bool:
        above_lower = mg > lower_mg if lower_mg is not None else mg == 0
        return above_lower and (self.upper_mg is None or mg <= self.upper_mg)


def dose_bands(*, ul_mg: Decimal | None, adult_ranges: bool) -> list[Band]:
    """0 mg, up to the starting range (200 mg, from age 9), up to the person's upper limit,
    and above it. Without a UL (infants; EU under 4) the last bands are "any" instead."""
    bands = [Band("none", "0 mg", Decimal(0))]
    if adult_ranges and (ul_mg is None or ul_mg > intake.STARTING_RANGE_MAX_MG):
        start = intake.STARTING_RANGE_MAX_MG
        bands.append(Band("starting", f"up to {start:.0f} mg (starting range)", start))
    if ul_mg is None:
        bands.append(Band("some", "any supplement (no upper limit set)", None))
        return bands
    bands.append(Band("to_ul", f"up to {ul_mg:.0f} mg (your upper limit)", ul_mg))
    bands.append(Band("above_ul", f"above {ul_mg:.0f} mg", None))
    return bands


def band_of(mg: Decimal, bands: Sequence[Band]) -> Band:
    lower: Decimal | None = None
    for band in bands:
        if band.holds(mg, lower):
            return band
        lower = band.upper_mg
    raise ValueError(f"no band holds {mg} mg")  # pragma: no cover - the bands cover 0 upwards


@dataclass(frozen=True)
class BandRow(_ScoreSummary):
    band: Band
    scores: tuple[int, ...]

    @property
    def _scores(self) -> tuple[int, ...]:
        return self.scores


def by_dose_band(
    scores: Mapping[date, int], doses: Mapping[date, Decimal], bands: Sequence[Band]
) -> list[BandRow]:
    """Mean score and days in each band, by the supplemental milligrams of the same day.

    A day with a check-in but no supplement logged counts as 0 mg.
    """
    grouped: dict[str, list[int]] = {band.key: [] for band in bands}
    for day in sorted(scores):
        grouped[band_of(doses.get(day, Decimal(0)), bands).key].append(scores[day])
    return [BandRow(band, tuple(grouped[band.key])) for band in bands]


@dataclass(frozen=True)
class LevelStart:
    day: date
    band: Band


def dose_level_starts(
    doses: Mapping[date, Decimal], bands: Sequence[Band], *, run: int = DOSE_LEVEL_RUN_DAYS
) -> list[LevelStart]:
    """Days on which the daily dose moved into another band and stayed there ``run`` days.

    ``doses`` holds every calendar day of the range (0 for a day without supplements). The
    first settled level has nothing before it to compare with, so it is not a start.
    """
    days = sorted(doses)
    keys = [band_of(doses[d], bands) for d in days]
    starts: list[LevelStart] = []
    settled: Band | None = None
    i = 0
    while i < len(days):
        band = keys[i]
        held = i + run <= len(days) and all(k == band for k in keys[i : i + run])
        if held and band != settled:
            if settled is not None:
                starts.append(LevelStart(days[i], band))
            settled = band
            i += run
            continue
        i += 1
    return starts


# --- The next night's sleep ----------------------------------------------------------------


def next_night(
    sleep: Mapping[date, int], evening_doses: Mapping[date, Decimal], *, seed: int = SEED
) -> Comparison:
    """The sleep score checked in on the morning after an evening without a dose, against the
    mornings after an evening with one (the check-in on day D+1 rates the night after D)."""
    without, with_dose = [], []
    for day in sorted(sleep):
        evening = day - timedelta(days=1)
        (with_dose if evening_doses.get(evening, Decimal(0)) > 0 else without).append(sleep[day])
    return compare(
        Group("after an evening without a dose", tuple(without)),
        Group("after an evening dose", tuple(with_dose)),
        total_checkins=len(sleep),
        seed=seed,
    )


# --- Side effects against dose -------------------------------------------------------------


@dataclass(frozen=True)
class SideEffectPattern:
    """Days with the symptom above a dose against days at or below it."""

    symptom_words: str
    threshold_mg: Decimal
    comparison: Comparison  # first: at or below the threshold, second: above; values 0/1

    @property
    def above_days(self) -> int:
        return self.comparison.second.days

    @property
    def above_with(self) -> int:
        return sum(self.comparison.second.values)

    @property
    def below_days(self) -> int:
        return self.comparison.first.days

    @property
    def below_with(self) -> int:
        return sum(self.comparison.first.values)

    @property
    def holds(self) -> bool:
        """Enough days, and more often above the dose with an interval that excludes none."""
        return self.comparison.verdict == Verdict.HIGHER

    @property
    def words(self) -> str:
        """ "diarrhea on 6 of 9 days above 350 mg, 1 of 40 days below"."""
        return (
            f"{self.symptom_words} on {self.above_with} of {self.above_days} days above "
            f"{self.threshold_mg:.0f} mg, {self.below_with} of {self.below_days} days below"
        )


def side_effects(
    present: Mapping[date, bool],
    doses: Mapping[date, Decimal],
    *,
    threshold_mg: Decimal,
    symptom_words: str,
    seed: int = SEED,
) -> SideEffectPattern:
    """``present`` holds the days on which it is known whether the symptom was there."""
    below, above = [], []
    for day in sorted(present):
        (above if doses.get(day, Decimal(0)) > threshold_mg else below).append(int(present[day]))
    comparison = compare(
        Group(f"at or below {threshold_mg:.0f} mg", tuple(below)),
        Group(f"above {threshold_mg:.0f} mg", tuple(above)),
        total_checkins=len(present),
        seed=seed,
    )
    return SideEffectPattern(symptom_words, threshold_mg, comparison)


# --- Words for the report -------------------------------------------------------------------

AGE_BANDS = (
    (0, "under 1 year"),
    (1, "1-3 years"),
    (4, "4-8 years"),
    (9, "9-13 years"),
    (14, "14-18 years"),
    (19, "19-30 years"),
    (31, "31-50 years"),
    (51, "51-70 years"),
    (71, "71 years or older"),
)
"""The age bands of the NIH reference tables."""


def age_band(born: date | None, on: date) -> str:
    if born is None:
        return "not given (adult figures used)"
    years = intake.age_in_months(born, on) // 12
    label = AGE_BANDS[0][1]
    for start, words in AGE_BANDS:
        if years >= start:
            label = words
    return label


@dataclass(frozen=True)
class Factor:
    quote: str
    citation_key: str


TWITCH_TRIGGERS = Factor(
    "Common triggers include stress, caffeine, lack of sleep, dehydration, electrolyte "
    "imbalance, and prolonged muscle use.",
    "seed_guide",
)
OTHER_FACTORS: dict[str, tuple[Factor, ...]] = {
    "muscle_twitching": (
        TWITCH_TRIGGERS,
        Factor(
            "High Stimulant Consumption: Like caffeine, can overstimulate nerves.", "seed_forms"
        ),
    ),
    "cramps": (
        Factor(
            "Intense Physical Activity: Muscle fatigue post-exercise can cause twitching.",
            "seed_forms",
        ),
        Factor(
            "Dehydration and Electrolyte Imbalances: Crucial for nerve and muscle function.",
            "seed_forms",
        ),
    ),
    "anxiety": (
        Factor("Stress can be both a cause and an effect of magnesium depletion.", "seed_nerve"),
    ),
    "sleep": (
        Factor("Insufficient Sleep: Impacts nervous system regulation.", "seed_forms"),
        Factor("It lowers stress hormones, making it easier to unwind.", "seed_dosage"),
    ),
    "headache": (
        Factor(
            "Many types of chronic pain, such as migraines, fibromyalgia, and neuropathic pain, "
            "involve nerve dysfunction or inflammation.",
            "seed_nerve",
        ),
    ),
}
"""What the source articles name as changing each symptom besides magnesium, quoted as they
are printed (tests/tracker/test_insight.py checks each quote against the articles)."""

GENERAL_FACTORS = (
    Factor(
        "In many cases, these symptoms are linked to stress, fatigue, dehydration, or nutrient "
        "imbalance",
        "seed_guide",
    ),
    TWITCH_TRIGGERS,
)
"""Shown for every symptom: the articles' general list (stress, caffeine, sleep...)."""


def other_factors(symptom: str) -> tuple[Factor, ...]:
    return OTHER_FACTORS.get(symptom, GENERAL_FACTORS)
