"""Reads for the check-in, the insight page and the doctor's report.

Each function runs a fixed number of queries whatever the length of a person's history (the
day series is ``tracker.series.day_series``: database aggregates), then hands plain values
to the pure statistics in ``tracker.insight``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from django.db.models import Min, Prefetch, Q, Sum

from accounts.models import User
from tracker import insight, intake, series
from tracker.citations import Citation, cite
from tracker.insight import Band, BandRow, Comparison, Factor, SideEffectPattern
from tracker.models import (
    SUPPLEMENTAL_KINDS,
    CheckIn,
    CheckInSymptom,
    FollowedSymptom,
    IntakeEntry,
    MagnesiumForm,
    SupplementProduct,
    SymptomEntry,
)

INSIGHT_DAYS = 180
"""How far back the insight page looks: half a year of days, enough for before and after."""

EVENING_FROM = time(16, 0)
"""A dose logged at or after 16:00 is an evening dose (entries without a time are not)."""

REPORT_CHOICES = (30, 90)

SIDE_EFFECT_CODES = ("diarrhea", "fatigue", "low_blood_pressure")
SCORE_CHOICES = (("", "–"), ("0", "none"), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"))


def symptom_label(code: str) -> str:
    return CheckInSymptom(code).label


def followed_codes(user: User) -> list[str]:
    return list(
        FollowedSymptom.objects.filter(owner=user).order_by("id").values_list("symptom", flat=True)
    )


# --- The check-in form ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInRow:
    symptom: str
    label: str
    current: str  # "" when there is no check-in, else "0".."4"

    @property
    def name(self) -> str:
        return f"score_{self.symptom}"

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        return SCORE_CHOICES


def checkin_rows(user: User, day: date) -> list[CheckInRow]:
    """The followed symptoms with the day's scores: two queries."""
    codes = followed_codes(user)
    scores = dict(CheckIn.objects.filter(owner=user, day=day).values_list("symptom", "score"))
    return [
        CheckInRow(code, symptom_label(code), "" if code not in scores else str(scores[code]))
        for code in codes
    ]


# --- The insight page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Something that started on a day: a product, or a new dose level."""

    day: date
    words: str
    comparison: Comparison

    @property
    def day_words(self) -> str:
        return f"{self.day.day} {self.day:%b}"


@dataclass(frozen=True)
class SymptomInsight:
    symptom: str
    label: str
    scores: dict[date, int]
    starts: list[Start]
    bands: list[BandRow]
    next_night: Comparison | None
    side_effect: SideEffectPattern | None
    factors: list[tuple[Factor, Citation]]

    @property
    def checkins(self) -> int:
        return len(self.scores)

    @property
    def enough(self) -> bool:
        return self.checkins >= insight.MIN_CHECKINS

    @property
    def bands_compared(self) -> bool:
        """At least two bands hold enough days to be read side by side."""
        return self.enough and sum(row.days >= insight.MIN_GROUP_DAYS for row in self.bands) >= 2


@dataclass
class Insight:
    start: date
    end: date
    ul: intake.UpperLimit
    bands: list[Band]
    symptoms: list[SymptomInsight]
    days: list[series.DayTotals]
    unfollowed_side_effects: dict[str, int] = field(default_factory=dict)
    days_back: int = INSIGHT_DAYS

    @property
    def advice_citation(self) -> Citation:
        return cite(insight.SIDE_EFFECT_CITATION)

    @property
    def any_side_effect_pattern(self) -> bool:
        return any(s.side_effect and s.side_effect.holds for s in self.symptoms)


def _product_starts(user: User, start: date, end: date) -> list[tuple[date, str]]:
    """Each supplement's first day over the whole history, when it falls in the range."""
    rows = (
        IntakeEntry.objects.filter(owner=user, kind__in=SUPPLEMENTAL_KINDS)
        .values("product", "product__name")
        .annotate(first=Min("day"))
        .filter(first__gte=start, first__lte=end)
        .order_by("first", "product__name")
    )
    return [(row["first"], row["product__name"]) for row in rows]


def _evening_doses(user: User, start: date, end: date) -> dict[date, Decimal]:
    rows = (
        IntakeEntry.objects.filter(
            owner=user,
            day__range=(start, end),
            kind__in=SUPPLEMENTAL_KINDS,
            time__gte=EVENING_FROM,
        )
        .values("day")
        .annotate(mg=Sum("elemental_mg"))
        .order_by("day")
    )
    return {row["day"]: intake.settled_mg(row["mg"]) for row in rows}


def _scores_by_symptom(
    user: User, codes: list[str], start: date, end: date
) -> dict[str, dict[date, int]]:
    """Each of ``codes``' check-in scores by day over [start, end]: one query."""
    scores: dict[str, dict[date, int]] = {code: {} for code in codes}
    for day, symptom, score in CheckIn.objects.filter(
        owner=user, day__range=(start, end), symptom__in=codes
    ).values_list("day", "symptom", "score"):
        scores[symptom][day] = score
    return scores


