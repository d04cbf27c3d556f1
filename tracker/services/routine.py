"""Writes (and the reads they need) of the routine: planned doses, taken/skipped/snoozed,
stock on hand and refills, other medicines, notification settings and push subscriptions.

Every write runs inside ``person_write`` (tracker.services.writes: one transaction that locks
the person and marks their cached pages stale) and returns ``Written``, as every other service
write does; a notification is queued only on commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from tracker import citations, intake, limits
from tracker import routine_rules as rules
from tracker.days import person_today
from tracker.models import (
    DoseRecord,
    IntakeEntry,
    Medicine,
    Notice,
    NotificationSettings,
    PushSubscription,
    RoutineDose,
    Stock,
    SupplementProduct,
)
from tracker.services.entries import log_supplement
from tracker.services.products import large_dose_error, product_label
from tracker.services.writes import Written, day_errors, person_write

MAX_STOCK_UNITS = Decimal("100000")
MAX_DOSES = 50
"""More planned doses than this is no routine a person keeps; it also bounds the checklist."""
SNOOZE_MINUTES = 30


def local_now(user: User) -> dt.datetime:
    return timezone.now().astimezone(rules.zone_for(user.timezone))


def settings_for(user: User) -> NotificationSettings:
    found = NotificationSettings.objects.filter(owner=user).first()
    return found or NotificationSettings(owner=user)


# --- A dose's figures ------------------------------------------------------------------------


def dose_mg(dose: RoutineDose) -> Decimal:
    return product_label(dose.product).elemental_for(dose.quantity, dose.unit)


def dose_units(dose: RoutineDose) -> Decimal:
    """The dose in the label's own unit (2 capsules; 1 serving of 2 capsules is 2)."""
    label = product_label(dose.product)
    return label.servings(dose.quantity, dose.unit) * label.serving_quantity


# --- Notes on a routine ----------------------------------------------------------------------


@dataclass(frozen=True)
class RoutineNote:
    level: str  # bootstrap alert colour: "danger", "warning", "info"
    text: str
    citation_key: str

    @property
    def citation(self) -> citations.Citation:
        return citations.cite(self.citation_key)


@dataclass
class RoutineCheck:
    daily_mg: Decimal
    intakes: int
    notes: list[RoutineNote] = field(default_factory=list)


def check_routine(*, owner: User, on: dt.date) -> RoutineCheck:
    """The routine's busiest day against the person's limits, before any dose is taken."""
    doses = list(
        RoutineDose.objects.filter(owner=owner, product__kind__in=["supplement", "medication"])
        .exclude(end_date__lt=on)
        .select_related("product", "product__form")
    )
    planned = [rules.PlannedMg(dose_mg(d), d.weekdays) for d in doses]
    daily, intakes = rules.busiest_day(planned)
    result = RoutineCheck(daily_mg=daily, intakes=intakes)
    if not doses:
        return result
    try:
        ul = intake.ul_for(owner, on)
    except ValueError:
        ul = None
    flags = intake.flags_for_person(
        owner, on=on, supplemental_mg=daily, has_supplements=daily > 0, symptoms=[], ul=ul
    )
    shown = f"{intake.quantize_mg(daily)} mg"
    for flag in flags:
        if flag.code == intake.FlagCode.ABOVE_UL and ul is not None and ul.mg is not None:
            text = (
                f"This routine gives {shown} a day, above the upper limit of "
                f"{intake.quantize_mg(ul.mg)} mg ({ul.rule})."
            )
        else:
            text = f"This routine gives {shown} a day. {flag.title}: {flag.message}"
        result.notes.append(RoutineNote(flag.severity.css, text, flag.source.key))
    if owner.authority == "eu" and daily > 0 and intakes < rules.EU_MIN_INTAKES:
        result.notes.append(
            RoutineNote(
                "info",
                "The German Federal Institute for Risk Assessment recommends taking "
                "supplemental magnesium in at least two intakes a day rather than all at once.",
                "bfr_2017",
            )
        )
    return result


