"""Forms of the routine pages: a planned dose, a skip reason, a new bottle, the stock, another
medicine and the notification settings. Bad input gets an error beside the field."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from tracker import routine_rules as rules
from tracker import services
from tracker.models import SupplementProduct

WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(rules.WEEKDAY_NAMES)]
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


def _no_control(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise forms.ValidationError("Use letters, digits and punctuation only.")
    return value


class TimeInput(forms.TimeInput):
    input_type = "time"


class DateInput(forms.DateInput):
    input_type = "date"


def _units_field(label: str, *, minimum: str, maximum: str, max_digits: int):
    """An amount to three decimals between ``minimum`` and ``maximum``, typed on a keypad."""
    return forms.DecimalField(
        label=label,
        max_digits=max_digits,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(minimum)), MaxValueValidator(Decimal(maximum))],
        widget=forms.NumberInput(attrs={"min": "0", "step": "any", "inputmode": "decimal"}),
    )


class DoseForm(forms.Form):
    product = forms.ModelChoiceField(queryset=SupplementProduct.objects.none(), label="Product")
    quantity = _units_field("Amount", minimum="0.001", maximum="1000", max_digits=9)
    unit = forms.ChoiceField(label="Unit", choices=[])
    time = forms.TimeField(label="Time of day", widget=TimeInput(format="%H:%M"))
    weekdays = forms.MultipleChoiceField(
        label="Days of the week",
        choices=WEEKDAY_CHOICES,
        initial=[c for c, _ in WEEKDAY_CHOICES],
        widget=forms.CheckboxSelectMultiple,
    )
    start_date = forms.DateField(label="From", widget=DateInput())
    end_date = forms.DateField(label="Until (optional)", required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        products = SupplementProduct.objects.filter(owner=user, is_archived=False).select_related(
            "form"
        )
        self.fields["product"].queryset = products
        units = {"serving": "servings"}
        for product in products:
            units[product.serving_unit] = product.get_serving_unit_display()
            if product.equivalent_unit:
                units[product.equivalent_unit] = product.get_equivalent_unit_display()
        self.fields["unit"].choices = list(units.items())
        self.fields["start_date"].initial = services.person_today(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        if start and start.year < 1900:
            self.add_error("start_date", "Enter a day in 1900 or later.")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in ("product", "quantity", "unit", "start_date")},
            "time": data["time"].replace(second=0, microsecond=0),
            "weekdays": "".join(sorted(data["weekdays"])),
            "end_date": data.get("end_date"),
        }


class SkipForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)", max_length=200, required=False, validators=[_no_control]
    )


class BottleForm(forms.Form):
    units = _units_field(
        "Units in the new bottle", minimum="0.001", maximum="100000", max_digits=12
    )


class StockForm(forms.Form):
    units = _units_field("Units on hand now", minimum="0", maximum="100000", max_digits=12)
    refill_days = forms.IntegerField(
        label="Tell me when the supply lasts this many days or fewer",
        min_value=1,
        max_value=90,
        initial=rules.DEFAULT_REFILL_DAYS,
    )


class MedicineForm(forms.Form):
    group = forms.ChoiceField(label="Medicine group", choices=[])
    name = forms.CharField(
        label="Name (optional)", max_length=100, required=False, validators=[_no_control]
    )
    time = forms.TimeField(
        label="Usual time (optional)", required=False, widget=TimeInput(format="%H:%M")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [
            (rule.group, f"{rule.group.capitalize()} ({rule.examples})")
            for rule in rules.medicine_rules().values()
        ]


class NotificationSettingsForm(forms.Form):
    email_reminders = forms.BooleanField(label="E-mail me at each planned dose", required=False)
    push_reminders = forms.BooleanField(
        label="Notify my browser or phone at each planned dose", required=False
    )
    refill_notices = forms.BooleanField(
        label="E-mail me once when a bottle runs low", required=False
    )
    quiet_start = forms.TimeField(
        label="Quiet from (optional)", required=False, widget=TimeInput(format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label="Quiet until (optional)", required=False, widget=TimeInput(format="%H:%M")
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            self.add_error("quiet_end", "Give both ends of the quiet hours, or neither.")
        return data