def build_insight(user: User, *, end: date, days: int = INSIGHT_DAYS) -> Insight:
    """Every followed symptom's findings over the ``days`` up to ``end``: seven queries."""
    start = end - timedelta(days=days - 1)
    if user.date_of_birth and start < user.date_of_birth:
        start = min(user.date_of_birth, end)
    codes = followed_codes(user)
    scores = _scores_by_symptom(user, codes, start, end)
    day_rows = series.day_series(user, start, end)
    doses = {d.day: d.supplemental_mg for d in day_rows}
    ul = day_rows[-1].ul if day_rows else intake.ul_for(user, end)
    adult = intake.shows_adult_ranges(born=user.date_of_birth, on=end)
    bands = insight.dose_bands(ul_mg=ul.mg, adult_ranges=adult)
    product_starts = _product_starts(user, start, end)
    product_days = {day for day, _ in product_starts}
    level_starts = [s for s in insight.dose_level_starts(doses, bands) if s.day not in product_days]
    evening = _evening_doses(user, start, end) if "sleep" in codes else {}
    logged_days: dict[str, set[date]] = {code: set() for code in SIDE_EFFECT_CODES}
    for d in day_rows:
        for code in d.symptoms & set(SIDE_EFFECT_CODES):
            logged_days[code].add(d.day)

    symptoms = []
    for code in codes:
        own = scores[code]
        starts = [
            Start(day, f"you started {name}", insight.before_after(own, day))
            for day, name in product_starts
        ] + [
            Start(
                s.day, f"your daily dose moved to {s.band.label}", insight.before_after(own, s.day)
            )
            for s in level_starts
        ]
        starts.sort(key=lambda s: s.day)
        side_effect = None
        if code in SIDE_EFFECT_CODES and ul.mg is not None:
            present = {day: score > 0 for day, score in own.items()}
            for day in logged_days[code]:
                present[day] = True
            side_effect = insight.side_effects(
                present, doses, threshold_mg=ul.mg, symptom_words=symptom_label(code).lower()
            )
        symptoms.append(
            SymptomInsight(
                symptom=code,
                label=symptom_label(code),
                scores=own,
                starts=starts,
                bands=insight.by_dose_band(own, doses, bands),
                next_night=insight.next_night(own, evening) if code == "sleep" else None,
                side_effect=side_effect,
                factors=[(f, cite(f.citation_key)) for f in insight.other_factors(code)],
            )
        )
    unfollowed = {
        symptom_label(code): len(days_)
        for code, days_ in logged_days.items()
        if days_ and code not in codes
    }
    return Insight(start, end, ul, bands, symptoms, day_rows, unfollowed, days)


# --- The doctor's report -------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    label: str
    weeks: list[tuple[int, str]]  # (check-in days, mean words) per week
    checkins: int


@dataclass
class Report:
    days: int
    start: date
    end: date
    products: list[SupplementProduct]
    day_rows: list[series.DayTotals]
    logged_days: int
    supplemental_mean: Decimal | None
    food_mean: Decimal | None
    above: list[tuple[str, int, Citation]]
    week_starts: list[date]
    trends: list[Trend]
    symptom_days: list[tuple[str, int]]
    target: intake.Target | None
    ul: intake.UpperLimit


def _products_in(user: User, start: date, end: date) -> list[SupplementProduct]:
    """Products taken in the period, and those still in use: two queries."""
    return list(
        SupplementProduct.objects.filter(owner=user)
        .filter(Q(is_archived=False) | Q(entries__day__range=(start, end), entries__owner=user))
        .distinct()
        .select_related("form")
        .prefetch_related(Prefetch("other_forms", queryset=MagnesiumForm.objects.order_by("name")))
        .order_by("name")
    )


def build_report(user: User, *, end: date, days: int) -> Report:
    start = end - timedelta(days=days - 1)
    day_rows = series.day_series(user, start, end)
    logged = [d for d in day_rows if d.logged]

    def average(values: list[Decimal]) -> Decimal | None:
        return intake.quantize_mg(sum(values, Decimal(0)) / len(values)) if values else None

    codes = Counter(code for d in day_rows for code in d.flag_codes)
    ul = intake.ul_for(user, end)
    above = []
    adult = intake.shows_adult_ranges(born=user.date_of_birth, on=end)
    if adult:
        above.append(
            (
                "above the starting range (200 mg)",
                codes[intake.FlagCode.ABOVE_STARTING_RANGE],
                intake.STARTING_RANGE_SOURCE,
            )
        )
    if ul.mg is not None:
        above.append(
            (f"above the upper limit ({ul.rule})", codes[intake.FlagCode.ABOVE_UL], ul.source)
        )
    if adult:
        above.append(
            (
                "above the documented range (400 mg)",
                codes[intake.FlagCode.ABOVE_DOCUMENTED_RANGE],
                intake.DOCUMENTED_RANGE_SOURCE,
            )
        )
    week_starts = [start + timedelta(days=7 * i) for i in range((days + 6) // 7)]
    followed = followed_codes(user)
    by_symptom = _scores_by_symptom(user, followed, start, end)
    trends = []
    for code in followed:
        weeks = []
        for week in week_starts:
            values = [
                s for d, s in by_symptom[code].items() if week <= d < week + timedelta(days=7)
            ]
            m = insight.mean(values)
            weeks.append((len(values), "" if m is None else str(insight.to_decimal(m))))
        trends.append(Trend(symptom_label(code), weeks, len(by_symptom[code])))
    symptom_counts = Counter(code for d in day_rows for code in d.symptoms)
    labels = dict(SymptomEntry.Symptom.choices)
    return Report(
        days=days,
        start=start,
        end=end,
        products=_products_in(user, start, end),
        day_rows=day_rows,
        logged_days=len(logged),
        supplemental_mean=average([d.supplemental_mg for d in logged]),
        food_mean=average([d.food_mg for d in logged]),
        above=above,
        week_starts=week_starts,
        trends=trends,
        symptom_days=sorted(
            ((labels.get(code, code), n) for code, n in symptom_counts.items()),
            key=lambda item: (-item[1], item[0]),
        ),
        target=intake.target_for(user, end) if user.sex else None,
        ul=ul,
    )
