"""Reads for the daily loop: a day's totals, flags, entries and the dashboard's shortcuts.

Totals are database aggregates, never Python loops over entries, and every function here runs
a fixed number of queries however many rows a person has logged, so that a page's query count
does not grow with its data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)

from accounts.models import User
from tracker import day_sql, intake, series
from tracker.citations import Citation
from tracker.limits import ZERO
from tracker.models import (
    Food,
    Medicine,
    SupplementProduct,
)
from tracker.series import DaySums, DayTotals

RECENT_FOOD_DAYS = 30
"""How far back "recent foods" looks: bounded so the dashboard never scans years of history."""


def day_totals(*, user: User, day: date) -> DaySums:
    """The day's supplemental and food sums and counts, in ONE aggregate query."""
    return series.day_sums(user, day)


def day_entries(*, user: User, day: date) -> list[day_sql.DayEntry]:
    return day_sql.day_entries(user.pk, day)


def day_symptoms(*, user: User, day: date) -> list[day_sql.DaySymptom]:
    return day_sql.day_symptoms(user.pk, day)


def target_on(user: User, day: date) -> intake.Target | None:
    """The person's target on a day (None before their birth date: see series.limits_on)."""
    return series.limits_on(user, day)[0]


def day_flags(*, user: User, day: date) -> list[intake.Flag]:
    """The day's flags as they stand in the database: two queries."""
    codes = [s.symptom for s in day_symptoms(user=user, day=day)]
    return list(series.summarise(user, day_totals(user=user, day=day), codes).flags)


# --- Food suggestions -----------------------------------------------------------------------


@dataclass(frozen=True)
class FoodSuggestion:
    food: Food
    mg_per_serving: Decimal
    servings_needed: int

    @property
    def closes_with_one_serving(self) -> bool:
        return self.servings_needed == 1


# Mg in one serving, computed in the query so that sorting by it happens in the database.
# Multiplied by 0.01 rather than divided by 100: SQLite stores whole-number decimals as
# integers, and there integer / 100 truncates (44 mg x 174 g / 100 gave 76, not 76.56).
MG_PER_SERVING = ExpressionWrapper(
    F("mg_per_100g") * F("serving_grams") * Value(Decimal("0.01")),
    output_field=DecimalField(max_digits=14, decimal_places=4),
)

SEARCH_MAX_WORDS = 8
SEARCH_STOPWORDS = frozenset({"a", "an", "and", "of", "or", "the", "with", "in"})


def search_stems(query: str) -> list[str]:
    """The words of a search, each reduced to a stem that must occur in the food's name.

    Simple on purpose: split on anything that is not a letter or digit, lower-case, drop a
    few filler words, then take plurals back to a common stem: "...ies" and "...y" drop that
    ending ("berries"/"berry" -> "berr"), "...es" and "...s" drop it ("potatoes" -> "potato",
    "seeds" -> "seed"), never leaving fewer than three letters and never touching "...ss"
    ("swiss"). So "pumpkin seeds" finds "Pumpkin seed kernels (pepitas), roasted", in any
    word order.
    """
    stems = []
    for word in re.findall(r"\w+", query.lower()):
        if word in SEARCH_STOPWORDS:
            continue
        for ending in ("ies", "es", "s", "y"):
            if (
                word.endswith(ending)
                and not word.endswith("ss")
                and len(word) - len(ending) >= 3
                and (ending != "y" or len(word) >= 5)
            ):
                word = word[: -len(ending)]
                break
        if word not in stems:
            stems.append(word)
    return stems[:SEARCH_MAX_WORDS]


def name_search(query: str) -> Q:
    """Every stem of the query must occur in the name, case-insensitively."""
    condition = Q()
    for stem in search_stems(query):
        condition &= Q(name__icontains=stem)
    return condition


def food_suggestions(*, shortfall_mg: Decimal, limit: int = 5) -> list[FoodSuggestion]:
    """Reference foods that would close a shortfall, best fit first, in one query.

    Foods whose one serving covers the shortfall come first, smallest such serving first (the
    least food that does the job); when none does, the richest servings come first with the
    number of servings it would take.
    """
    if shortfall_mg <= 0:
        return []
    foods = (
        Food.objects.filter(owner__isnull=True, mg_per_100g__gt=0)
        .annotate(per_serving=MG_PER_SERVING)
        .annotate(
            closes=Case(
                When(per_serving__gte=shortfall_mg, then=Value(0)),
                default=Value(1),
            ),
            fit=Case(
                When(per_serving__gte=shortfall_mg, then=F("per_serving")),
                default=-F("per_serving"),
                output_field=DecimalField(max_digits=12, decimal_places=4),
            ),
        )
        .order_by("closes", "fit", "name")[:limit]
    )
    suggestions = []
    for food in foods:
        mg = intake.quantize_mg(Decimal(food.per_serving))
        suggestions.append(
            FoodSuggestion(
                food=food,
                mg_per_serving=mg,
                servings_needed=max(1, math.ceil(shortfall_mg / Decimal(food.per_serving))),
            )
        )
    return suggestions


