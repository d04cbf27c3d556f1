#!/usr/bin/env python
"""The load run: mixed reads and writes on loopback, then rows in the database = writes.

`make soak` runs this: gunicorn on a free 127.0.0.1 port, N fresh people (`seed_bench`) signed
in over HTTP, then wrk for a bounded time, one connection per person, mixing the pages with
logging a supplement. Counted after gunicorn has stopped (every request in flight answered):
errors (wrk's socket errors, unexpected statuses in wrk's view and the access log, error-log
lines) and acknowledged writes (redirects to the entry's day) against the rows added. Prints
one section, writes it between the soak markers of BENCHMARKS.md, exits 1 on any error or
when the rows differ from the acknowledged writes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import HOST, ROOT, log, median, para, percentile, table  # noqa: E402

MAX_SECONDS = 120
KNOBS = (  # (option, default, help); each also read from SOAK_<OPTION>
    ("db-url", "postgres://postgres@127.0.0.1:5432/mg_soak", ""),
    ("seconds", 60, f"<= {MAX_SECONDS}"), ("people", 20, "= wrk connections"),
    ("write-percent", 20, ""), ("workers", 2, ""), ("threads", 4, "gunicorn threads"),
    ("history-days", 90, "history seeded for each person"),
    ("days-written", 7, "the writes go to the last N days"),
    ("timeout", 10, "wrk's timeout per request, seconds"),
    ("output", str(ROOT / "BENCHMARKS.md"), ""), ("results-dir", str(ROOT / "bench-results"), ""),
)  # fmt: skip
BOUNDS = {"seconds": (1, MAX_SECONDS), "people": (1, 64), "write_percent": (0, 100)}
PREFIX = "soak-"  # usernames: soak-<run stamp>-<n>
SOAK_NOTE = "soak-write"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - seed_bench's benchmark accounts
# The request mix: (kind, weight in %); paths come from the URL configuration.
MIX = [("dashboard", 25), ("day", 20), ("week", 15), ("history", 20)]
KINDS = [kind for kind, _ in MIX] + ["write"]
EXPECTED = {"GET": "200", "POST": "302"}
TEXT = """## Load run: mixed reads and writes

Written by `make soak` (`.venv/bin/python bench/soak.py --db-url {a.db_url} --seconds
{a.seconds}`) on {at:%Y-%m-%d %H:%M} UTC; every number below is one the command printed. It exits
non-zero on any error or when the rows differ from the acknowledged writes. `SOAK_SECONDS` sets
the duration (at most {max_seconds} s); README "Benchmarks" lists the other variables.

gunicorn `config.wsgi` on {host} (a free port), {a.workers} `gthread` workers x {a.threads}
threads, PostgreSQL {pg} (database `{db}`), DEBUG off. {a.people} fresh people (`seed_bench`:
{a.history_days} days x 10 entries of history each) sign in through the log-in form; then wrk, a
separate process on loopback, keeps one connection per person for {a.seconds} s, with no pause
between requests, and wrk times a request out after {a.timeout} s. Each request is picked at
random: {mix}, and {a.write_percent} % logging one of the person's supplements (POST with the
CSRF token; 0.5, 1 or 2 servings, on one of the last {a.days_written} days, which the day pages
read). Counted after gunicorn has stopped, so the requests in flight when wrk stopped are
answered and logged."""


# --- CPU use while the load runs --------------------------------------------------------------


def _program(pid: str) -> str:
    """A short name for a process: gunicorn, wrk, PostgreSQL, or its command's first words."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    first = Path(argv[0].split()[0]).name if argv[0] else ""
    if not first:
        return "kernel or other"
    if any("gunicorn" in a for a in argv[:3]):
        return "gunicorn (this run)"
    if first.startswith("postgres"):
        return "PostgreSQL (every database on the server)"
    if first == "wrk":
        return "wrk (this run)"
    python = first.startswith("python")
    return (" ".join(Path(a).name for a in argv[:3] if a) if python else first)[:60]