@dataclass(frozen=True)
class MedicineNote:
    text: str
    citation_key: str
    is_timing: bool

    @property
    def citation(self) -> citations.Citation:
        return citations.cite(self.citation_key)


def medicine_notes(
    *, magnesium_at: dt.time | None, medicines: list[Medicine]
) -> list[MedicineNote]:
    """Flags for a magnesium dose at ``magnesium_at`` (None: the notes of each group only)."""
    notes = []
    table = rules.medicine_rules()
    for medicine in medicines:
        rule = table.get(medicine.group)
        if rule is None:
            continue
        name = medicine.name or rule.group
        if not rule.has_timing:
            if magnesium_at is None:
                notes.append(MedicineNote(f"{name}: {_plain(rule.note)}", rule.citation_key, False))
            continue
        if magnesium_at is not None and medicine.time is not None:
            if rules.inside_window(magnesium_at=magnesium_at, medicine_at=medicine.time, rule=rule):
                notes.append(
                    MedicineNote(
                        f"Magnesium at {magnesium_at:%H:%M} is inside the spacing window of "
                        f"{name} at {medicine.time:%H:%M}: {rules.spacing_words(rule)}. "
                        "Talk to your pharmacist or doctor before changing how you take a "
                        "prescribed medicine.",
                        rule.citation_key,
                        True,
                    )
                )
    return notes


def _plain(note: str) -> str:
    """The CSV note without its leading source name (the citation says where it is from)."""
    return note.split(": ", 1)[1] if ": " in note else note


# --- Planned doses ---------------------------------------------------------------------------


class PlannedDose(NamedTuple):
    """What ``save_dose`` wrote: the dose, and the routine's check against the limits."""

    dose: RoutineDose
    check: RoutineCheck


def _check_dose(dose: RoutineDose) -> None:
    label = product_label(dose.product)
    if dose.unit not in label.dose_units():
        raise ValidationError(
            {"unit": f"{dose.product} is measured in {', '.join(label.dose_units())}."}
        )
    if dose.quantity is None or not dose.quantity.is_finite() or dose.quantity <= 0:
        raise ValidationError({"quantity": "Enter an amount above 0."})
    if label.servings(dose.quantity, dose.unit) > limits.MAX_SERVINGS:
        raise ValidationError({"quantity": "That is more than 100 servings in one dose."})
    if label.elemental_for(dose.quantity, dose.unit) > intake.LARGE_DOSE_MG:
        raise ValidationError(
            {
                "quantity": large_dose_error(
                    label.elemental_for(dose.quantity, dose.unit), what="This dose"
                )
            }
        )
    dose.weekdays = "".join(sorted(set(dose.weekdays)))
    dose.full_clean(exclude=["owner", "product"])


def save_dose(
    *,
    owner: User,
    product: SupplementProduct,
    quantity: Decimal,
    unit: str,
    time: dt.time,
    weekdays: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    dose: RoutineDose | None = None,
) -> Written[PlannedDose]:
    """Create or change a planned dose; returns it with the routine's check against limits."""
    if product.owner_id != owner.pk:
        raise ValidationError({"product": "Select one of your own products."})
    with person_write(owner):
        if dose is None:
            if RoutineDose.objects.filter(owner=owner).count() >= MAX_DOSES:
                raise ValidationError(f"A routine holds at most {MAX_DOSES} planned doses.")
            dose = RoutineDose(owner=owner)
        dose.product, dose.quantity, dose.unit, dose.time = product, quantity, unit, time
        dose.weekdays, dose.start_date, dose.end_date = weekdays, start_date, end_date
        _check_dose(dose)
        dose.save()
        Stock.objects.get_or_create(owner=owner, product=product)
    return Written(
        PlannedDose(dose, check_routine(owner=owner, on=max(start_date, person_today(owner))))
    )


def delete_dose(*, dose: RoutineDose) -> Written[RoutineDose]:
    with person_write(dose.owner):
        dose.delete()
    return Written(dose)


