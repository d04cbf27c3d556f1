from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts import throttle, timezones
from accounts.models import PROFILE_FIELDS, User


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
        help_texts = {"email": "Optional; needed for password reset and e-mail warnings."}


class ProfileForm(forms.ModelForm):
    """The profile. A different e-mail address is not saved here: with the current password
    it starts a change confirmed by a link sent to the new address (accounts/email_change.py);
    without it, the rest is saved and the address stays as it was."""

    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="Your days start and end at midnight in this time zone. Type a city to "
        "search, e.g. Europe/Berlin.",
        widget=forms.TextInput(
            attrs={"list": "timezone-names", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    current_password = forms.CharField(
        label="Current password (only to change your e-mail address)",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    class Meta:
        model = User
        fields = ("email", *PROFILE_FIELDS)
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def clean_timezone(self) -> str:
        name = timezones.normalise(self.cleaned_data["timezone"])
        # A zone saved before the list was narrowed ("US/Pacific") stays valid for its owner.
        if name in timezones.canonical_timezones() or name == self.instance.timezone:
            return name
        raise forms.ValidationError(
            "Choose a time zone from the list: a region and a city, e.g. Europe/Berlin."
        )

    def clean_authority(self) -> str:
        return self.cleaned_data.get("authority") or User.Authority.US

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_email = self.instance.email
        # Set by clean(): the address to confirm by link, or True when a change was asked
        # for without the password.
        self.requested_email: str | None = None
        self.email_change_needs_password = False
        self.fields["email"].help_text = (
            "Changing it needs your current password; the new address is used once you open "
            "the link we e-mail to it."
        )
        if not self.instance.profile_complete:
            # A new account: static/js/app.js fills in the browser's own zone.
            self.fields["timezone"].widget.attrs["data-timezone-prefill"] = "1"
        self.fields["sex"].required = True
        # Left out (an older form, a script), the reference values stay the US default.
        self.fields["authority"].required = False
        self.fields["sex"].choices = [("", "Choose…"), *User.Sex.choices]
        self.fields["target_override_mg"].widget.attrs.update(
            {"min": "1", "max": "2000", "step": "1"}
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("life_stage") in (User.LifeStage.PREGNANT, User.LifeStage.LACTATING)
            and cleaned.get("sex") == User.Sex.MALE
        ):
            self.add_error("life_stage", "Pregnancy and lactation apply to the female RDA rows.")
        if cleaned.get("email_warnings") and not cleaned.get("email"):
            self.add_error("email", "Enter an e-mail address to receive e-mail warnings.")
        new = cleaned.get("email")
        if "email" in cleaned and new != self.saved_email:
            password = cleaned.get("current_password")
            if not password:
                self.email_change_needs_password = True
            elif throttle.password_checks_exhausted(self.instance.pk):
                self.add_error("current_password", throttle.PASSWORD_CHECKS_MESSAGE)
            elif not self.instance.check_password(password):
                throttle.count_wrong_password(self.instance.pk)
                self.add_error("current_password", "That is not your current password.")
            else:
                self.requested_email = new
        return cleaned

    def save(self, commit=True):
        # The address itself changes only through the confirmed link.
        self.instance.email = self.saved_email
        if not self.saved_email:
            self.instance.email_warnings = False
        return super().save(commit)


class DeleteAccountForm(forms.Form):
    """Deleting an account needs the current password, so a left-open session cannot do it."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand that every entry, product, food and symptom I logged will be deleted "
        "and cannot be recovered.",
        required=True,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if throttle.password_checks_exhausted(self.user.pk):
            raise forms.ValidationError(throttle.PASSWORD_CHECKS_MESSAGE)
        if not self.user.check_password(password):
            throttle.count_wrong_password(self.user.pk)
            raise forms.ValidationError("That is not your current password.")
        return password
