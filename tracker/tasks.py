"""Work outside a request, on Django's Tasks API (django-tasks, database backend): reminders,
refill notices and the day's warning e-mails, plus the scheduler that finds what is due.

Exactly once, even with several workers and a worker killed mid-send, is kept by our own
tables, not by the queue: a Notice (or WarningSent) row is recorded first under a unique key,
a worker claims it with a conditional UPDATE, sends, then marks it sent. A task that runs twice
finds nothing left to claim; a task lost with a killed worker leaves its Notice queued, and the
scheduler enqueues it again (``schedule_due``), so none is lost.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task, task_backends

from accounts.models import User
from tracker import routine_rules as rules
from tracker.models import (
    DoseRecord,
    Notice,
    NotificationSettings,
    PushSubscription,
    RoutineDose,
    WarningSent,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=2)
REQUEUE_AFTER = timedelta(minutes=2)
"""A queued notice whose task has not claimed it after this long is enqueued again."""
LATE_LIMIT = timedelta(hours=3)
"""A reminder more than this late (the server was down) is not sent: it would only confuse."""
PUSH_TOKEN_SALT = "tracker.routine.push-action"  # noqa: S105 (a salt, not a secret)
PUSH_TOKEN_MAX_AGE = 2 * 24 * 3600


def _enqueue(the_task, *args, delay_seconds: int = 0) -> None:
    backend = task_backends[the_task.backend]
    if delay_seconds and backend.supports_defer:
        the_task = the_task.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
    the_task.enqueue(*args)


# --- Warning e-mails -------------------------------------------------------------------------


def enqueue_day_warnings(*, owner_id: int, day: date, codes: list[str], url: str) -> None:
    _enqueue(
        send_day_warnings,
        owner_id,
        day.isoformat(),
        codes,
        url,
        delay_seconds=settings.WARNING_EMAIL_DELAY_SECONDS,
    )


@task()
def send_day_warnings(owner_id: int, day_iso: str, codes: list[str], url: str) -> list[str]:
    """E-mail the flags the day still carries: an entry undone before this ran sends nothing.

    Record first: the WarningSent row is inserted before the e-mail goes, and its unique
    (owner, day, flag) stops a second task (or worker) from sending the same flag again.
    """
    from tracker import flag_alerts, selectors

    owner = User.objects.filter(pk=owner_id).first()
    if owner is None or not (owner.email_warnings and owner.email):
        return []
    day = date.fromisoformat(day_iso)
    still = [f for f in selectors.day_flags(user=owner, day=day) if f.code.value in codes]
    claimed = []
    for flag in still:
        try:
            with transaction.atomic():
                WarningSent.objects.create(owner=owner, day=day, flag=flag.code.value)
        except IntegrityError:
            continue
        claimed.append(flag)
    if claimed:
        flag_alerts.send_email(to=owner.email, name=owner.username, day=day, flags=claimed, url=url)
    return [f.code.value for f in claimed]


# --- Notices: reminders and refills ----------------------------------------------------------


def enqueue_notice(notice_id: int, *, now: dt.datetime | None = None) -> None:
    Notice.objects.filter(pk=notice_id).update(enqueued_at=now or timezone.now())
    deliver_notice.enqueue(notice_id)


@task()
def deliver_notice(notice_id: int) -> str:
    claimed = Notice.objects.filter(pk=notice_id, status=Notice.Status.QUEUED).update(
        status=Notice.Status.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return "claimed elsewhere"
    notice = Notice.objects.select_related("owner", "dose__product", "product").get(pk=notice_id)
    if not _still_wanted(notice):
        Notice.objects.filter(pk=notice_id).update(status=Notice.Status.CANCELLED)
        return "not needed"
    try:
        if notice.channel == Notice.Channel.EMAIL:
            _send_email(notice)
        else:
            _send_push(notice)
    except Exception as error:  # a mail server or push service that failed: try again later
        failed = notice.attempts >= MAX_ATTEMPTS
        Notice.objects.filter(pk=notice_id).update(
            status=Notice.Status.FAILED if failed else Notice.Status.QUEUED,
            due_at=timezone.now() + RETRY_AFTER * notice.attempts,
            enqueued_at=None,
            error=str(error)[:300],
        )
        logger.warning("notice %s not sent (attempt %s): %s", notice_id, notice.attempts, error)
        return "retry"
    Notice.objects.filter(pk=notice_id).update(status=Notice.Status.SENT, sent_at=timezone.now())
    return "sent"


def _still_wanted(notice: Notice) -> bool:
    owner = notice.owner
    prefs = NotificationSettings.objects.filter(owner=owner).first()
    if prefs is None:
        return False
    if notice.kind == Notice.Kind.REFILL:
        return prefs.refill_notices and bool(owner.email)
    if notice.channel == Notice.Channel.EMAIL and not (prefs.email_reminders and owner.email):
        return False
    if notice.channel == Notice.Channel.PUSH and not prefs.push_reminders:
        return False
    record = DoseRecord.objects.filter(dose_id=notice.dose_id, day=notice.day).first()
    return record is None or record.status == DoseRecord.Status.SNOOZED


def _dose_words(dose: RoutineDose) -> str:
    from tracker.models import unit_words

    return f"{unit_words(dose.quantity, dose.unit)} of {dose.product.name}"


def _send_email(notice: Notice) -> None:
    owner = notice.owner
    if notice.kind == Notice.Kind.REFILL:
        from tracker.services.routine import per_day_use

        stock = notice.product.stock
        left = rules.days_left(stock.units_on_hand, per_day_use(notice.product))
        context = {
            "name": owner.username,
            "product": notice.product,
            "units": stock.units_on_hand.normalize(),
            "days": int(left) if left is not None else None,
        }
        subject = f"{notice.product.name} is running low"
        template = "email/refill_notice"
    else:
        dose = notice.dose
        context = {
            "name": owner.username,
            "dose": dose,
            "what": _dose_words(dose),
            "day": notice.day,
        }
        subject = f"Time for {_dose_words(dose)} ({dose.time:%H:%M})"
        template = "email/dose_reminder"
    # Full addresses: the e-mail is read outside the site (DJANGO_SITE_URL).
    site = settings.SITE_URL.rstrip("/")
    context.update(dashboard_url=site + reverse("dashboard"), routine_url=site + reverse("routine"))
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context), to=[owner.email]
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()


def push_token(*, owner_id: int, dose_id: int, day: date) -> str:
    """What a notification's "taken" and "snooze" buttons carry instead of a session: signed,
    naming one person's dose on one day, for two days."""
    return signing.dumps([owner_id, dose_id, day.isoformat()], salt=PUSH_TOKEN_SALT)