# --- Today's checklist -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    dose: RoutineDose
    status: str  # "taken", "skipped", "snoozed" or "pending"
    record: DoseRecord | None
    elemental_mg: Decimal
    notes: list[MedicineNote]

    @property
    def dose_words(self) -> str:
        from tracker.models import unit_words

        return unit_words(self.dose.quantity, self.dose.unit)


def checklist(*, owner: User, day: dt.date) -> list[ChecklistItem]:
    """The doses planned on ``day`` with what became of each: three queries, whatever the
    routine's size."""
    doses = [
        d
        for d in RoutineDose.objects.filter(owner=owner, start_date__lte=day)
        .exclude(end_date__lt=day)
        .select_related("product", "product__form")
        .prefetch_related("product__other_forms")
        if rules.is_planned_on(day, weekdays=d.weekdays, start=d.start_date, end=d.end_date)
    ]
    records = {r.dose_id: r for r in DoseRecord.objects.filter(owner=owner, day=day)}
    medicines = list(Medicine.objects.filter(owner=owner))
    items = []
    for dose in doses:
        record = records.get(dose.pk)
        status = record.status if record else "pending"
        if status == DoseRecord.Status.TAKEN and record.entry_id is None:
            status = "pending"  # its entry was deleted since: the day no longer holds it
        items.append(
            ChecklistItem(
                dose=dose,
                status=status,
                record=record,
                elemental_mg=dose_mg(dose),
                notes=medicine_notes(magnesium_at=dose.time, medicines=medicines),
            )
        )
    return items


def logged_notes(
    *,
    owner: User,
    day: dt.date,
    medicines: list[Medicine] | None = None,
    entries: list[IntakeEntry] | None = None,
) -> list[MedicineNote]:
    """Flags for the supplement doses logged on ``day`` inside a medicine's spacing window:
    one query for the medicines, and one for the day's logged times only when there are any
    (none for what the caller passes: the person's medicines, the day's entries)."""
    if medicines is None:
        medicines = list(Medicine.objects.filter(owner=owner))
    medicines = [m for m in medicines if m.time is not None]
    if not medicines:
        return []
    if entries is None:
        entries = IntakeEntry.objects.filter(owner=owner, day=day).only("product", "time")
    times = sorted({e.time for e in entries if e.product_id is not None and e.time is not None})
    notes: list[MedicineNote] = []
    for at in times:
        for note in medicine_notes(magnesium_at=at, medicines=medicines):
            notes.append(
                MedicineNote(
                    note.text.replace("Magnesium at", "Magnesium logged at", 1),
                    note.citation_key,
                    note.is_timing,
                )
            )
    return notes


@dataclass(frozen=True)
class Adherence:
    planned: int
    taken: int
    skipped: int

    @property
    def words(self) -> str:
        return f"{self.taken} of {self.planned} planned doses taken"


def adherence(*, owner: User, start: dt.date, end: dt.date) -> Adherence | None:
    """Planned vs taken doses over [start, end]: two queries (doses, records by status)."""
    from django.db.models import Count

    doses = list(
        RoutineDose.objects.filter(owner=owner, start_date__lte=end)
        .exclude(end_date__lt=start)
        .values("weekdays", "start_date", "end_date")
    )
    if not doses:
        return None
    planned = 0
    day = start
    while day <= end:
        planned += sum(
            rules.is_planned_on(
                day, weekdays=d["weekdays"], start=d["start_date"], end=d["end_date"]
            )
            for d in doses
        )
        day += dt.timedelta(days=1)
    counts = dict(
        DoseRecord.objects.filter(owner=owner, day__range=(start, end))
        .exclude(status=DoseRecord.Status.TAKEN, entry__isnull=True)  # its entry was deleted
        .values_list("status")
        .annotate(n=Count("id"))
    )
    return Adherence(planned, counts.get("taken", 0), counts.get("skipped", 0))


# --- Taken, skipped, snoozed -----------------------------------------------------------------