# --- The dashboard's shortcuts ------------------------------------------------------------


def active_products(*, user: User) -> QuerySet[SupplementProduct]:
    return SupplementProduct.objects.filter(owner=user, is_archived=False).select_related("form")


def medicines(*, user: User) -> list[Medicine]:
    return list(Medicine.objects.filter(owner=user))


def recent_foods(*, user: User, today: date, limit: int = 6) -> list[Food]:
    """Foods the person logged in the last few weeks, most recently logged first."""
    return list(
        Food.objects.filter(
            entries__owner=user, entries__day__gte=today - timedelta(days=RECENT_FOOD_DAYS)
        )
        .annotate(last_logged=Max("entries__created_at"))
        .order_by("-last_logged", "name")[:limit]
    )


def visible_foods(*, user: User) -> QuerySet[Food]:
    """Reference foods plus the person's own: the only foods they may log."""
    return Food.objects.filter(Q(owner__isnull=True) | Q(owner=user))


def search_foods(*, user: User, query: str, limit: int = 30) -> list[Food]:
    foods = visible_foods(user=user)
    if query:
        foods = foods.filter(name_search(query))
    return list(foods.order_by("name")[:limit])


# --- A whole day, as the day page and the dashboard show it ----------------------------------


@dataclass
class DayOverview:
    """A day page: the day's read model (series.DayTotals) with its entries, symptoms and
    food suggestions. Target, limit and flags are the read model's, never derived again."""

    totals: DayTotals
    entries: list[day_sql.DayEntry]
    symptoms: list[day_sql.DaySymptom]
    adult_ranges: bool  # the articles' adult ranges apply (age 9 or more)
    suggestions: list[FoodSuggestion] = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.totals.day

    @property
    def target(self) -> intake.Target | None:
        return self.totals.target

    @property
    def ul(self) -> intake.UpperLimit:
        return self.totals.ul

    @property
    def flags(self) -> list[intake.Flag]:
        return list(self.totals.flags)

    @property
    def shortfall_mg(self) -> Decimal:
        if self.target is None:
            return ZERO
        return max(ZERO, self.target.mg - self.totals.total_mg)

    @property
    def percent_of_target(self) -> int:
        if self.target is None or self.target.mg <= 0:
            return 0
        return round(self.totals.total_mg * 100 / self.target.mg)

    def _bar(self, mg: Decimal) -> Decimal:
        """Share of the target bar, capped so that food plus supplements never pass 100 %."""
        if self.target is None or self.target.mg <= 0:
            return ZERO
        return min(Decimal("100"), mg * 100 / self.target.mg).quantize(Decimal("0.1"))

    @property
    def food_bar_percent(self) -> Decimal:
        return self._bar(self.totals.food_mg)

    @property
    def supplement_bar_percent(self) -> Decimal:
        return min(Decimal("100") - self.food_bar_percent, self._bar(self.totals.supplemental_mg))

    @property
    def supplement_thresholds(self) -> list[Threshold]:
        """The supplemental total against the authority's UL and, from age 9, the articles'
        starting and documented ranges (notices from a consumer article)."""
        mg = self.totals.supplemental_mg
        rows = []
        if self.adult_ranges:
            rows.append(
                Threshold(
                    "Starting range 100-200 mg (consumer article)",
                    intake.STARTING_RANGE_MAX_MG,
                    mg > intake.STARTING_RANGE_MAX_MG,
                    intake.STARTING_RANGE_SOURCE,
                    intake.STARTING_RANGE_QUOTE,
                )
            )
        if self.ul.mg is not None:
            rows.append(
                Threshold(
                    f"Upper limit (UL): {self.ul.rule}", self.ul.mg, mg > self.ul.mg, self.ul.source
                )
            )
        else:
            rows.append(Threshold(self.ul.rule, None, False, self.ul.source))
        if self.adult_ranges:
            rows.append(
                Threshold(
                    "Documented range 200-400 mg (consumer article)",
                    intake.DOCUMENTED_RANGE_MAX_MG,
                    mg > intake.DOCUMENTED_RANGE_MAX_MG,
                    intake.DOCUMENTED_RANGE_SOURCE,
                    intake.DOCUMENTED_RANGE_QUOTE,
                )
            )
        return rows


@dataclass(frozen=True)
class Threshold:
    label: str
    mg: Decimal | None
    exceeded: bool
    source: Citation
    quote: str = ""


def day_overview(*, user: User, day: date) -> DayOverview:
    """Everything a day page shows, in four queries whatever the number of entries."""
    symptoms = day_symptoms(user=user, day=day)
    overview = DayOverview(
        totals=series.summarise(
            user, day_totals(user=user, day=day), [s.symptom for s in symptoms]
        ),
        entries=day_entries(user=user, day=day),
        symptoms=symptoms,
        adult_ranges=intake.adult_ranges_apply(user, day),
    )
    overview.suggestions = food_suggestions(shortfall_mg=overview.shortfall_mg)
    return overview
