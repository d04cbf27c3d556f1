#!/usr/bin/env python
"""Two app servers, one PostgreSQL, one Redis, two task workers: nothing stale, nothing twice.

`make scale-check` runs this (README "Several app servers"): it (re)creates one PostgreSQL
database, starts two gunicorns on free loopback ports and two `manage.py db_worker`s, all with
the same REDIS_URL, and checks that

1. a person signed in on server A, logging an entry on one server and reading the dashboard on
   the other, round after round, never gets a stale page (the page cache and the sessions are
   shared);
2. five wrong passwords on A lock the account out on A and on B (django-axes answers 429);
3. 1,000 due reminders, each task enqueued twice, go out exactly once across the two workers.

It prints a table of figures, exits 1 on any failure, and stops every process it started
(process groups, in a finally) within --timeout seconds. Its Redis keys (its own prefix) and,
unless --keep-db, its database are removed at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import HOST, log, table  # noqa: E402

KNOBS = (  # (option, default, help); each also read from SCALE_<OPTION>
    ("db-url", "postgres://postgres@127.0.0.1:5432/mgs_scale", "a database named mgs_*"),
    ("redis-url", "redis://127.0.0.1:6379/13", "also read from REDIS_URL"),
    ("rounds", 50, "log-then-read rounds across the two servers"),
    ("timeout", 240, "seconds before everything is stopped and the check fails"),
)
PEOPLE, DOSES_EACH = 20, 50  # 1,000 reminders
REMINDERS = PEOPLE * DOSES_EACH
DUE = dt.datetime(2026, 11, 29, 20, 30, tzinfo=dt.UTC)  # the doses' 21:30 in Berlin
PASSWORD = "scale-check-password-not-secret"  # noqa: S105 - throwaway accounts
MG_PER_SERVING = 10
ENTRIES = re.compile(r'id="entries-heading"[^>]*>Entries \((\d+)\)')
SUPPLEMENT_MG = re.compile(r'data-testid="supplement-mg">([^<]*)<')


# --- Data --------------------------------------------------------------------------------------


def seed(stamp: str):
    """Two people for the pages and the lock-out; 20 x 50 due doses for the reminders."""
    from accounts.models import User
    from tracker.models import (
        MagnesiumForm,
        NotificationSettings,
        RoutineDose,
        SupplementProduct,
    )

    form, _ = MagnesiumForm.objects.get_or_create(
        name="Scale check glycinate",
        defaults={
            "short_name": "scale", "formula": "MgX", "molar_mass_g_per_mol": Decimal("172.40"),
            "elemental_fraction": Decimal("0.141"), "source": "scale check",
        },
    )  # fmt: skip
    profile = {"timezone": "UTC", "sex": "male", "date_of_birth": dt.date(1990, 1, 1)}
    reader = User.objects.create_user(f"scale-{stamp}-reader", password=PASSWORD, **profile)
    locked = User.objects.create_user(f"scale-{stamp}-locked", password=PASSWORD, **profile)
    product = SupplementProduct.objects.create(
        owner=reader, name="Scale check capsules", form=form, label_basis="elemental",
        amount_per_serving_mg=Decimal(MG_PER_SERVING),
        elemental_mg_per_serving=Decimal(MG_PER_SERVING),
    )  # fmt: skip
    users = User.objects.bulk_create(
        User(username=f"scale-{stamp}-w{n}", email=f"scale-w{n}@example.com",
             timezone="Europe/Berlin", sex="male", date_of_birth=dt.date(1990, 1, 1))
        for n in range(PEOPLE)
    )  # fmt: skip
    NotificationSettings.objects.bulk_create(
        NotificationSettings(owner=u, email_reminders=True) for u in users
    )
    products = SupplementProduct.objects.bulk_create(
        SupplementProduct(
            owner=u, name=f"Product {u.username}-{n}", form=form, label_basis="compound",
            amount_per_serving_mg=Decimal(1000), elemental_mg_per_serving=Decimal(141),
        )
        for u in users
        for n in range(DOSES_EACH)
    )  # fmt: skip
    RoutineDose.objects.bulk_create(
        RoutineDose(owner_id=p.owner_id, product=p, quantity=Decimal(1), unit="capsule",
                    time=dt.time(21, 30), start_date=dt.date(2026, 1, 1))
        for p in products
    )  # fmt: skip
    return reader, locked, product


# --- The three checks ----------------------------------------------------------------------------


def check_pages(bases, reader, product, rounds: int, deadline: float) -> dict:
    from django.urls import reverse

    browser = common.Browser()
    login, dashboard, add = reverse("login"), reverse("dashboard"), reverse("entry-add")
    status, landed, _ = browser.post(
        bases[0] + login, bases[0] + login, {"username": reader.username, "password": PASSWORD}
    )
    if status != 200 or not landed.endswith(dashboard):
        raise RuntimeError(f"sign-in on A failed: {status} at {landed}")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    stale, failed, done = [], [], 0
    for n in range(1, rounds + 1):
        if time.monotonic() > deadline:
            failed.append(f"round {n}: out of time")
            break
        writer, reader_base = (bases[0], bases[1]) if n % 2 else (bases[1], bases[0])
        data = {"product": product.pk, "servings": "1", "day": today, "confirm_large": "on",
                "note": f"scale round {n}"}  # fmt: skip
        status, landed, _ = browser.post(writer + add, writer + add, data)
        if status != 200 or landed.removeprefix(writer) != dashboard:
            failed.append(f"round {n}: logging on {writer} answered {status} at {landed}")
            continue
        status, _, page = browser.open(reader_base + dashboard)
        entries, mg = ENTRIES.search(page), SUPPLEMENT_MG.search(page)
        if status != 200 or not entries or not mg:
            failed.append(f"round {n}: dashboard on {reader_base} answered {status}")
            continue
        shown_mg = int(Decimal(re.sub(r"[^\d.]", "", mg.group(1)) or "0"))
        if int(entries.group(1)) != n or shown_mg != n * MG_PER_SERVING:
            stale.append(f"round {n}: {entries.group(1)} entries, {mg.group(1)!r}")
        done += 1
    return {"rounds": done, "stale": stale, "failed": failed}


def check_lockout(bases, locked) -> dict:
    from django.urls import reverse

    login, browser = reverse("login"), common.Browser()
    wrong = {"username": locked.username, "password": "wrong-" + PASSWORD}
    wrong_statuses = [browser.post(bases[0] + login, bases[0] + login, wrong)[0] for _ in range(5)]
    right = {"username": locked.username, "password": PASSWORD}
    answers = {}
    for name, base in (("B", bases[1]), ("A", bases[0])):
        status, _, page = common.Browser().post(base + login, base + login, right)
        answers[name] = (status, reverse("signin_link") in page)
    return {"wrong": wrong_statuses, "answers": answers}


def check_reminders(mail_log: Path, procs: common.Processes, deadline: float) -> dict:
    from django_tasks_db.models import DBTaskResult

    from tracker.models import Notice
    from tracker.tasks import enqueue_notice, schedule_due

    started = time.monotonic()
    first = schedule_due(now=DUE)
    for notice_id in Notice.objects.values_list("pk", flat=True):  # every task a second time
        enqueue_notice(notice_id, now=DUE)
    tasks = DBTaskResult.objects.filter(task_path="tracker.tasks.deliver_notice")
    enqueued, timed_out = tasks.count(), False
    while tasks.filter(status__in=("READY", "RUNNING")).exists():
        procs.check_alive()
        if time.monotonic() > deadline:
            timed_out = True
            break
        time.sleep(0.5)
    seconds = time.monotonic() - started
    lines = [
        line
        for line in (mail_log.read_text().splitlines() if mail_log.exists() else [])
        if "|Time for " in line
    ]
    return {
        "scheduled": first, "enqueued": enqueued, "sent": len(lines),
        "duplicates": len(lines) - len(set(lines)), "seconds": seconds, "timed_out": timed_out,
        "notices_sent": Notice.objects.filter(status=Notice.Status.SENT).count(),
        "tasks_failed": tasks.filter(status="FAILED").count(),
    }  # fmt: skip


def abort(procs: common.Processes) -> None:
    procs.signal(signal.SIGKILL)
    print("FAIL: out of time; every process killed", file=sys.stderr, flush=True)
    os._exit(3)


# --- The run -------------------------------------------------------------------------------------


def delete_redis_keys(redis_url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    client.close()
    return len(keys)


def environment(args, prefix: str, mail_log: Path) -> dict[str, str]:
    """The benchmark's environment without the bench app, with Redis, the database task
    backend and an e-mail backend that logs each message to mail_log."""
    env = {
        **common.bench_environment(args.db_url),
        "REDIS_URL": args.redis_url,
        "DJANGO_CACHE_KEY_PREFIX": prefix,
        "DJANGO_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_EMAIL_BACKEND": "tests.mail_log_backend.Backend",
        "MAIL_LOG": str(mail_log),
        "DJANGO_CONN_MAX_AGE": "0",
    }
    for name in ("DJANGO_BENCH", "DJANGO_BENCH_VIEWS"):
        env.pop(name)
    return env


def run_checks(args, procs, env: dict, people, deadline: float) -> tuple[dict, ...]:
    """Two gunicorns and two db_workers, then the three checks: their figures."""
    bases = [f"http://{HOST}:{common.free_port()}" for _ in "AB"]
    for name, base in zip("AB", bases, strict=True):
        procs.start(f"gunicorn-{name}", common.gunicorn_command(base, 2), env)
    for n in (1, 2):
        procs.start(f"worker-{n}", [
            sys.executable, "manage.py", "db_worker", "--queue-name", "default",
            "--no-reload", "--no-startup-delay", "--interval", "0.2", "--worker-id", f"scale-{n}",
        ], env)  # fmt: skip
    for base in bases:
        procs.wait_healthy(base, min(deadline, time.monotonic() + 60))
    log(f"A {bases[0]}, B {bases[1]}, 2 db_workers; {args.rounds} rounds across A and B")
    t0 = time.monotonic()
    pages = check_pages(bases, people[0], people[2], args.rounds, deadline)
    pages["seconds"] = time.monotonic() - t0
    log("lock-out: 5 wrong passwords on A, then the right one on B and on A")
    lockout = check_lockout(bases, people[1])
    log(f"reminders: {REMINDERS} due, each task enqueued twice, 2 workers")
    reminders = check_reminders(Path(env["MAIL_LOG"]), procs, deadline)
    procs.check_alive()
    return pages, lockout, reminders


def verdicts(args, pages, lockout, reminders, failures: list[str]) -> list[str]:
    """The rows of the table; each failure is added to ``failures``."""
    rows = []
    if pages:
        rows += [
            f"rounds (log on one server, dashboard on the other)|{pages['rounds']} of "
            f"{args.rounds} ({pages['seconds']:.1f} s)",
            f"stale dashboards|**{len(pages['stale'])}**",
        ]
        failures += pages["stale"][:5] + pages["failed"][:5]
        if pages["rounds"] != args.rounds:
            failures.append(f"only {pages['rounds']} of {args.rounds} rounds completed")
    if lockout:
        rows.append(f"lock-out: 5 wrong passwords on A answered|{lockout['wrong']}")
        for name, (status, link) in lockout["answers"].items():
            held = status == 429 and link
            rows.append(f"lock-out: right password on {name}|{status} "
                        f"({'locked' if held else 'NOT locked'})")  # fmt: skip
            if not held:
                failures.append(f"lock-out does not hold on {name}: {status}")
    if r := reminders:
        rows += [
            f"reminders due / tasks enqueued|{REMINDERS:,} / {r['enqueued']:,}",
            "reminders sent (e-mails) / notices marked sent|"
            f"**{r['sent']:,}** / {r['notices_sent']:,}",
            f"duplicate e-mails|**{r['duplicates']}**",
            f"seconds until the queue was empty|{r['seconds']:.1f}"
            + (" (**timed out**, tasks left)" if r["timed_out"] else ""),
        ]
        if r["timed_out"]:
            failures.append("the task queue was not empty in time")
        if not (r["sent"] == r["notices_sent"] == REMINDERS and r["duplicates"] == 0):
            failures.append(f"reminders: {r['sent']} sent, {r['duplicates']} duplicates")
        if r["scheduled"] != REMINDERS or r["tasks_failed"]:
            failures.append(f"scheduled {r['scheduled']}, failed tasks {r['tasks_failed']}")
    return rows


def main() -> int:
    args = common.parse_args(__doc__, "SCALE", KNOBS, [("keep-db", "leave the database")])
    args.redis_url = os.environ.get("REDIS_URL") or args.redis_url
    if not common.db_name(args.db_url).startswith("mgs_"):
        raise SystemExit("--db-url: the database's name must start with mgs_")
    began = time.monotonic()
    deadline = began + args.timeout
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{os.getpid()}"
    prefix, work = f"mgscale-{stamp}", Path(tempfile.mkdtemp(prefix="scale-check-"))
    env = environment(args, prefix, work / "mail.log")
    log(f"database {common.db_name(args.db_url)}: drop, create")
    drop = ("DROP DATABASE IF EXISTS {} WITH (FORCE)",)
    common.maintenance(args.db_url, drop, ("CREATE DATABASE {}",))
    common.setup_django(args.db_url, migrate=True, env=env)
    from django.db import connections

    people = seed(stamp)
    connections.close_all()
    procs, failures = common.Processes(work), []
    # A last resort, should a request or a query hang past every timeout: kill what was
    # started, then exit (the Redis keys and the database stay until the next run).
    timer = threading.Timer(args.timeout - (time.monotonic() - began) + 30, abort, [procs])
    timer.daemon = True
    timer.start()
    try:
        figures = run_checks(args, procs, env, people, deadline)
    except Exception as error:  # noqa: BLE001 - reported, and the check fails
        failures.append(f"{type(error).__name__}: {error}")
        figures = (None, None, None)
    finally:
        procs.stop()
        connections.close_all()
        removed = delete_redis_keys(args.redis_url, prefix)
        if not args.keep_db:
            common.maintenance(args.db_url, drop)
        timer.cancel()
    rows = verdicts(args, *figures, failures) + [
        f"Redis keys removed (prefix {prefix})|{removed:,}",
        f"total seconds|{time.monotonic() - began:.1f}",
        f"verdict|{'**FAIL**' if failures else '**pass**'}",
    ]
    print("\n" + table("scale check|figure", rows), flush=True)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if failures:
        print(f"logs: {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
