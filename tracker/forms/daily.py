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
from tracker import intake, limits, selectors, services
from tracker.models import (
    Food,
    IntakeEntry,
    MagnesiumForm,
    SupplementProduct,
    SymptomEntry,
    serving_words,
    unit_words,
)

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


class PersonDayMixin:
    """``clean_day`` for a form with a ``day`` field and the person as ``self.user``: a day
    they can log on (not before their first day, not after their local today)."""

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        errors = services.day_errors(user=self.user, day=day)
        if errors:
            raise forms.ValidationError(errors)
        return day


class _DayForm(PersonDayMixin, forms.Form):
    """Day, optional time and note, with the day checked against the person's local today."""

    day = forms.DateField(label="Day", widget=DATE_INPUT)
    time = forms.TimeField(label="Time", required=False, widget=TIME_INPUT)
    note = forms.CharField(label="Note", required=False, max_length=limits.NOTE_MAX)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound and "day" not in self.initial:
            now = timezone.localtime()
            self.initial["day"] = now.date()
            self.initial["time"] = now.time().replace(second=0, microsecond=0)


DOSE_UNIT_CHOICES = [
    (intake.SERVING, "servings"),
    *[
        (value, label.split(" (")[0] + "(s)")
        for value, label in SupplementProduct.ServingUnit.choices
    ],
]
CONFIRM_LARGE_LABEL = "Yes, this large dose is right"


class SupplementEntryForm(_DayForm):
    """A dose in the label's own unit (2 tablets, 4 g, 15 mL) or in servings."""

    product = forms.ModelChoiceField(label="Product", queryset=SupplementProduct.objects.none())
    quantity = forms.DecimalField(
        label="Amount",
        decimal_places=3,
        widget=forms.NumberInput(attrs={"min": "0.001", "step": "any", "inputmode": "decimal"}),
    )
    unit = forms.ChoiceField(
        label="Unit",
        choices=DOSE_UNIT_CHOICES,
        initial=intake.SERVING,
        help_text="Servings, or the unit printed on the label: tablets, g, mL, tsp...",
    )
    confirm_large = forms.BooleanField(label=CONFIRM_LARGE_LABEL, required=False)

    field_order = ["product", "quantity", "unit", "day", "time", "note", "confirm_large"]

    def __init__(self, *args, user: User, current: SupplementProduct | None = None, **kwargs):
        if args and args[0] is not None and "quantity" not in args[0]:
            # "servings=2", as the form was posted before doses had units (old bookmarks,
            # scripts), still means two servings.
            data = args[0].copy()
            if "servings" in data:
                data["quantity"] = data["servings"]
            data.setdefault("unit", intake.SERVING)
            args = (data, *args[1:])
        super().__init__(*args, user=user, **kwargs)
        # Another person's product id is not among the choices: "Select a valid choice".
        # An archived product stays choosable only on the entry that already uses it.
        choices = Q(is_archived=False)
        if current is not None:
            choices |= Q(pk=current.pk)
        products = (
            SupplementProduct.objects.filter(choices, owner=user)
            .select_related("form")
            .prefetch_related("other_forms")
            .order_by("name")
        )
        self.fields["product"].queryset = products
        self.fields["product"].label_from_instance = lambda p: (
            f"{p} - {intake.quantize_mg(p.elemental_mg_per_serving)} mg per {p.serving_words}"
        )
        if not self.is_bound and "quantity" not in self.initial:
            self.initial["quantity"] = 1
        self.arithmetic = ""

    def clean_quantity(self) -> Decimal | None:
        return _positive(
            self.cleaned_data.get("quantity"), maximum=limits.MAX_DOSE_QUANTITY, unit="at once"
        )

    def clean(self):
        cleaned = super().clean()
        product, quantity, unit = (
            cleaned.get("product"),
            cleaned.get("quantity"),
            cleaned.get("unit"),
        )
        if product is None or quantity is None or not unit:
            return cleaned
        label = services.product_label(product)
        if unit not in label.dose_units():
            units = ", ".join(_unit_name(u) for u in label.dose_units())
            self.add_error("unit", f"{product} is measured in {units}.")
            return cleaned
        self.arithmetic = dose_arithmetic(product, label, quantity, unit)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in ("product", "quantity", "unit", "day", "time", "note")},
            "confirm_large": data.get("confirm_large", False),
        }

    @classmethod
    def initial_for(cls, entry: IntakeEntry) -> dict:
        quantity, unit = entry.dose_quantity, entry.dose_unit
        if quantity is None:
            quantity, unit = entry.servings, intake.SERVING
        return {
            "product": entry.product,
            "quantity": quantity.normalize() if quantity is not None else None,
            "unit": unit or intake.SERVING,
            "day": entry.day,
            "time": entry.time,
            "note": entry.note,
        }


