import zoneinfo
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


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
    data_version = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Raised in the same transaction as every change to this person's records "
        "(tracker.page_cache.mark_changed); rendered pages are cached under it.",
    )

    def save(self, *args, **kwargs):
        # data_version only ever moves through mark_changed's UPDATE ... + 1. A full save of a
        # User loaded earlier (profile form, password change) would write back the number it
        # read and could bring back a version whose cached pages show older data.
        if kwargs.get("update_fields") is None and not self._state.adding and self.pk:
            skip = {"data_version", *self.get_deferred_fields()}
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname not in skip and f.name not in skip
            ]
        super().save(*args, **kwargs)

    @property
    def profile_complete(self) -> bool:
        return bool(self.sex)
