"""The reference pages anybody may read: magnesium forms (with a dose converter) and foods."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from tracker import intake, reference_data
from tracker.citations import Citation
from tracker.forms.reference import ConverterForm, FoodSearchForm, FoodSort
from tracker.models import Food, MagnesiumForm
from tracker.selectors import MG_PER_SERVING, name_search

FOODS_PER_PAGE = 25


def format_mg(value: Decimal) -> str:
    """Milligrams as people write them: 141.0 -> "141", 301.5 -> "301.5", 1000 -> "1000"."""
    text = f"{intake.quantize_mg(value):f}"
    return text.removesuffix(".0")


def format_amount(value: Decimal) -> str:
    """What the person typed, without trailing zeros or an exponent: 1000.00 -> "1000"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def people_note(form: MagnesiumForm) -> reference_data.FormNote | None:
    """The compound's note for people (forms_notes.csv); None for a compound added in the
    admin that the file does not know, whose research note is never shown instead."""
    return reference_data.form_notes().get(form.name)


@dataclass(frozen=True)
class Conversion:
    compound: MagnesiumForm
    compound_mg: Decimal
    elemental_mg: Decimal

    @property
    def sentence(self) -> str:
        return (
            f"{format_amount(self.compound_mg)} mg magnesium {self.compound.short_name} = "
            f"{format_mg(self.elemental_mg)} mg magnesium"
        )

    @property
    def note(self) -> reference_data.FormNote | None:
        return people_note(self.compound)


@dataclass
class FormFamily:
    """A compound and its hydrates/variants ("chloride": anhydrous, hexahydrate)."""

    name: str
    members: list[MagnesiumForm] = field(default_factory=list)

    @property
    def primary(self) -> MagnesiumForm:
        return self.members[0]

    @property
    def note(self) -> reference_data.FormNote | None:
        return people_note(self.primary)

    @property
    def quoted_from(self) -> Citation | None:
        """The consumer article the seed-table columns quote, by its title."""
        if not self.primary.seed_source:
            return None
        try:
            return reference_data.seed_citation(self.primary.seed_source)
        except ValueError:  # provenance edited in the admin to name another article
            return None


def _family_name(form: MagnesiumForm) -> str:
    # Short names start with the family: "chloride hexahydrate", "carbonate, basic (heavy)".
    words = (form.short_name or form.name).split()
    return words[0].rstrip(",") if words else form.name


def group_families(forms: list[MagnesiumForm]) -> list[FormFamily]:
    """Families in the order of their first member (forms arrive in display order)."""
    families: dict[str, FormFamily] = {}
    for form in forms:
        key = _family_name(form)
        families.setdefault(key, FormFamily(key)).members.append(form)
    return list(families.values())


@require_safe
def forms_page(request: HttpRequest) -> HttpResponse:
    compounds = list(MagnesiumForm.objects.all())
    families = group_families(compounds)
    converter = ConverterForm(request.GET if {"compound", "mg"} & request.GET.keys() else None)
    conversion = None
    if converter.is_bound and converter.is_valid():
        compound = converter.cleaned_data["compound"]
        mg = converter.cleaned_data["mg"]
        conversion = Conversion(
            compound=compound,
            compound_mg=mg,
            elemental_mg=intake.elemental_from_compound(mg, compound.elemental_fraction),
        )
    return render(
        request,
        "tracker/reference/forms.html",
        {
            "converter": converter,
            "conversion": conversion,
            "compounds": [
                (c, reference_data.quoted_percent(c.commonly_quoted_percent)) for c in compounds
            ],
            "seed_families": [f for f in families if f.primary.seed_source],
            "other_families": [f for f in families if not f.primary.seed_source],
        },
    )


def visible_foods(request: HttpRequest) -> QuerySet[Food]:
    """Reference foods, plus the visitor's own private foods when logged in; never anybody
    else's."""
    if request.user.is_authenticated:
        return Food.objects.filter(Q(owner__isnull=True) | Q(owner=request.user))
    return Food.objects.filter(owner__isnull=True)


@dataclass(frozen=True)
class FoodShown:
    """A food as the foods page shows it: a reference food with its citations and its note
    for people, or the person's own food as they entered it. The stored ``source`` (file
    names, NDB numbers) is provenance for the admin and never shown."""

    food: Food
    note: str
    citations: tuple[Citation, ...]


def food_shown(food: Food) -> FoodShown:
    if food.owner_id is not None:
        return FoodShown(food, food.notes, ())
    return FoodShown(
        food,
        reference_data.reference_food_note(food.name, food.notes),
        reference_data.food_citations(food.source),
    )


@require_safe
def foods_page(request: HttpRequest) -> HttpResponse:
    search = FoodSearchForm(request.GET)
    q, category, sort = search.criteria()
    foods = visible_foods(request)
    if q:
        foods = foods.filter(name_search(q))
    if category:
        foods = foods.filter(category=category)
    foods = foods.annotate(mg_serving=MG_PER_SERVING).order_by(*FoodSort.ORDER_BY[sort])
    page = Paginator(foods, FOODS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tracker/reference/foods.html",
        {
            "search": search,
            "q": q,
            "page_obj": page,
            "foods": page.object_list,
            "rows": [food_shown(f) for f in page.object_list],
            "elided_pages": page.paginator.get_elided_page_range(page.number),
        },
    )


urlpatterns = [
    path("forms/", forms_page, name="forms"),
    path("foods/", foods_page, name="foods"),
]