def _unit_name(unit: str) -> str:
    return dict(DOSE_UNIT_CHOICES).get(unit, unit)


def dose_arithmetic(
    product: SupplementProduct, label: intake.Label, quantity: Decimal, unit: str
) -> str:
    """ "2 tablets = 1 serving = 200.0 mg elemental magnesium", shown before saving."""
    servings = label.servings(quantity, unit)
    mg = intake.quantize_mg(label.elemental_for(quantity, unit))
    serving_part = unit_words(_plain(servings), intake.SERVING)
    if unit == intake.SERVING:
        return f"{serving_part} of {product.serving_words} = {mg} mg elemental magnesium"
    return f"{unit_words(quantity, unit)} = {serving_part} = {mg} mg elemental magnesium"


def _plain(value: Decimal) -> Decimal:
    """Servings for reading: exact when short, else to 3 places (a third is 0.333)."""
    short = value.quantize(Decimal("0.001"))
    return value if short == value else short


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
        return _positive(self.cleaned_data.get("grams"), maximum=limits.MAX_GRAMS, unit="g")

    def clean_servings(self) -> Decimal | None:
        return _positive(
            self.cleaned_data.get("servings"), maximum=limits.MAX_SERVINGS, unit="servings"
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
            if servings * food.serving_grams > limits.MAX_GRAMS:
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
    """A person's product, as its Supplement Facts panel is printed.

    The elemental mg per serving is computed, never typed; "Preview" shows it before saving.
    """

    compound_mg = forms.DecimalField(
        label="Compound weight per serving (mg), optional",
        required=False,
        max_digits=8,
        decimal_places=2,
        help_text="Only for labels that give both figures, e.g. 'Magnesium (as bisglycinate) "
        "200 mg' and 'magnesium bisglycinate 1,000 mg': the app then checks that the "
        "compound can hold that much magnesium. Not stored.",
    )
    confirm_large = forms.BooleanField(label=CONFIRM_LARGE_LABEL, required=False)

    class Meta:
        model = SupplementProduct
        fields = (
            "name",
            "brand",
            "kind",
            "serving_quantity",
            "serving_unit",
            "equivalent_quantity",
            "equivalent_unit",
            "amount_per_serving_mg",
            "label_basis",
            "form",
            "other_forms",
        )
        labels = {
            "form": "Magnesium form on the label",
            "other_forms": "Other forms in a blend",
            "kind": "Kind",
            "serving_quantity": "Serving size",
            "serving_unit": "Serving unit",
            "equivalent_quantity": "Weight or volume",
            "equivalent_unit": "g or mL",
        }
        help_texts = {
            "kind": "Medications such as antacids and laxatives count towards the upper limit "
            "just like supplements.",
            "serving_quantity": "'Serving size 2 tablets' is 2 and tablet.",
            "equivalent_quantity": "Optional: '2 tsp (4 g)' is 4 and g.",
            "amount_per_serving_mg": "The magnesium figure printed for one serving.",
            "other_forms": "Only for a blend that names several forms ('as magnesium glycinate, "
            "citrate and malate'); its elemental figure is what counts.",
        }
        widgets = {"other_forms": forms.CheckboxSelectMultiple}

    def __init__(self, *args, editing: bool = False, touched=None, **kwargs):
        super().__init__(*args, **kwargs)
        forms_qs = MagnesiumForm.objects.order_by("display_order", "name")
        self.fields["form"].queryset = forms_qs
        self.fields["other_forms"].queryset = forms_qs
        for name in ("form", "other_forms"):
            self.fields[name].label_from_instance = lambda f: (
                f"{f.name} ({f.elemental_percent} % magnesium)"
            )
        self.fields["equivalent_unit"].choices = [("", "-")] + list(
            SupplementProduct.EquivalentUnit.choices
        )
        self.fields["amount_per_serving_mg"].widget.attrs.update(
            {"min": "0.01", "max": "10000", "step": "any", "inputmode": "decimal"}
        )
        self.fields["serving_quantity"].required = False
        for name in ("serving_quantity", "equivalent_quantity"):
            self.fields[name].widget.attrs.update(
                {"min": "0.001", "max": "1000", "step": "any", "inputmode": "decimal"}
            )
        if editing:
            self.fields["is_archived"] = forms.BooleanField(
                label="Archived (hidden from logging; its entries stay)", required=False
            )
            self.initial.setdefault("is_archived", self.instance.is_archived)
        self.touched = touched
        if touched is not None and touched.count:
            self.fields["apply_to"] = forms.ChoiceField(
                label="If you change the label figures, what about the entries already logged?",
                choices=[
                    (
                        services.ApplyTo.PAST,
                        "Correct them too: I made a typing mistake in the label",
                    ),
                    (
                        services.ApplyTo.FUTURE,
                        "Only from now on: the product has a new formula (past entries keep "
                        "their figures)",
                    ),
                ],
                widget=forms.RadioSelect,
                required=False,
                help_text=services.touched_question(touched),
            )
        self.elemental_mg: Decimal | None = None
        self.chemistry_note = ""

    def clean_amount_per_serving_mg(self) -> Decimal:
        amount = self.cleaned_data["amount_per_serving_mg"]
        return _positive(amount, maximum=limits.MAX_LABEL_MG, unit="mg")

    def clean_serving_quantity(self) -> Decimal:
        # Left empty, a serving is one unit (one capsule), as products were before sizes.
        quantity = self.cleaned_data.get("serving_quantity")
        if quantity is None:
            return Decimal("1")
        return _positive(quantity, maximum=Decimal("1000"), unit="units in a serving")

    def clean_compound_mg(self) -> Decimal | None:
        return _positive(self.cleaned_data.get("compound_mg"), maximum=Decimal("100000"), unit="mg")

    def _post_clean(self):
        # The model's own clean runs in the service, with the label's rules; copying the
        # typed values onto the instance here would also set the blend before it is checked.
        pass

    def clean(self):
        cleaned = super().clean()
        form, basis = cleaned.get("form"), cleaned.get("label_basis")
        amount, quantity = cleaned.get("amount_per_serving_mg"), cleaned.get("serving_quantity")
        unit = cleaned.get("serving_unit")
        if form is None or not basis or amount is None or quantity is None or not unit:
            return cleaned
        figures: services.LabelFigures = {
            "form": form,
            "other_forms": list(cleaned.get("other_forms") or []),
            "label_basis": basis,
            "amount_mg": amount,
            "serving_quantity": quantity,
            "serving_unit": unit,
            "equivalent_quantity": cleaned.get("equivalent_quantity"),
            "equivalent_unit": cleaned.get("equivalent_unit") or "",
        }
        problems = services.label_problems(**figures)
        for field_name, errors in problems.items():
            self.add_error(field_name, errors)
        if problems:
            return cleaned
        self.elemental_mg = services.label_from_figures(**figures).elemental_per_serving
        self.serving_words = serving_words(
            quantity, unit, cleaned.get("equivalent_quantity"), cleaned.get("equivalent_unit")
        )
        self.chemistry_note = services.chemistry_note(
            form=form, label_basis=basis, amount_mg=amount, compound_mg=cleaned.get("compound_mg")
        )
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data[name] for name in self.Meta.fields}
        kwargs["equivalent_unit"] = kwargs["equivalent_unit"] or ""
        kwargs["other_forms"] = list(kwargs["other_forms"] or [])
        kwargs["confirm_large"] = data.get("confirm_large", False)
        if "is_archived" in self.fields:
            kwargs["is_archived"] = data.get("is_archived", False)
        if "apply_to" in self.fields:
            kwargs["apply_to"] = data.get("apply_to") or ""
        return kwargs


class OwnFoodForm(forms.ModelForm):
    notes = forms.CharField(label="Notes", required=False, max_length=limits.NOTE_MAX)

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


class SymptomForm(PersonDayMixin, forms.Form):
    symptom = forms.ChoiceField(label="Symptom", choices=SymptomEntry.Symptom.choices)
    severity = forms.TypedChoiceField(
        label="Severity", choices=SEVERITY_CHOICES, coerce=int, initial=2
    )
    day = forms.DateField(label="Day", widget=DATE_INPUT)
    note = forms.CharField(label="Note", required=False, max_length=limits.NOTE_MAX)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound and "day" not in self.initial:
            self.initial["day"] = timezone.localdate()

    @classmethod
    def initial_for(cls, entry: SymptomEntry) -> dict:
        return {
            "symptom": entry.symptom,
            "severity": entry.severity,
            "day": entry.day,
            "note": entry.note,
        }
