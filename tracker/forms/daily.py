"""Forms of the daily loop: products, own foods, entries and symptoms.

Forms validate what a person typed (bounds, days, which objects they may choose) and say so
beside the field; the services re-check the same rules and compute every figure, so nothing a
request sends is stored as a total.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from tracker import selectors, services
from tracker.models import Food, IntakeEntry, MagnesiumForm, SupplementProduct, SymptomEntry

NOTE_MAX = 500
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _positive(value: Decimal | None, *, maximum: Decimal, unit: str) -> Decimal | None:
    if value is None:
        return None
    if value <= 0:
        raise forms.ValidationError("Enter an amount above 0.")
    if value > maximum:
        raise forms.ValidationError(f"Enter at most {maximum:f} {unit} in one entry.")
    return value


def servings_field(*, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label="Servings",
        required=required,
        decimal_places=3,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": "0.001", "max": "100", "step": "any"}),
    )


class _DayForm(forms.Form):
    """Day, optional time and note, with the day checked against the person's local today."""

    day = forms.DateField(label="Day", widget=DATE_INPUT)
    time = forms.TimeField(label="Time", required=False, widget=TIME_INPUT)
    note = forms.CharField(label="Note", required=False, max_length=NOTE_MAX)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound and "day" not in self.initial:
            now = timezone.localtime()
            self.initial["day"] = now.date()
            self.initial["time"] = now.time().replace(second=0, microsecond=0)

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        errors = services.day_errors(user=self.user, day=day)
        if errors:
            raise forms.ValidationError(errors)
        return day