def _record(owner: User, dose: RoutineDose, day: dt.date) -> DoseRecord:
    record = DoseRecord.objects.select_for_update().filter(dose=dose, day=day).first()
    return record or DoseRecord(owner=owner, dose=dose, day=day)


def _cancel_reminders(dose: RoutineDose, day: dt.date) -> None:
    Notice.objects.filter(
        dose=dose, day=day, kind=Notice.Kind.REMINDER, status=Notice.Status.QUEUED
    ).update(status=Notice.Status.CANCELLED)


def _check_planned(dose: RoutineDose, day: dt.date) -> None:
    if not rules.is_planned_on(
        day, weekdays=dose.weekdays, start=dose.start_date, end=dose.end_date
    ):
        raise ValidationError("That dose is not planned on that day.")
    errors = day_errors(user=dose.owner, day=day)
    if errors:
        raise ValidationError(errors)


def take_dose(*, dose: RoutineDose, day: dt.date) -> Written[DoseRecord]:
    """Log the planned dose now, count it off the stock, and send a refill notice once; the
    flags are those the logged entry newly crossed."""
    owner = dose.owner
    _check_planned(dose, day)
    with person_write(owner):
        record = _record(owner, dose, day)
        if record.status == DoseRecord.Status.TAKEN and record.entry_id is not None:
            return Written(record)  # a second tap (or the notification and the page) logs nothing
        now = local_now(owner)
        written = log_supplement(
            owner=owner,
            product=dose.product,
            quantity=dose.quantity,
            unit=dose.unit,
            day=day,
            time=now.time().replace(second=0, microsecond=0),
            confirm_large=True,  # checked when the dose was planned
        )
        record.status, record.entry, record.reason = DoseRecord.Status.TAKEN, written.obj, ""
        record.snoozed_until = None
        record.save()
        _cancel_reminders(dose, day)
        stock = Stock.objects.select_for_update().filter(product=dose.product).first()
        if stock is not None:
            stock.units_on_hand = max(stock.units_on_hand - dose_units(dose), Decimal(0))
            stock.save(update_fields=["units_on_hand"])
            _maybe_refill_notice(owner, stock)
    return Written(record, written.crossed)


def return_to_stock(entry: IntakeEntry) -> None:
    """Before ``entry`` is deleted (inside the caller's person_write): the units its routine
    dose counted off the stock go back."""
    record = (
        DoseRecord.objects.filter(owner_id=entry.owner_id, entry=entry)
        .select_related("dose", "dose__product", "dose__product__form")
        .first()
    )
    if record is None:
        return
    stock = Stock.objects.select_for_update().filter(product_id=record.dose.product_id).first()
    if stock is not None:
        stock.units_on_hand += dose_units(record.dose)
        stock.save(update_fields=["units_on_hand"])


def skip_dose(*, dose: RoutineDose, day: dt.date, reason: str = "") -> Written[DoseRecord]:
    owner = dose.owner
    _check_planned(dose, day)
    with person_write(owner):
        record = _record(owner, dose, day)
        if record.status == DoseRecord.Status.TAKEN:
            raise ValidationError("That dose is already logged as taken; delete the entry first.")
        record.status, record.reason, record.snoozed_until = DoseRecord.Status.SKIPPED, reason, None
        record.full_clean(exclude=["owner", "dose", "entry"])
        record.save()
        _cancel_reminders(dose, day)
    return Written(record)


def snooze_dose(
    *, dose: RoutineDose, day: dt.date, minutes: int = SNOOZE_MINUTES
) -> Written[DoseRecord]:
    """Remind again in ``minutes``: the next round of reminders falls due then."""
    owner = dose.owner
    _check_planned(dose, day)
    with person_write(owner):
        record = _record(owner, dose, day)
        if record.status in (DoseRecord.Status.TAKEN, DoseRecord.Status.SKIPPED):
            return Written(record)
        record.status = DoseRecord.Status.SNOOZED
        record.snoozes += 1
        record.snoozed_until = timezone.now() + dt.timedelta(minutes=minutes)
        record.save()
        _cancel_reminders(dose, day)
    return Written(record)


