"""The routine's tables: planned doses, what became of each on a day, stock on hand, other
medicines, notification settings, push subscriptions and the notification outbox.

Imported by tracker/models.py so that Django sees them as the tracker app's models.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from tracker.model_fields import owner_field
from tracker.routine_rules import ALL_WEEKDAYS, DEFAULT_REFILL_DAYS, weekday_words

weekdays_validator = RegexValidator(r"^[0-6]{1,7}$", "Choose at least one day of the week.")


class RoutineDose(models.Model):
    """A planned dose: "2 capsules of magnesium glycinate at 21:30, daily, from 1 Nov"."""

    owner = owner_field("routine_doses", indexed=False)  # the (owner, product) index starts with it
    product = models.ForeignKey(
        "tracker.SupplementProduct", on_delete=models.CASCADE, related_name="routine_doses"
    )
    quantity = models.DecimalField(
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("1000"))],
    )
    unit = models.CharField(max_length=10)
    time = models.TimeField("time of day")
    weekdays = models.CharField(max_length=7, default=ALL_WEEKDAYS, validators=[weekdays_validator])
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["time", "id"]
        indexes = [models.Index(fields=["owner", "product"], name="routine_owner_product")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="routine_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.quantity} {self.unit} at {self.time:%H:%M}"

    @property
    def weekday_words(self) -> str:
        return weekday_words(self.weekdays)


class DoseRecord(models.Model):
    """What became of a planned dose on a day. No row: pending (nothing recorded yet)."""

    class Status(models.TextChoices):
        TAKEN = "taken", "Taken"
        SKIPPED = "skipped", "Skipped"
        SNOOZED = "snoozed", "Snoozed"

    owner = owner_field("dose_records", indexed=False)  # (owner, day) below starts with it
    dose = models.ForeignKey(RoutineDose, on_delete=models.CASCADE, related_name="records")
    day = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=200, blank=True)
    entry = models.ForeignKey(
        "tracker.IntakeEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snoozed_until = models.DateTimeField(null=True, blank=True)
    snoozes = models.PositiveSmallIntegerField(default=0)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "day"], name="doserecord_owner_day")]
        constraints = [
            models.UniqueConstraint(fields=["dose", "day"], name="one_record_per_dose_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dose_id} {self.status}"


class Stock(models.Model):
    """Units on hand of one product, in its label's unit (capsules, g, mL)."""

    owner = owner_field("stocks", indexed=False)
    product = models.OneToOneField(
        "tracker.SupplementProduct", on_delete=models.CASCADE, related_name="stock"
    )
    units_on_hand = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(0))
    refill_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REFILL_DAYS, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    # Which bottle this is: the refill notice is sent once per bottle (tracker.Notice key).
    bottle = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["owner"], name="stock_owner")]

    def __str__(self) -> str:
        return f"{self.product}: {self.units_on_hand}"


class Medicine(models.Model):
    """Another medicine a person takes, by its group in tracker/data/interactions.csv."""

    owner = owner_field("medicines")
    group = models.CharField(max_length=60)
    name = models.CharField(max_length=100, blank=True)
    time = models.TimeField("usual time", null=True, blank=True)

    class Meta:
        ordering = ["time", "id"]

    def __str__(self) -> str:
        return self.name or self.group


class NotificationSettings(models.Model):
    """Every reminder channel is opt-in, and this one row turns each on or off."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_reminders = models.BooleanField("e-mail me at each planned dose", default=False)
    push_reminders = models.BooleanField(
        "notify this browser or phone at each planned dose", default=False
    )
    refill_notices = models.BooleanField("e-mail me when a bottle runs low", default=False)
    quiet_start = models.TimeField("quiet from", null=True, blank=True)
    quiet_end = models.TimeField("quiet until", null=True, blank=True)

    def __str__(self) -> str:
        return f"notifications of {self.owner_id}"


class PushSubscription(models.Model):
    owner = owner_field("push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"push {self.owner_id}"


class Notice(models.Model):
    """One notification to send, exactly once: a reminder (per dose, day, round and channel)
    or a refill notice (per bottle).

    The row is recorded FIRST (the unique key makes a second scheduler or worker fail to
    insert it), then a worker claims it with a conditional UPDATE queued -> sending, then sends,
    then marks it sent. A worker killed after the claim leaves it "sending": never sent twice.
    One killed before the claim leaves it queued, and the scheduler enqueues it again.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        REFILL = "refill", "Refill notice"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        PUSH = "push", "Web Push"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Not needed"
        FAILED = "failed", "Failed"

    owner = owner_field("notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    key = models.CharField(max_length=100)
    dose = models.ForeignKey(
        RoutineDose, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    product = models.ForeignKey(
        "tracker.SupplementProduct", null=True, blank=True, on_delete=models.CASCADE
    )
    day = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="notice_status_due")]
        constraints = [
            models.UniqueConstraint(fields=["owner", "channel", "key"], name="one_notice_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.key} {self.status}"
