"""Forms of the reference pages: the dose converter and the food search.

Both are GET forms (nothing is stored), so they work without JavaScript and their results can
be bookmarked; bad input gives errors beside the field, never a 500.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from tracker.models import Food, MagnesiumForm

CONVERTER_MAX_MG = Decimal("100000")
"""100 g of compound: well above any oral dose (an Epsom-salt laxative dose is 10-30 g), so
only typing slips and absurd numbers are refused."""


class CompoundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MagnesiumForm) -> str:
        return f"{obj.name} ({obj.elemental_percent} % Mg)"


class ConverterForm(forms.Form):
    """A compound weight from a label ("Magnesium glycinate 1000 mg") to elemental Mg."""

    compound = CompoundChoiceField(
        label="Magnesium form",
        queryset=MagnesiumForm.objects.all(),
        empty_label="Choose the form on the label",
    )
    mg = forms.DecimalField(
        label="Amount of the compound (mg)",
        help_text=(
            'The weight of the salt, e.g. 1000 for "Magnesium glycinate 1000 mg". A '
            'Supplement Facts line "Magnesium (as ...) 200 mg" is already elemental.'
        ),
        widget=forms.NumberInput(attrs={"min": "0", "step": "any", "inputmode": "decimal"}),
    )

    def clean_mg(self) -> Decimal:
        mg = self.cleaned_data["mg"]
        if mg <= 0:
            raise forms.ValidationError("Enter an amount above 0 mg.")
        if mg > CONVERTER_MAX_MG:
            raise forms.ValidationError(
                f"Enter at most {CONVERTER_MAX_MG:,.0f} mg (100 g) of the compound."
            )
        return mg


class FoodSort:
    """The /foods/ orderings: the value in ?sort= and the order_by that serves it."""

    PER_SERVING = "serving"
    PER_100G = "100g"
    NAME = "name"
    DEFAULT = PER_SERVING

    CHOICES = [
        (PER_SERVING, "Mg per serving"),
        (PER_100G, "Mg per 100 g"),
        (NAME, "Name (A-Z)"),
    ]
    # Name and id break ties so that pages never repeat or skip a food.
    ORDER_BY = {
        PER_SERVING: ("-mg_serving", "name", "id"),
        PER_100G: ("-mg_per_100g", "name", "id"),
        NAME: ("name", "id"),
    }


class FoodSearchForm(forms.Form):
    q = forms.CharField(
        label="Search foods",
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": "e.g. pumpkin seeds"}),
    )
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=[("", "All categories"), *Food.Category.choices],
    )
    sort = forms.ChoiceField(label="Sort by", required=False, choices=FoodSort.CHOICES)

    def criteria(self) -> tuple[str, str, str]:
        """(q, category, sort) from the valid fields; an invalid one falls back to its default
        while its error is shown beside it."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = getattr(self, "cleaned_data", {})
        return (
            data.get("q") or "",
            data.get("category") or "",
            data.get("sort") or FoodSort.DEFAULT,
        )