class SupplementEntryForm(_DayForm):
    product = forms.ModelChoiceField(label="Product", queryset=SupplementProduct.objects.none())
    servings = servings_field(
        help_text="Capsules, tablets, scoops, ml or g, as the product's unit."
    )

    field_order = ["product", "servings", "day", "time", "note"]

    def __init__(self, *args, user: User, current: SupplementProduct | None = None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # Another person's product id is not among the choices: "Select a valid choice".
        # An archived product stays choosable only on the entry that already uses it.
        choices = Q(is_archived=False)
        if current is not None:
            choices |= Q(pk=current.pk)
        self.fields["product"].queryset = SupplementProduct.objects.filter(
            choices, owner=user
        ).order_by("name")
        if not self.is_bound and "servings" not in self.initial:
            self.initial["servings"] = 1

    def clean_servings(self) -> Decimal | None:
        return _positive(
            self.cleaned_data.get("servings"), maximum=services.MAX_SERVINGS, unit="servings"
        )


class FoodEntryForm(_DayForm):
    food = forms.ModelChoiceField(label="Food", queryset=Food.objects.none())
    grams = forms.DecimalField(
        label="Grams",
        required=False,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0.01", "max": "5000", "step": "any"}),
    )
    servings = servings_field(required=False, help_text="Or the number of servings instead.")

    field_order = ["food", "grams", "servings", "day", "time", "note"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # Reference foods and the person's own: another person's food is not a valid choice.
        self.fields["food"].queryset = selectors.visible_foods(user=user).order_by("name")

    def clean_grams(self) -> Decimal | None:
        return _positive(self.cleaned_data.get("grams"), maximum=services.MAX_GRAMS, unit="g")

    def clean_servings(self) -> Decimal | None:
        return _positive(
            self.cleaned_data.get("servings"), maximum=services.MAX_SERVINGS, unit="servings"
        )

    def clean(self):
        cleaned = super().clean()
        grams, servings = cleaned.get("grams"), cleaned.get("servings")
        if self.errors.get("grams") or self.errors.get("servings"):
            return cleaned
        if grams is None and servings is None:
            raise forms.ValidationError("Enter the grams or the number of servings.")
        if grams is not None and servings is not None:
            raise forms.ValidationError("Enter grams or servings, not both.")
        food = cleaned.get("food")
        if food is not None and servings is not None:
            if servings * food.serving_grams > services.MAX_GRAMS:
                self.add_error("servings", "That is more than 5 kg of this food in one entry.")
        return cleaned

    @classmethod
    def initial_for(cls, entry: IntakeEntry) -> dict:
        """An entry logged by servings is edited in servings, one logged by grams in grams."""
        initial = {"food": entry.food, "day": entry.day, "time": entry.time, "note": entry.note}
        if entry.servings is not None:
            initial["servings"] = entry.servings.normalize()
        else:
            initial["grams"] = entry.grams.normalize() if entry.grams is not None else None
        return initial


class QuickFoodForm(forms.Form):
    """The dashboard's "one serving of a recent food" button posts only the food's id."""

    food = forms.ModelChoiceField(queryset=Food.objects.none())

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["food"].queryset = selectors.visible_foods(user=user)


class ProductForm(forms.ModelForm):
    """A person's product. The elemental mg per serving is computed, never typed."""

    compound_mg = forms.DecimalField(
        label="Compound weight per serving (mg), optional",
        required=False,
        max_digits=8,
        decimal_places=2,
        help_text="Only for labels that give both figures, e.g. 'Magnesium (as bisglycinate) "
        "200 mg' and 'magnesium bisglycinate 1,000 mg': the app then checks that the "
        "compound can hold that much magnesium. Not stored.",
    )

    class Meta:
        model = SupplementProduct
        fields = (
            "name",
            "brand",
            "form",
            "kind",
            "label_basis",
            "amount_per_serving_mg",
            "serving_unit",
        )
        labels = {"form": "Magnesium form", "kind": "Kind"}
        help_texts = {
            "kind": "Medications such as antacids and laxatives count towards the upper limit "
            "just like supplements.",
            "amount_per_serving_mg": "The figure on the label for one serving.",
        }

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = MagnesiumForm.objects.order_by("display_order", "name")
        self.fields["form"].label_from_instance = lambda f: (
            f"{f.name} ({f.elemental_percent} % magnesium)"
        )
        self.fields["amount_per_serving_mg"].widget.attrs.update(
            {"min": "0.01", "max": "10000", "step": "any"}
        )
        if editing:
            self.fields["is_archived"] = forms.BooleanField(
                label="Archived (hidden from logging; its entries stay)", required=False
            )
            self.initial.setdefault("is_archived", self.instance.is_archived)
            self.fields["amount_per_serving_mg"].help_text += (
                " Changing it, the label basis or the form recalculates the entries already "
                "logged with this product (a correction); a new recipe deserves a new product."
            )
        self.elemental_mg: Decimal | None = None
        self.chemistry_note = ""

    def clean_amount_per_serving_mg(self) -> Decimal:
        amount = self.cleaned_data["amount_per_serving_mg"]
        return _positive(amount, maximum=Decimal("10000"), unit="mg")

    def clean_compound_mg(self) -> Decimal | None:
        return _positive(self.cleaned_data.get("compound_mg"), maximum=Decimal("100000"), unit="mg")

    def clean(self):
        cleaned = super().clean()
        form, basis = cleaned.get("form"), cleaned.get("label_basis")
        amount = cleaned.get("amount_per_serving_mg")
        if form is not None and basis and amount is not None:
            self.elemental_mg = services.elemental_per_serving(
                form=form, label_basis=basis, amount_mg=amount
            )
            self.chemistry_note = services.chemistry_note(
                form=form,
                label_basis=basis,
                amount_mg=amount,
                compound_mg=cleaned.get("compound_mg"),
            )
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data[name] for name in self.Meta.fields}
        if "is_archived" in self.fields:
            kwargs["is_archived"] = data.get("is_archived", False)
        return kwargs


class OwnFoodForm(forms.ModelForm):
    notes = forms.CharField(label="Notes", required=False, max_length=NOTE_MAX)

    class Meta:
        model = Food
        fields = ("name", "category", "mg_per_100g", "serving_desc", "serving_grams", "notes")
        help_texts = {
            "mg_per_100g": "From the nutrition label or a food table.",
            "serving_desc": "How you usually eat it, e.g. '1 slice' or '1 cup'.",
        }

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["mg_per_100g"].widget.attrs.update({"min": "0", "max": "2000", "step": "any"})
        self.fields["serving_grams"].widget.attrs.update(
            {"min": "0.1", "max": "5000", "step": "any"}
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        clash = Food.objects.filter(owner=self.user, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("You already have a food with this name.")
        return name

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


SEVERITY_CHOICES = [
    (1, "1 - barely noticeable"),
    (2, "2 - mild"),
    (3, "3 - moderate"),
    (4, "4 - strong"),
    (5, "5 - severe"),
]


class SymptomForm(forms.Form):
    symptom = forms.ChoiceField(label="Symptom", choices=SymptomEntry.Symptom.choices)
    severity = forms.TypedChoiceField(
        label="Severity", choices=SEVERITY_CHOICES, coerce=int, initial=2
    )
    day = forms.DateField(label="Day", widget=DATE_INPUT)
    note = forms.CharField(label="Note", required=False, max_length=NOTE_MAX)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound and "day" not in self.initial:
            self.initial["day"] = timezone.localdate()

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        errors = services.day_errors(user=self.user, day=day)
        if errors:
            raise forms.ValidationError(errors)
        return day

    @classmethod
    def initial_for(cls, entry: SymptomEntry) -> dict:
        return {
            "symptom": entry.symptom,
            "severity": entry.severity,
            "day": entry.day,
            "note": entry.note,
        }