def cpu_sample() -> tuple[int, int, dict[str, float]]:
    """Busy and total jiffies of all CPUs since boot (/proc/stat; idle and iowait are not busy),
    and the CPU seconds (user + system) each process has used, keyed "PID program"."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    seconds, tick = {}, os.sysconf("SC_CLK_TCK")
    for pid in (entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit()):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[f"{pid} {_program(pid)}"] = (int(stat[11]) + int(stat[12])) / tick
        except (OSError, IndexError):
            continue  # the process ended meanwhile
    return sum(fields) - fields[3] - fields[4], sum(fields), seconds


def cpu_used(before, after) -> tuple[float, list[tuple[str, float]]]:
    """The share of the machine busy between two samples, and CPU seconds per program (of the
    processes alive at the second one), most first."""
    used: dict[str, float] = {}
    for key, total in after[2].items():
        name = key.split(" ", 1)[1]
        used[name] = used.get(name, 0.0) + total - before[2].get(key, 0.0)
    busy = (after[0] - before[0]) / max(1, after[1] - before[1])
    return busy, sorted(((n, s) for n, s in used.items() if s >= 0.5), key=lambda x: -x[1])


# --- The database: created if missing, migrated, fresh people per run -------------------------


def prepare_database(db_url: str) -> None:
    parsed = urlparse(db_url)
    if parsed.scheme not in ("postgres", "postgresql") or "soak" not in parsed.path:
        raise SystemExit(
            f"refusing {db_url!r}: a PostgreSQL database whose name contains 'soak' "
            "(the run deletes the soak-* people of earlier runs)"
        )
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing {db_url!r}: the load run stays on loopback")
    name = common.db_name(db_url)
    if not common.maintenance(db_url, ("SELECT 1 FROM pg_database WHERE datname = %s", name))[0]:
        log(f"Creating database {name}")
        common.maintenance(db_url, ("CREATE DATABASE {}",))


def seed_people(args, stamp: str, today: date):
    """(person, one of their supplements) of N fresh people; those of earlier runs go."""
    from django.core.management import call_command

    from accounts.models import User
    from accounts.services import delete_account
    from tracker.models import SupplementKind, SupplementProduct

    for person in User.objects.filter(username__startswith=PREFIX):
        delete_account(user=person)  # the app's own deletion: entries first
    prefix = f"{PREFIX}{stamp}-"
    options = f"--users={args.people} --days={args.history_days} --entries-per-day=10 --seed=8"
    call_command("seed_bench", f"--prefix={prefix}", f"--end={today}", *options.split())
    common.sql("ANALYZE")
    people = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    supplements = SupplementProduct.objects.filter(owner__in=people, kind=SupplementKind.SUPPLEMENT)
    products = {p.owner_id: p for p in supplements.order_by("-pk")}
    return [(person, products[person.pk]) for person in people]


def rows_of(people) -> tuple[int, int]:
    """(all entries of these people, entries carrying the soak note)."""
    from tracker.models import IntakeEntry

    entries = IntakeEntry.objects.filter(owner__in=[p for p, _ in people])
    return entries.count(), entries.filter(note=SOAK_NOTE).count()


def sign_in(base: str, username: str, login_path: str, form_path: str) -> tuple[str, str, str]:
    """The log-in form, as a browser fills it; then the logging form for a CSRF token.

    Returns (cookie header, CSRF token, session key)."""
    browser = common.Browser(timeout=60)
    form = {"username": username, "password": PASSWORD}
    status, landed, _ = browser.post(base + login_path, base + login_path, form)
    if urlparse(landed).path != "/":
        raise RuntimeError(f"{username}: log-in did not reach the dashboard ({status} {landed})")
    csrf, cookies = browser.csrf(base + form_path), browser.cookies()
    if "sessionid" not in cookies or "csrftoken" not in cookies:
        raise RuntimeError(f"{username}: no session or CSRF cookie after log-in: {sorted(cookies)}")
    session = cookies["sessionid"]
    return f"sessionid={session}; csrftoken={cookies['csrftoken']}", csrf, session


def read_shares(args) -> list[tuple[str, int]]:
    """The share in % of each kind of read, out of the requests that are not writes."""
    return [(k, round(w * (100 - args.write_percent) / sum(x for _, x in MIX))) for k, w in MIX]


def plan_lines(args, signed, people, paths: dict[str, str]) -> list[tuple[str, ...]]:
    """The plan bench/wrk.lua reads (see there)."""
    lines = [
        ("person", cookie, csrf, str(p.pk))
        for (cookie, csrf, _), (_, p) in zip(signed, people, strict=True)
    ]
    lines += [
        ("day", (date.today() - timedelta(days=n)).isoformat()) for n in range(args.days_written)
    ]
    for kind, share in read_shares(args):
        if share:
            lines.append(("read", kind, str(share), paths[kind]))
    if args.write_percent:
        lines.append(("write", "write", str(args.write_percent), paths["write"]))
    return lines + [
        ("landing", paths["dashboard"], "exact"), ("landing", paths["day_prefix"], "prefix"),
        ("note", SOAK_NOTE), ("seed", "8"),
    ]  # fmt: skip


def read_access_log(access_log: Path, offset: int, paths: dict[str, str]) -> dict:
    """Per kind: statuses and server times; writes acknowledged; unexpected lines."""

    def kind_of(method: str, path: str) -> str | None:
        if method == "POST":
            return "write" if path == paths["write"] else None
        if path.startswith(paths["day_prefix"]):
            return "day"
        return next((k for k in ("dashboard", "week", "history") if path == paths[k]), None)

    kinds, unexpected, acknowledged = {}, [], 0
    for line, parts in common.access_log_lines(access_log, offset):
        if len(parts) < 4:
            unexpected.append(line)
            continue
        method, path, status, micros = parts[:4]
        kind = kind_of(method, path) or f"other {method} {path}"
        entry = kinds.setdefault(kind, {"statuses": {}, "us": []})
        entry["statuses"][status] = entry["statuses"].get(status, 0) + 1
        entry["us"].append(int(micros))
        ok = status == EXPECTED.get(method) and kind in KINDS
        if kind == "write" and status == "302":
            # Where a logged entry redirects: its day page, or the dashboard for today.
            location = parts[4] if len(parts) > 4 else "-"
            ok = location == paths["dashboard"] or location.startswith(paths["day_prefix"])
            acknowledged += ok
        if not ok:
            unexpected.append(line)
    return {"kinds": kinds, "unexpected": unexpected, "acknowledged": acknowledged}


# --- The run ---------------------------------------------------------------------------------


def drive(args, people, paths: dict[str, str], login_path: str, stamp: str) -> SimpleNamespace:
    """gunicorn; everyone signs in; wrk for args.seconds. Returns what wrk and the server saw,
    read after gunicorn has stopped: every request it accepted has been answered and logged."""
    results_dir = Path(args.results_dir)
    access_log, server_log = results_dir / "soak-access.log", results_dir / "soak-gunicorn.log"
    for empty in (access_log, server_log):
        empty.write_text("")
    log(f"gunicorn: {args.workers} x {args.threads} threads; {len(people)} people sign in")
    server = (args.db_url, args.workers, "gthread", args.threads, server_log, access_log)
    with common.gunicorn(*server, extra_format="%({location}o)s") as base:
        with ThreadPoolExecutor(max_workers=4) as pool:
            sign = lambda p: sign_in(base, p[0].username, login_path, paths["write"])  # noqa: E731
            signed = list(pool.map(sign, people))
        plan = common.write_plan(
            plan_lines(args, signed, people, paths), results_dir / f"soak-plan-{stamp}.tsv"
        )
        # gunicorn logs a request after answering it: wait for the last sign-in requests (the
        # logging form), so that none of them lands among the load's lines.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(people) > sum(
            parts[:2] == ["GET", paths["write"]]
            for _, parts in common.access_log_lines(access_log, 0)
        ):
            time.sleep(0.1)
        server_log_offset, offset = server_log.stat().st_size, access_log.stat().st_size
        load_start, cpu_start = common.loadavg(), cpu_sample()
        log(f"wrk: {len(people)} connections, {args.seconds} s, {args.write_percent} % writes")
        n = len(people)  # one connection per thread: one person per connection
        wrk = common.run_wrk(base, plan, seconds=args.seconds, connections=n, threads=n,
                             timeout=args.timeout)  # fmt: skip
        busy, by_program = cpu_used(cpu_start, cpu_sample())
        load_end = common.loadavg()
        log("wrk done; stopping gunicorn (requests in flight finish first)")
    plan.unlink()
    server_text = server_log.read_text(encoding="utf-8", errors="replace")[server_log_offset:]
    return SimpleNamespace(
        wrk=wrk, server=read_access_log(access_log, offset, paths),
        server_errors=[line for line in server_text.splitlines() if line.strip()],
        sessions=[key for _, _, key in signed], load_start=load_start, load_end=load_end,
        busy=busy, by_program=by_program, logs=(access_log, server_log),
    )  # fmt: skip


def tally(run: SimpleNamespace, rows: dict[str, int]) -> SimpleNamespace:
    """Errors, acknowledged writes and rows; passed when no error and rows = acknowledged."""
    wrk, server = run.wrk, run.server
    wrk_unexpected = {
        key: n
        for key, n in wrk["counts"].items()
        if key.split()[1] != (EXPECTED["POST"] if key.startswith("write ") else EXPECTED["GET"])
    }
    socket_errors = {k: v for k, v in wrk["errors"].items() if k != "status" and v}
    problems = {
        "wrk socket": ", ".join(f"{k} {v}" for k, v in socket_errors.items()),
        "wrk statuses": ", ".join(f"{k}: {v}" for k, v in wrk_unexpected.items()),
        "writes redirected elsewhere": wrk["misdirected"],
        "server log lines": len(server["unexpected"]),
        "server error-log lines": len(run.server_errors),
    }
    errors = sum(socket_errors.values()) + sum(wrk_unexpected.values())
    errors += wrk["misdirected"] + len(server["unexpected"]) + len(run.server_errors)
    acknowledged = server["acknowledged"]
    return SimpleNamespace(
        errors=errors,
        error_text="; ".join(f"{name} {what}" for name, what in problems.items() if what),
        acknowledged=acknowledged,
        wrk_acknowledged=wrk["counts"].get("write 302", 0) - wrk["misdirected"],
        passed=errors == 0 and rows["marked"] == acknowledged == rows["added"],
    )


def kind_rows(server: dict, paths: dict[str, str]) -> list[str]:
    """Per request kind: its requests, share, statuses and server time percentiles."""
    rows, total = [], sum(sum(k["statuses"].values()) for k in server["kinds"].values())
    for kind in KINDS + sorted(set(server["kinds"]) - set(KINDS)):
        if data := server["kinds"].get(kind):
            n, us = sum(data["statuses"].values()), data["us"]
            request = f"{'POST' if kind == 'write' else 'GET'} {paths.get(kind, kind)}"
            times = (median(us), percentile(us, 95), percentile(us, 99))
            times = " / ".join(f"{x / 1000:.1f}" for x in times)
            rows.append(f"{kind}|`{request.replace('{day}', '<day>')}`|{n:,}|{n / total:.0%}|"
                        f"{common.counts(data['statuses'])}|{times}")  # fmt: skip
    return rows


def report(args, run, t, rows: dict[str, int], paths, pg_version: str, started_at) -> str:
    """The section of BENCHMARKS.md between the soak markers (printed too)."""
    wrk, server, seconds = run.wrk, run.server, run.wrk["seconds"]
    server_total = sum(sum(k["statuses"].values()) for k in server["kinds"].values())
    figures = [
        f"duration (wrk)|{seconds:.1f} s",
        f"requests (wrk: responses received)|{wrk['requests']:,}",
        f"requests (server access log)|{server_total:,}",
        f"throughput|{wrk['requests'] / seconds:.1f} req/s",
        "latency p50 / p95 / p99 / max (wrk, all requests)|"
        "{p50_ms:.1f} / {p95_ms:.1f} / {p99_ms:.1f} / {max_ms:.1f} ms".format(**wrk),
        "errors (socket errors, timeouts, 5xx, any unexpected status, server error log)|"
        + (f"**{t.errors}** ({t.error_text})" if t.error_text else "**0**"),
        "writes acknowledged (server: 302 to the entry's day or, for today, the dashboard)|"
        f"**{t.acknowledged:,}**",
        f"of which wrk received before it stopped|{t.wrk_acknowledged:,}",
        f"rows in the database written by the run (note `{SOAK_NOTE}`)|**{rows['marked']:,}**",
        "all entries of these people: before / after (added)|"
        f"{rows['before']:,} / {rows['after']:,} ({rows['added']:+,})",
        f"lost rows (acknowledged - in the database)|**{t.acknowledged - rows['marked']:,}**",
        f"verdict|{'**pass**' if t.passed else '**FAIL**'}",
    ]
    machine = [
        *common.machine_rows().values(),
        f"load average (1/5/15 min) when the load started|{run.load_start}",
        f"load average when it stopped|{run.load_end}",
        "CPU busy during the load (whole machine, all processes)|"
        f"{run.busy:.0%} of {os.cpu_count()} CPUs x {seconds:.0f} s",
        "CPU seconds during the load, by program (alive at its end)|"
        + ", ".join(f"{name} {used:.1f}" for name, used in run.by_program[:6]),
    ]
    mix = ", ".join(f"{kind} {share} %" for kind, share in read_shares(args))
    unexpected = "\n".join((server["unexpected"] + run.server_errors)[:20])
    return common.section(
        para(TEXT, a=args, at=started_at, host=HOST, pg=pg_version.split()[0], mix=mix,
             db=common.db_name(args.db_url), max_seconds=MAX_SECONDS),
        table("|", machine), table("measure|figure", figures),
        "Per request kind, from the server's access log (server time, without the queueing "
        "that wrk's latency includes):",
        table("kind|request|requests|share|statuses|server p50 / p95 / p99 ms",
              kind_rows(server, paths)),
        f"Unexpected server log lines (first 20):\n\n```\n{unexpected}\n```" if unexpected else "",
    )  # fmt: skip


def main() -> int:
    args = common.parse_args(
        __doc__, "SOAK", KNOBS, [("no-write", "print only; leave BENCHMARKS.md alone")]
    )
    for name, (low, high) in BOUNDS.items():
        if not low <= getattr(args, name) <= high:
            raise SystemExit(f"--{name.replace('_', '-')} must be between {low} and {high}")
    started_at = datetime.now(UTC)
    stamp, results_dir = f"{started_at:%Y%m%d%H%M%S}", Path(args.results_dir)
    results_dir.mkdir(exist_ok=True)
    prepare_database(args.db_url)
    pg_version = common.setup_django(args.db_url, migrate=True)
    from django.contrib.sessions.models import Session
    from django.db import connections
    from django.urls import reverse

    people = seed_people(args, stamp, date.today())
    rows_before, marked_before = rows_of(people)
    paths = {kind: reverse(kind) for kind in ("dashboard", "week", "history")}
    paths["day"] = reverse("day", kwargs={"day": "2000-01-01"}).replace("2000-01-01", "{day}")
    paths["day_prefix"], paths["write"] = paths["day"].split("{day}")[0], reverse("entry-add")
    connections.close_all()

    run = drive(args, people, paths, reverse("login"), stamp)
    rows_after, marked_after = rows_of(people)
    rows = {"before": rows_before, "after": rows_after, "marked": marked_after - marked_before}
    rows["added"] = rows_after - rows_before
    Session.objects.filter(session_key__in=run.sessions).delete()
    t = tally(run, rows)
    text = report(args, run, t, rows, paths, pg_version, started_at)
    raw = {
        "args": vars(args), "wrk": {k: v for k, v in run.wrk.items() if k != "stdout"},
        "server_kinds": {k: v["statuses"] for k, v in run.server["kinds"].items()},
        "server_unexpected": run.server["unexpected"], "server_errors": run.server_errors,
        "rows": rows, "cpu_by_program": run.by_program, **vars(t),
    }  # fmt: skip
    raw_path = results_dir / f"soak-{stamp}.json"
    raw_path.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    (results_dir / f"soak-{stamp}-wrk.txt").write_text(run.wrk["stdout"], encoding="utf-8")
    if not args.no_write:
        output = Path(args.output)
        output.write_text(common.replace_section(output, text), encoding="utf-8")
        log(f"Wrote the section between %s and %s in {args.output}" % common.SOAK_MARKS)
    log(f"Raw figures: {raw_path}; server logs: {run.logs[0]}, {run.logs[1]}")
    if not t.passed:
        log(f"FAIL: {t.errors} errors, {t.acknowledged} writes acknowledged, {rows['marked']} rows")
        return 1
    log(f"pass: 0 errors, {t.acknowledged:,} writes acknowledged = {rows['marked']:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
