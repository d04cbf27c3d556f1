"""Two worker processes (`manage.py db_worker`) against PostgreSQL with 1,000 due reminders
send each exactly once, even with every task enqueued twice; a worker killed mid-batch loses
none (the scheduler queues its lost work again). PostgreSQL only, like test_concurrency.py:
SQLite serialises writers, so it would prove nothing about row locks."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from tests.factories import MagnesiumFormFactory
from tracker.models import Notice, NotificationSettings, RoutineDose, SupplementProduct
from tracker.tasks import enqueue_notice, schedule_due

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
PEOPLE, DOSES_EACH = 20, 50
DUE = dt.datetime(2026, 11, 29, 20, 30, tzinfo=dt.UTC)  # 21:30 in Berlin


@pytest.fixture(autouse=True)
def _database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def seed() -> None:
    form = MagnesiumFormFactory(name="Worker test glycinate", elemental_fraction=Decimal("0.141"))
    users = User.objects.bulk_create(
        User(
            username=f"worker{n}",
            email=f"worker{n}@example.com",
            timezone="Europe/Berlin",
            sex="male",
            date_of_birth=dt.date(1990, 1, 1),
        )
        for n in range(PEOPLE)
    )
    NotificationSettings.objects.bulk_create(
        NotificationSettings(owner=u, email_reminders=True) for u in users
    )
    products = SupplementProduct.objects.bulk_create(
        SupplementProduct(
            owner=u,
            name=f"Product {u.username}-{n}",
            form=form,
            label_basis="compound",
            amount_per_serving_mg=Decimal(1000),
            elemental_mg_per_serving=Decimal(141),
        )
        for u in users
        for n in range(DOSES_EACH)
    )
    RoutineDose.objects.bulk_create(
        RoutineDose(
            owner_id=p.owner_id,
            product=p,
            quantity=Decimal(1),
            unit="capsule",
            time=dt.time(21, 30),
            start_date=dt.date(2026, 1, 1),
        )
        for p in products
    )


def worker(mail_log: Path, *extra: str) -> subprocess.Popen:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "test-only-not-a-secret",
        "DATABASE_URL": url,
        "DJANGO_EMAIL_BACKEND": "tests.mail_log_backend.Backend",
        "MAIL_LOG": str(mail_log),
    }
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    return subprocess.Popen(
        [*command, "--interval", "0.2", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def sent_lines(mail_log: Path) -> list[str]:
    return mail_log.read_text().splitlines() if mail_log.exists() else []


def test_two_workers_send_each_of_1000_reminders_exactly_once(tmp_path):
    seed()
    assert schedule_due(now=DUE) == PEOPLE * DOSES_EACH
    for notice_id in Notice.objects.values_list("pk", flat=True):  # every task twice
        enqueue_notice(notice_id, now=DUE)
    mail_log = tmp_path / "mail.log"
    workers = [worker(mail_log, "--batch"), worker(mail_log, "--batch")]
    for process in workers:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err.decode()[-2000:]
    lines = sent_lines(mail_log)
    assert len(lines) == PEOPLE * DOSES_EACH
    assert len(set(lines)) == len(lines)
    assert Notice.objects.filter(status="sent").count() == PEOPLE * DOSES_EACH


def test_a_worker_killed_mid_batch_loses_no_reminder(tmp_path):
    seed()
    schedule_due(now=DUE)
    mail_log = tmp_path / "mail.log"
    first = worker(mail_log)
    deadline = time.monotonic() + 300
    while len(sent_lines(mail_log)) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    killed_at = len(sent_lines(mail_log))
    assert 200 <= killed_at < PEOPLE * DOSES_EACH
    # The scheduler's next pass queues again every notice whose task was lost with the worker.
    schedule_due(now=DUE + dt.timedelta(minutes=3))
    second = worker(mail_log, "--batch")
    _, err = second.communicate(timeout=600)
    assert second.returncode == 0, err.decode()[-2000:]
    lines = sent_lines(mail_log)
    assert len(set(lines)) == len(lines), "a reminder was sent twice"
    sending = Notice.objects.filter(status="sending").count()
    # At most the one the worker was sending when killed: recorded first, so never sent again
    # (whether its e-mail left before the kill is the mail server's secret).
    assert sending <= 1
    assert Notice.objects.filter(status="sent").count() == PEOPLE * DOSES_EACH - sending
    assert PEOPLE * DOSES_EACH - sending <= len(lines) <= PEOPLE * DOSES_EACH
