"""The task queue's work: the scheduler finds due reminders (at the local time, across
daylight-saving changes and after a time-zone change), a database worker sends each once,
taken/skipped doses get none, snooze brings the next round, the warning e-mail waits and
re-checks, a real Web Push message decrypts with the subscription's keys, /healthz/queue."""

import base64
import datetime as dt
import http.server
import json
import os
import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import RoutineDoseFactory, SupplementProductFactory, UserFactory
from tracker import services
from tracker.models import DoseRecord, Notice, NotificationSettings, PushSubscription
from tracker.services import routine as routine
from tracker.tasks import deliver_notice, schedule_due

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    """The database worker of `manage.py db_worker --batch`, in this process, until the queue
    is empty. Its between-task close_old_connections is skipped: it would close the test's
    own connection, inside the transaction the test runs in (PostgreSQL)."""
    from django_tasks_db.management.commands import db_worker

    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()


def person(tz="Europe/Berlin", **prefs):
    user = UserFactory(timezone=tz, email="ana@example.com")
    NotificationSettings.objects.create(owner=user, **(prefs or {"email_reminders": True}))
    return user


def dose_for(user, at="21:30", start=dt.date(2026, 1, 1)):
    product = SupplementProductFactory(owner=user, name="Magnesium glycinate")
    return RoutineDoseFactory(
        owner=user,
        product=product,
        quantity=Decimal(2),
        time=dt.time.fromisoformat(at),
        start_date=start,
    )


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_the_reminder_comes_at_2130_local_time_by_e_mail(mailoutbox):
    dose = dose_for(person())
    assert schedule_due(now=at(2026, 11, 29, 20, 29)) == 0  # 21:29 in Berlin (CET)
    assert schedule_due(now=at(2026, 11, 29, 20, 30)) == 1  # 21:30
    run_worker()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Time for 2 capsules of Magnesium glycinate (21:30)"
    # It links to where the dose is ticked off and where reminders are turned off.
    assert "http://testserver/\n" in mailoutbox[0].body
    assert "http://testserver/routine/" in mailoutbox[0].body
    html = mailoutbox[0].alternatives[0][0]
    assert 'href="http://testserver/"' in html
    notice = Notice.objects.get()
    assert (notice.status, notice.day, notice.dose) == ("sent", dt.date(2026, 11, 29), dose)
    # The next pass finds it recorded: nothing more is queued or sent.
    assert schedule_due(now=at(2026, 11, 29, 20, 31)) == 0
    run_worker()
    assert len(mailoutbox) == 1


def test_the_spring_forward_0230_dose_is_reminded_once_at_0330_local(mailoutbox):
    dose_for(person(), at="02:30")
    assert schedule_due(now=at(2026, 3, 29, 1, 29)) == 0  # 03:29 CEST
    assert schedule_due(now=at(2026, 3, 29, 1, 30)) == 1  # 03:30 CEST
    run_worker()
    assert schedule_due(now=at(2026, 3, 29, 2, 30)) == 0
    assert len(mailoutbox) == 1


def test_the_repeated_autumn_hour_reminds_once(mailoutbox):
    dose_for(person(), at="02:30")
    assert schedule_due(now=at(2026, 10, 25, 0, 30)) == 1  # the first 02:30 (CEST)
    run_worker()
    assert schedule_due(now=at(2026, 10, 25, 1, 30)) == 0  # the second 02:30 (CET)
    run_worker()
    assert len(mailoutbox) == 1


def test_after_a_time_zone_change_the_reminder_follows_the_new_zone(mailoutbox):
    user = person()
    dose_for(user)
    user.timezone = "America/New_York"
    user.save()
    assert schedule_due(now=at(2026, 11, 29, 20, 30)) == 0  # 21:30 in Berlin, 15:30 in NY
    assert schedule_due(now=at(2026, 11, 30, 2, 30)) == 1  # 21:30 on 29 Nov in New York
    assert Notice.objects.get().day == dt.date(2026, 11, 29)


def test_no_reminder_for_a_dose_already_taken(mailoutbox):
    dose = dose_for(person())
    routine.take_dose(dose=dose, day=dt.date(2026, 11, 29))
    assert schedule_due(now=at(2026, 11, 29, 20, 30)) == 0
    run_worker()
    assert mailoutbox == [] and not Notice.objects.exists()


def test_a_dose_taken_after_the_reminder_was_queued_sends_nothing(mailoutbox):
    dose = dose_for(person())
    assert schedule_due(now=at(2026, 11, 29, 20, 30)) == 1
    routine.take_dose(dose=dose, day=dt.date(2026, 11, 29))
    run_worker()
    assert mailoutbox == []
    assert Notice.objects.get().status == "cancelled"


def test_snooze_brings_a_second_round_thirty_minutes_later(mailoutbox):
    dose = dose_for(person())
    schedule_due(now=at(2026, 11, 29, 20, 30))
    run_worker()
    routine.snooze_dose(dose=dose, day=dt.date(2026, 11, 29))
    # As if snoozed from the 21:30 reminder: due again at 22:00 Berlin (21:00 UTC).
    DoseRecord.objects.update(snoozed_until=at(2026, 11, 29, 21, 0))
    assert schedule_due(now=at(2026, 11, 29, 20, 59)) == 0
    assert schedule_due(now=at(2026, 11, 29, 21, 0)) == 1
    run_worker()
    assert len(mailoutbox) == 2
    routine.take_dose(dose=dose, day=dt.date(2026, 11, 29))
    assert schedule_due(now=at(2026, 11, 29, 21, 30)) == 0