# --- Stock and refills -----------------------------------------------------------------------


def per_day_use(product: SupplementProduct) -> Decimal:
    doses = list(RoutineDose.objects.filter(product=product).select_related("product__form"))
    return rules.average_per_day([(dose_units(d), d.weekdays) for d in doses])


def _maybe_refill_notice(owner: User, stock: Stock) -> None:
    if not settings_for(owner).refill_notices or not owner.email:
        return
    if not rules.refill_due(stock.units_on_hand, per_day_use(stock.product), stock.refill_days):
        return
    try:
        with transaction.atomic():  # a savepoint: the key is sent once per bottle
            notice = Notice.objects.create(
                owner=owner,
                kind=Notice.Kind.REFILL,
                channel=Notice.Channel.EMAIL,
                key=f"refill:{stock.product_id}:{stock.bottle}",
                product=stock.product,
                due_at=timezone.now(),
            )
    except IntegrityError:
        return
    from tracker.tasks import enqueue_notice

    transaction.on_commit(lambda: enqueue_notice(notice.pk), robust=True)


def _check_units(units: Decimal) -> None:
    if units is None or not units.is_finite() or units < 0:
        raise ValidationError({"units": "Enter a number of units, 0 or more."})
    if units > MAX_STOCK_UNITS:
        raise ValidationError({"units": f"Enter at most {MAX_STOCK_UNITS:f} units."})


def open_bottle(*, owner: User, product: SupplementProduct, units: Decimal) -> Written[Stock]:
    """A new bottle of ``units`` adds to what is on hand; its refill notice may come again."""
    _check_units(units)
    if units == 0:
        raise ValidationError({"units": "Enter how many units the new bottle holds."})
    with person_write(owner):
        stock, _ = Stock.objects.select_for_update().get_or_create(owner=owner, product=product)
        stock.units_on_hand += units
        stock.bottle += 1
        stock.save()
    return Written(stock)


def set_stock(
    *, owner: User, product: SupplementProduct, units: Decimal, refill_days: int
) -> Written[Stock]:
    _check_units(units)
    with person_write(owner):
        stock, _ = Stock.objects.select_for_update().get_or_create(owner=owner, product=product)
        stock.units_on_hand, stock.refill_days = units, refill_days
        stock.full_clean(exclude=["owner", "product"])
        stock.save()
    return Written(stock)


# --- Medicines, settings, subscriptions ------------------------------------------------------


def add_medicine(*, owner: User, group: str, name: str, time: dt.time | None) -> Written[Medicine]:
    if group not in rules.medicine_rules():
        raise ValidationError({"group": "Choose one of the listed groups."})
    with person_write(owner):
        if Medicine.objects.filter(owner=owner).count() >= MAX_DOSES:
            raise ValidationError(f"List at most {MAX_DOSES} medicines.")
        medicine = Medicine(owner=owner, group=group, name=name, time=time)
        medicine.full_clean(exclude=["owner"])
        medicine.save()
    return Written(medicine)


def delete_medicine(*, medicine: Medicine) -> Written[Medicine]:
    with person_write(medicine.owner):
        medicine.delete()
    return Written(medicine)


def save_settings(*, owner: User, **values: object) -> Written[NotificationSettings]:
    with person_write(owner):
        found = settings_for(owner)
        for name, value in values.items():
            setattr(found, name, value)
        found.full_clean(exclude=["owner"])
        found.save()
    return Written(found)


def subscribe_push(
    *, owner: User, endpoint: str, p256dh: str, auth: str
) -> Written[PushSubscription]:
    with person_write(owner):
        # An endpoint belongs to one browser: a new sign-in on it takes it over.
        PushSubscription.objects.filter(endpoint=endpoint).exclude(owner=owner).delete()
        sub, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"owner": owner, "p256dh": p256dh, "auth": auth}
        )
        sub.full_clean(exclude=["owner"], validate_unique=False)
    return Written(sub)