def read_push_token(token: str) -> tuple[int, int, date]:
    owner_id, dose_id, day = signing.loads(token, salt=PUSH_TOKEN_SALT, max_age=PUSH_TOKEN_MAX_AGE)
    return int(owner_id), int(dose_id), date.fromisoformat(day)


def push_payload(notice: Notice) -> str:
    dose = notice.dose
    return json.dumps(
        {
            "title": f"Time for {_dose_words(dose)}",
            "body": f"Planned at {dose.time:%H:%M}.",
            "tag": f"dose-{dose.pk}-{notice.day.isoformat()}",  # a snooze replaces, not adds
            "token": push_token(owner_id=notice.owner_id, dose_id=dose.pk, day=notice.day),
            "action_url": reverse("routine-push-action"),
            "url": "/",
        }
    )


def _send_push(notice: Notice) -> None:
    from pywebpush import WebPushException, webpush

    if not settings.VAPID_PRIVATE_KEY:
        raise RuntimeError("Web Push is not configured (DJANGO_VAPID_PRIVATE_KEY)")
    data = push_payload(notice)
    for sub in PushSubscription.objects.filter(owner=notice.owner):
        try:
            webpush(
                subscription_info={
                    "endpoint": sub.endpoint,
                    "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
                },
                data=data,
                vapid_private_key=settings.VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                timeout=10,
                ttl=3600,
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in (404, 410):  # the browser unsubscribed: forget it
                sub.delete()
                continue
            raise


# --- The scheduler ---------------------------------------------------------------------------


def schedule_due(*, now: dt.datetime | None = None) -> int:
    """Record the reminders that are due, then enqueue every queued notice not yet picked up.

    Safe to run from several machines at once: the notices' unique key makes a second insert a
    no-op, and a notice enqueued twice is claimed once. Returns how many tasks it enqueued.
    """
    now = now or timezone.now()
    _record_due_reminders(now)
    stale = now - REQUEUE_AFTER
    ready = list(
        Notice.objects.filter(status=Notice.Status.QUEUED, due_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .values_list("pk", flat=True)[:5000]
    )
    for notice_id in ready:
        enqueue_notice(notice_id, now=now)
    return len(ready)


def _record_due_reminders(now: dt.datetime) -> None:
    wanted = Q(owner__notification_settings__email_reminders=True) | Q(
        owner__notification_settings__push_reminders=True
    )
    earliest = (now - timedelta(days=2)).date()
    doses = (
        RoutineDose.objects.filter(wanted, start_date__lte=now.date() + timedelta(days=1))
        .exclude(end_date__lt=earliest)
        .select_related("owner", "owner__notification_settings")
    )
    records = {
        (r.dose_id, r.day): r
        for r in DoseRecord.objects.filter(
            day__range=(earliest, now.date() + timedelta(days=1)), dose__in=doses
        )
    }
    rows = []
    for dose in doses.iterator(chunk_size=1000):
        owner = dose.owner
        prefs = owner.notification_settings
        zone = rules.zone_for(owner.timezone)
        local_today = now.astimezone(zone).date()
        for day in (local_today - timedelta(days=1), local_today):
            if not rules.is_planned_on(
                day, weekdays=dose.weekdays, start=dose.start_date, end=dose.end_date
            ):
                continue
            rows.extend(_reminders_for(dose, day, now, zone, prefs, records.get((dose.pk, day))))
    Notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


def _reminders_for(dose, day, now, zone, prefs, record) -> list[Notice]:
    due = rules.planned_instant(day, dose.time, zone)
    rounds = 0
    if record is not None:
        if record.status != DoseRecord.Status.SNOOZED:
            return []
        due, rounds = record.snoozed_until, record.snoozes
    due = rules.after_quiet_hours(due, zone, prefs.quiet_start, prefs.quiet_end)
    if due > now or now - due > LATE_LIMIT:
        return []
    channels = []
    if prefs.email_reminders and dose.owner.email:
        channels.append(Notice.Channel.EMAIL)
    if prefs.push_reminders:
        channels.append(Notice.Channel.PUSH)
    return [
        Notice(
            owner_id=dose.owner_id,
            kind=Notice.Kind.REMINDER,
            channel=channel,
            key=f"dose:{dose.pk}:{day.isoformat()}:{rounds}",
            dose=dose,
            day=day,
            due_at=due,
        )
        for channel in channels
    ]