def test_quiet_hours_hold_the_reminder_until_they_end(mailoutbox):
    user = person(email_reminders=True, quiet_start=dt.time(21), quiet_end=dt.time(7))
    dose_for(user)
    assert schedule_due(now=at(2026, 11, 29, 20, 30)) == 0
    assert schedule_due(now=at(2026, 11, 30, 6, 0)) == 1  # 07:00 in Berlin
    assert Notice.objects.get().day == dt.date(2026, 11, 29)


def test_channels_are_opt_in(mailoutbox):
    user = person(email_reminders=False, push_reminders=False)
    dose_for(user)
    assert schedule_due(now=at(2026, 11, 29, 20, 30)) == 0


def test_a_failing_mail_server_is_retried(mailoutbox, monkeypatch):
    dose_for(person())
    calls = []

    def refuse(self, fail_silently=False):
        calls.append(1)
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    schedule_due(now=at(2026, 11, 29, 20, 30))
    run_worker()
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts) == ("queued", 1)
    monkeypatch.undo()
    schedule_due(now=notice.due_at + dt.timedelta(seconds=1))
    run_worker()
    assert Notice.objects.get().status == "sent" and len(mailoutbox) == 1


def test_a_task_run_twice_sends_once(mailoutbox):
    dose_for(person())
    schedule_due(now=at(2026, 11, 29, 20, 30))
    notice = Notice.objects.get()
    deliver_notice.call(notice.pk)
    deliver_notice.call(notice.pk)
    assert len(mailoutbox) == 1


def test_a_notice_whose_task_was_lost_is_queued_again(mailoutbox):
    dose_for(person())
    schedule_due(now=at(2026, 11, 29, 20, 30))
    DBTaskResult.objects.all().delete()  # the worker holding it died
    assert schedule_due(now=at(2026, 11, 29, 20, 31)) == 0  # not yet stale
    assert schedule_due(now=at(2026, 11, 29, 20, 33)) == 1
    run_worker()
    assert len(mailoutbox) == 1


def test_the_warning_e_mail_waits_and_is_not_sent_for_an_undone_entry(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.WARNING_EMAIL_DELAY_SECONDS = 300
    user = UserFactory(email="ana@example.com", email_warnings=True)
    product = SupplementProductFactory(
        owner=user, label_basis="elemental", amount_per_serving_mg=Decimal("500")
    )
    with django_capture_on_commit_callbacks(execute=True):
        written = services.log_supplement(
            owner=user, product=product, servings=Decimal(1), day=services.person_today(user)
        )
    task = DBTaskResult.objects.get()
    assert task.run_after > timezone.now() + dt.timedelta(minutes=4)  # a few minutes later
    run_worker()
    assert mailoutbox == []  # not due yet
    services.delete_entry(entry=written.obj)
    DBTaskResult.objects.update(run_after=timezone.now())
    run_worker()
    assert mailoutbox == []


def test_healthz_queue_reports_a_stuck_queue(client, settings):
    assert client.get("/healthz/queue").status_code == 200
    dose_for(person())
    schedule_due(now=at(2026, 11, 29, 20, 30))
    assert client.get("/healthz/queue").status_code == 200  # just enqueued
    DBTaskResult.objects.update(enqueued_at=timezone.now() - dt.timedelta(minutes=10))
    response = client.get("/healthz/queue")
    assert response.status_code == 503 and b"queue stuck" in response.content
    run_worker()
    assert client.get("/healthz/queue").status_code == 200


def test_make_vapid_keys_prints_a_usable_pair(capsys):
    call_command("make_vapid_keys")
    out = capsys.readouterr().out
    assert out.startswith("DJANGO_VAPID_PUBLIC_KEY=") and "DJANGO_VAPID_PRIVATE_KEY=" in out


# --- A real Web Push message, decrypted by the test's own push service ------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _PushService(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def push_service():
    _PushService.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _PushService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/push/abc", _PushService.received
    server.shutdown()


def test_a_push_reminder_is_encrypted_for_the_subscription(settings, push_service):
    import http_ece
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from tracker.management.commands.make_vapid_keys import make_pair

    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = make_pair()
    endpoint, received = push_service
    browser_key = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    user = person(push_reminders=True)
    PushSubscription.objects.create(
        owner=user,
        endpoint=endpoint,
        p256dh=b64url(
            browser_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        ),
        auth=b64url(auth),
    )
    dose_for(user)
    schedule_due(now=at(2026, 11, 29, 20, 30))
    run_worker()
    assert Notice.objects.get().status == "sent"
    headers, body = received[0]
    headers = {name.lower(): value for name, value in headers.items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    plain = http_ece.decrypt(body, private_key=browser_key, auth_secret=auth, version="aes128gcm")
    message = json.loads(plain)
    assert message["title"] == "Time for 2 capsules of Magnesium glycinate"
    assert message["action_url"] == reverse("routine-push-action")
    assert message["token"]
