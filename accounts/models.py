import zoneinfo
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DatabaseError, models

from accounts.errors import AccountGone

PROFILE_FIELDS = (
    "sex",
    "date_of_birth",
    "life_stage",
    "authority",
    "has_kidney_disease",
    "has_heart_condition",
    "timezone",
    "target_override_mg",
    "email_warnings",
)
"""The profile the intake rules read: the profile form, the admin and the account file all
list these (never the username, password or e-mail address, which have their own pages)."""


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone; use a name such as Europe/London.",
            params={"value": value},
        )


def validate_not_future(value: date) -> None:
    if value > date.today():
        raise ValidationError("The date of birth cannot be in the future.")
    if value.year < 1900:
        raise ValidationError("Enter a date of birth after 1900.")


class User(AbstractUser):
    """A person using the tracker, with the profile the intake rules need."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"

    class LifeStage(models.TextChoices):
        NONE = "none", "Neither pregnant nor breastfeeding"
        PREGNANT = "pregnant", "Pregnant"
        LACTATING = "lactating", "Breastfeeding (lactating)"

    class Authority(models.TextChoices):
        # tracker.intake.Authority: whose reference values the targets and limits follow.
        US = "us", "United States (NIH / Institute of Medicine)"
        EU = "eu", "European Union (EFSA; upper level 250 mg/day of added magnesium)"

    email = models.EmailField("e-mail address", blank=True)
    sex = models.CharField(
        max_length=6,
        choices=Sex.choices,
        blank=True,
        help_text="Used to pick your recommended dietary allowance (RDA).",
    )
    date_of_birth = models.DateField(
        null=True,
        blank=True,
        validators=[validate_not_future],
        help_text="Optional. Without it the adult figures (400 mg men, 310 mg women) are used.",
    )
    life_stage = models.CharField(max_length=10, choices=LifeStage.choices, default=LifeStage.NONE)
    authority = models.CharField(
        "reference values",
        max_length=2,
        choices=Authority.choices,
        default=Authority.US,
        help_text="Whose recommended intakes and upper limit to use. Every target and limit "
        "shown names its authority.",
    )
    has_kidney_disease = models.BooleanField("I have kidney disease", default=False)
    has_heart_condition = models.BooleanField("I have a heart condition", default=False)
    timezone = models.CharField(
        "time zone",
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Your days start and end at midnight in this time zone.",
    )
    target_override_mg = models.DecimalField(
        "my own daily target (mg)",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("2000"))],
        help_text="Optional, for a target your clinician gave you. Leave empty to use the RDA.",
    )
    email_warnings = models.BooleanField("e-mail me when a day crosses a warning", default=False)
    # NULL, not "": legacy look-alike pairs keep working (migration 0003), and a unique
    # column allows any number of NULLs.
    username_key = models.CharField(  # noqa: DJ001
        max_length=600,
        unique=True,
        null=True,
        editable=False,
        help_text="The username after NFKC, case folding and look-alike letters "
        "(accounts.usernames.canonical): unique, so no two names can pass for each other.",
    )
    data_version = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Raised in the same transaction as every change to this person's records "
        "(tracker.page_cache.mark_changed); rendered pages are cached under it.",
    )
    setup_version = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Raised with data_version by every change except logging to a day (entries "
        "and symptoms): the dashboard's parts that show products, the routine and check-ins "
        "are kept under it (tracker.page_cache.kept_part).",
    )

    def clean(self):
        super().clean()
        from accounts import usernames

        if not self.username:
            return
        if self._state.adding:
            mixed = usernames.mixed_script_message(self.username)
            if mixed:
                raise ValidationError({"username": mixed})
        key = usernames.canonical(self.username)
        if User.objects.filter(username_key=key).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"username": "That name is taken, or looks the same as one that is."}
            )

    def save(self, *args, **kwargs):
        from accounts import usernames

        self.username_key = usernames.canonical(self.username) if self.username else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        # The versions only ever move through mark_changed's UPDATE ... + 1. A full save of a
        # User loaded earlier (profile form, password change) would write back the number it
        # read and could bring back a version whose cached pages show older data.
        if kwargs.get("update_fields") is None and not self._state.adding and self.pk:
            skip = {"data_version", "setup_version", *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname not in skip and f.name not in skip
            ]
        # The row may be gone: the account was deleted while this request was on its way (a
        # log-in, a password change). accounts.middleware answers AccountGone with a redirect.
        updating = kwargs.get("update_fields") is not None and not self._state.adding
        if updating and not type(self).objects.filter(pk=self.pk).exists():
            raise AccountGone(self.pk)
        try:
            super().save(*args, **kwargs)
        except DatabaseError as error:  # deleted between the check and the UPDATE
            if updating and "did not affect any rows" in str(error):
                raise AccountGone(self.pk) from error
            raise

    @property
    def profile_complete(self) -> bool:
        return bool(self.sex)
