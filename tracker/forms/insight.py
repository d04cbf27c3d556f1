"""Forms of the daily check-in: what to follow, and one day's scores."""

from __future__ import annotations

from django import forms

from accounts.models import User
from tracker.forms.daily import PersonDayMixin
from tracker.insight_selectors import SCORE_CHOICES
from tracker.models import CheckInSymptom


class FollowForm(forms.Form):
    symptoms = forms.MultipleChoiceField(
        label="Symptoms to rate each day",
        choices=CheckInSymptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each takes one tap a day: 0 (none) to 4 (severe). Sleep is rated the same "
        "way: 0 when you slept well, 4 when you slept very badly.",
    )


class CheckInForm(PersonDayMixin, forms.Form):
    """A day and a score for each followed symptom: "" (no check-in) or 0-4 (0 = none)."""

    day = forms.DateField(label="Day")

    def __init__(self, *args, user: User, followed: list[str], **kwargs):
        self.user = user
        self.followed = followed
        super().__init__(*args, **kwargs)
        for code in followed:
            self.fields[f"score_{code}"] = forms.TypedChoiceField(
                label=CheckInSymptom(code).label,
                choices=SCORE_CHOICES,
                required=False,
                coerce=int,
                empty_value=None,
            )

    def scores(self) -> dict[str, int | None]:
        return {code: self.cleaned_data.get(f"score_{code}") for code in self.followed}
