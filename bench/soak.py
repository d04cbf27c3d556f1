#!/usr/bin/env python
"""Issue 8's load run: mixed reads and writes on loopback, then rows in the database = writes.

`make soak` runs this. It starts gunicorn (config.wsgi, PostgreSQL, DEBUG off) on a free
127.0.0.1 port, seeds N fresh people with 90 days of history (`seed_bench`), signs each one in
over HTTP (log-in form, session and CSRF cookies), then drives wrk from a second process for
a bounded time (60 s by default, at most 120 s): one connection per person, each mixing the
dashboard, day, week and history pages with logging a supplement (POST, about 20 %).

Afterwards, with gunicorn stopped (every request in flight finished), it counts:
- errors: wrk's socket errors and timeouts, any response other than 200 to a read or other
  than a redirect to the entry's day (the dashboard for today) to a write, in wrk's view and
  in the server's access log, and any line in the server's error log;
- acknowledged writes: POSTs the server answered with a redirect to the entry's day (its
  access log), and the rows those people have in the database that the run added.
It prints one section, writes the same text between <!-- soak:start --> and <!-- soak:end -->
in BENCHMARKS.md (`make bench` keeps it), and exits 1 when there was an error or the rows
differ from the acknowledged writes.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import HOST, ROOT, bench_environment, median, setup_django  # noqa: E402
from bench.run import KEPT_SECTIONS, machine_facts  # noqa: E402

DEFAULT_DB_URL = "postgres://postgres@127.0.0.1:5432/mg_soak"
MAX_SECONDS = 120
SOAK_SCRIPT = Path(__file__).resolve().parent / "soak.lua"
PREFIX = "soak-"  # usernames: soak-<run stamp>-<n>
SOAK_NOTE = "soak-write"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - seed_bench's benchmark accounts
START_MARK, END_MARK = KEPT_SECTIONS[0]  # `make bench` keeps what is between them
# The request mix: (kind, weight in %, method); paths come from the URL configuration.
MIX = [("dashboard", 25, "GET"), ("day", 20, "GET"), ("week", 15, "GET"), ("history", 20, "GET")]
KINDS = {kind for kind, _, _ in MIX} | {"write"}
EXPECTED = {"GET": "200", "POST": "302"}
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s %({location}o)s"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--db-url", default=os.environ.get("SOAK_DATABASE_URL") or DEFAULT_DB_URL)
    add("--seconds", type=int, default=env_int("SOAK_SECONDS", 60), help=f"<= {MAX_SECONDS}")
    add("--people", type=int, default=env_int("SOAK_PEOPLE", 20), help="= wrk connections")
    add("--write-percent", type=int, default=env_int("SOAK_WRITE_PERCENT", 20))
    add("--workers", type=int, default=env_int("SOAK_WORKERS", 2))
    add("--threads", type=int, default=env_int("SOAK_THREADS", 4), help="gunicorn threads")
    add("--history-days", type=int, default=90, help="history seeded for each person")
    add("--days-written", type=int, default=7, help="the writes go to the last N days")
    add("--timeout", type=int, default=10, help="wrk's timeout per request, seconds")
    add("--output", default=str(ROOT / "BENCHMARKS.md"))
    add("--results-dir", default=str(ROOT / "bench-results"))
    add("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 1 and {MAX_SECONDS} (the run is bounded)")
    if not 1 <= args.people <= 64:
        parser.error("--people must be between 1 and 64")
    if not 0 <= args.write_percent <= 100:
        parser.error("--write-percent must be between 0 and 100")
    return args


def log(message: str) -> None:
    print(message, flush=True)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _program(pid: str) -> str:
    """A short name for a process: gunicorn, wrk, PostgreSQL, or its command's first words."""
    raw = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    argv = [a.decode(errors="replace") for a in raw if a]
    if not argv:
        return "kernel or other"
    if any("gunicorn" in a for a in argv[:3]):
        return "gunicorn (this run)"
    first = Path(argv[0].split()[0]).name
    if first.startswith("postgres"):
        return "PostgreSQL (every database on the server)"
    if first == "wrk":
        return "wrk (this run)"
    if first.startswith("python"):
        return " ".join(Path(a).name for a in argv[:3])[:60]
    return first[:60]


def cpu_by_program() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each program's processes, by PID."""
    tick = os.sysconf("SC_CLK_TCK")
    seconds: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            name = _program(entry.name)
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        seconds[f"{entry.name} {name}"] = (int(stat[11]) + int(stat[12])) / tick
    return seconds


def cpu_used_between(before: dict[str, float], after: dict[str, float]) -> list[tuple[str, float]]:
    """CPU seconds per program between two samples (processes alive at the second one)."""
    used: dict[str, float] = {}
    for key, total in after.items():
        name = key.split(" ", 1)[1]
        used[name] = used.get(name, 0.0) + total - before.get(key, 0.0)
    return sorted(((n, s) for n, s in used.items() if s >= 0.5), key=lambda x: -x[1])


# --- The database: created if missing, migrated, fresh people per run -------------------------


def prepare_database(db_url: str) -> None:
    import psycopg2

    parsed = urlparse(db_url)
    name = parsed.path.lstrip("/")
    if parsed.scheme not in ("postgres", "postgresql") or "soak" not in name:
        raise SystemExit(
            f"refusing {db_url!r}: a PostgreSQL database whose name contains 'soak' "
            "(the run deletes the soak-* people of earlier runs)"
        )
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing {db_url!r}: the load run stays on loopback")
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            log(f"Creating database {name}")
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def seed_people(args, stamp: str, today: date):
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from accounts.services import delete_account
    from tracker.models import SupplementKind, SupplementProduct

    old = list(User.objects.filter(username__startswith=PREFIX))
    if old:
        log(f"Deleting the {len(old)} people of earlier soak runs")
        for person in old:
            delete_account(user=person)  # the app's own deletion: entries first
    prefix = f"{PREFIX}{stamp}-"
    call_command(
        "seed_bench",
        users=args.people,
        days=args.history_days,
        entries_per_day=10,
        prefix=prefix,
        end=today.isoformat(),
        seed=8,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    people = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    products = {
        p.owner_id: p
        for p in SupplementProduct.objects.filter(
            owner__in=people, kind=SupplementKind.SUPPLEMENT
        ).order_by("-pk")
    }
    return [(person, products[person.pk]) for person in people]


def rows_of(people) -> tuple[int, int]:
    """(all entries of these people, entries carrying the soak note)."""
    from tracker.models import IntakeEntry

    entries = IntakeEntry.objects.filter(owner__in=[p for p, _ in people])
    return entries.count(), entries.filter(note=SOAK_NOTE).count()


# --- Signing in over HTTP ---------------------------------------------------------------------

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class SignedIn:
    username: str
    cookie: str
    csrf: str
    session_key: str


def sign_in(base: str, username: str, login_path: str, form_path: str) -> SignedIn:
    """The log-in form, as a browser fills it; then the logging form for a CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + login_path, timeout=60).read().decode()
    token = _TOKEN.search(page).group(1)
    body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    with opener.open(base + login_path, data=body.encode(), timeout=60) as response:
        if urlparse(response.url).path != "/":
            raise RuntimeError(f"{username}: log-in did not reach the dashboard ({response.url})")
    page = opener.open(base + form_path, timeout=60).read().decode()
    token = _TOKEN.search(page).group(1)
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies or "csrftoken" not in cookies:
        raise RuntimeError(f"{username}: no session or CSRF cookie after log-in: {sorted(cookies)}")
    return SignedIn(
        username,
        f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
        token,
        cookies["sessionid"],
    )


# --- wrk --------------------------------------------------------------------------------------


def write_plan(path: Path, args, signed, people, days: list[date], paths: dict[str, str]) -> None:
    reads = 100 - args.write_percent
    lines = []
    for who, (_, product) in zip(signed, people, strict=True):
        lines.append(f"person\t{who.cookie}\t{who.csrf}\t{product.pk}")
    lines += [f"day\t{d.isoformat()}" for d in days]
    read_total = sum(w for _, w, _ in MIX)
    for kind, weight, _ in MIX:
        share = round(weight * reads / read_total)
        if share:
            lines.append(f"read\t{kind}\t{share}\t{paths[kind]}")
    if args.write_percent:
        lines.append(f"write\twrite\t{args.write_percent}\t{paths['write']}")
    lines += [
        f"landing\t{paths['dashboard']}\texact",
        f"landing\t{day_prefix(paths)}\tprefix",
        f"note\t{SOAK_NOTE}",
        "seed\t8",
    ]
    for line in lines:
        if "\n" in line:
            raise ValueError(f"newline in a plan line: {line!r}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_wrk(base: str, plan: Path, *, seconds: int, connections: int, timeout: int) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if not base.startswith(f"http://{HOST}:"):
        raise SystemExit(f"refusing to load {base}: loopback only")
    command = [
        wrk,
        f"--threads={connections}",  # one connection per thread: one person per connection
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={timeout}s",
        f"--script={SOAK_SCRIPT}",
        base + "/",
    ]
    env = {"SOAK_PLAN": str(plan), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("SOAK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("SOAK_JSON "))
    data["stdout"] = done.stdout
    return data


# --- The server's access log ------------------------------------------------------------------


def day_prefix(paths: dict[str, str]) -> str:
    return paths["day"].split("{day}")[0]


def is_landing(location: str, paths: dict[str, str]) -> bool:
    """Where a logged entry redirects: its day page, or the dashboard for today."""
    return location == paths["dashboard"] or location.startswith(day_prefix(paths))


def classify(method: str, path: str, paths: dict[str, str]) -> str | None:
    if method == "POST":
        return "write" if path == paths["write"] else None
    if path == paths["dashboard"]:
        return "dashboard"
    if path.startswith(day_prefix(paths)):
        return "day"
    if path == paths["week"]:
        return "week"
    if path == paths["history"]:
        return "history"
    return None


def read_access_log(access_log: Path, offset: int, paths: dict[str, str]) -> dict:
    """Per kind: statuses and server times; writes acknowledged; unexpected lines."""
    kinds: dict[str, dict] = {}
    unexpected: list[str] = []
    acknowledged = 0
    with open(access_log, encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                unexpected.append(line.rstrip())
                continue
            method, path, status, micros = parts[:4]
            location = parts[4] if len(parts) > 4 else "-"
            kind = classify(method, path, paths) or f"other {method} {path}"
            entry = kinds.setdefault(kind, {"statuses": {}, "us": []})
            entry["statuses"][status] = entry["statuses"].get(status, 0) + 1
            entry["us"].append(int(micros))
            ok = status == EXPECTED.get(method) and kind in KINDS
            if kind == "write" and status == "302":
                ok = is_landing(location, paths)
                acknowledged += ok
            if not ok:
                unexpected.append(line.rstrip())
    return {"kinds": kinds, "unexpected": unexpected, "acknowledged": acknowledged}


def percentile(values: list[int], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- BENCHMARKS.md ----------------------------------------------------------------------------


def write_section(path: Path, text: str) -> None:
    """Put ``text`` between the soak markers, replacing what was there (or at the end)."""
    block = f"{START_MARK}\n{text.rstrip()}\n{END_MARK}"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(START_MARK)
    end = old.find(END_MARK, start) if start >= 0 else -1
    if start >= 0 and end >= 0:
        new = old[:start] + block + old[end + len(END_MARK) :]
    elif old:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    else:
        new = block + "\n"
    path.write_text(new, encoding="utf-8")


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    started_at = datetime.now(UTC)
    stamp = f"{started_at:%Y%m%d%H%M%S}"
    today = date.today()
    results_dir = Path(args.results_dir)
    results_dir.mkdir(exist_ok=True)
    prepare_database(args.db_url)
    setup_django(args.db_url)
    import django
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection, connections
    from django.urls import reverse

    log("migrate")
    call_command("migrate", verbosity=0)
    log("collectstatic (the manifest storage that production uses)")
    call_command("collectstatic", interactive=False, verbosity=0)
    people = seed_people(args, stamp, today)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    rows_before, marked_before = rows_of(people)
    days = [today - timedelta(days=n) for n in range(args.days_written)]
    paths = {
        "dashboard": reverse("dashboard"),
        "day": reverse("day", kwargs={"day": "2000-01-01"}).replace("2000-01-01", "{day}"),
        "week": reverse("week"),
        "history": reverse("history"),
        "write": reverse("entry-add"),
    }
    login_path = reverse("login")
    connections.close_all()

    access_log = results_dir / "soak-access.log"
    server_log = results_dir / "soak-gunicorn.log"
    access_log.write_text("")
    server_log.write_text("")
    plan = results_dir / f"soak-plan-{stamp}.tsv"
    from bench import load

    env = bench_environment(args.db_url)
    log(
        f"gunicorn: {args.workers} gthread workers x {args.threads} threads; "
        f"{len(people)} people sign in"
    )
    with load.gunicorn(
        env,
        workers=args.workers,
        worker_class="gthread",
        threads=args.threads,
        log_path=server_log,
        access_log=access_log,
        access_log_format=ACCESS_FORMAT,
    ) as (base, _pid):
        with ThreadPoolExecutor(max_workers=4) as pool:
            signed = list(
                pool.map(lambda p: sign_in(base, p[0].username, login_path, paths["write"]), people)
            )
        write_plan(plan, args, signed, people, days, paths)
        server_log_offset = server_log.stat().st_size
        offset = access_log.stat().st_size
        load_start = loadavg()
        cpu_start = cpu_times()
        programs_start = cpu_by_program()
        log(
            f"wrk: {len(people)} connections (one person each), {args.seconds} s, "
            f"{args.write_percent} % writes; load average {load_start}"
        )
        result = run_wrk(
            base, plan, seconds=args.seconds, connections=len(people), timeout=args.timeout
        )
        cpu_end = cpu_times()
        programs_end = cpu_by_program()
        load_end = loadavg()
        log("wrk done; stopping gunicorn (requests in flight finish first)")
    # gunicorn has stopped: every request it accepted has been answered and logged.
    plan.unlink()
    server = read_access_log(access_log, offset, paths)
    server_errors = [
        line
        for line in server_log.read_text(encoding="utf-8", errors="replace")[
            server_log_offset:
        ].splitlines()
        if line.strip()
    ]
    rows_after, marked_after = rows_of(people)
    added = rows_after - rows_before
    marked = marked_after - marked_before
    Session.objects.filter(session_key__in=[s.session_key for s in signed]).delete()

    # --- figures ---
    counts: dict[str, int] = result["counts"]
    wrk_unexpected = {
        key: n
        for key, n in counts.items()
        if key.split()[1] != (EXPECTED["POST"] if key.startswith("write ") else EXPECTED["GET"])
    }
    socket_errors = {k: v for k, v in result["errors"].items() if k != "status" and v}
    acknowledged = server["acknowledged"]
    wrk_acknowledged = counts.get("write 302", 0) - result["misdirected"]
    errors = (
        sum(socket_errors.values())
        + sum(wrk_unexpected.values())
        + result["misdirected"]
        + len(server["unexpected"])
        + len(server_errors)
    )
    lost = acknowledged - marked
    passed = errors == 0 and marked == acknowledged and added == acknowledged
    seconds = result["duration_us"] / 1e6
    busy = (cpu_end[0] - cpu_start[0]) / max(1, cpu_end[1] - cpu_start[1])
    by_program = cpu_used_between(programs_start, programs_end)
    server_total = sum(sum(k["statuses"].values()) for k in server["kinds"].values())

    def fmt_errors() -> str:
        parts = []
        if socket_errors:
            parts.append("wrk socket " + ", ".join(f"{k} {v}" for k, v in socket_errors.items()))
        if wrk_unexpected:
            parts.append(
                "wrk statuses " + ", ".join(f"{k}: {v}" for k, v in wrk_unexpected.items())
            )
        if result["misdirected"]:
            parts.append(f"writes redirected elsewhere {result['misdirected']}")
        if server["unexpected"]:
            parts.append(f"server log lines {len(server['unexpected'])}")
        if server_errors:
            parts.append(f"server error-log lines {len(server_errors)}")
        return f"**{errors}** ({'; '.join(parts)})" if parts else "**0**"

    summary_rows = [
        ["duration (wrk)", f"{seconds:.1f} s"],
        ["requests (wrk: responses received)", f"{result['requests']:,}"],
        ["requests (server access log)", f"{server_total:,}"],
        ["throughput", f"{result['requests'] / seconds:.1f} req/s"],
        [
            "latency p50 / p95 / p99 / max (wrk, all requests)",
            f"{result['p50_us'] / 1000:.1f} / {result['p95_us'] / 1000:.1f} / "
            f"{result['p99_us'] / 1000:.1f} / {result['max_us'] / 1000:.1f} ms",
        ],
        [
            "errors (socket errors, timeouts, 5xx, any unexpected status, server error log)",
            fmt_errors(),
        ],
        [
            "writes acknowledged (server: 302 to the entry's day or, for today, the dashboard)",
            f"**{acknowledged:,}**",
        ],
        ["of which wrk received before it stopped", f"{wrk_acknowledged:,}"],
        ["rows in the database written by the run (note `soak-write`)", f"**{marked:,}**"],
        [
            "all entries of these people: before / after (added)",
            f"{rows_before:,} / {rows_after:,} ({added:+,})",
        ],
        ["lost rows (acknowledged - in the database)", f"**{lost:,}**"],
        ["verdict", "**pass**" if passed else "**FAIL**"],
    ]
    kind_rows = []
    order = [k for k, _, _ in MIX] + ["write"]
    for kind in order + sorted(set(server["kinds"]) - set(order)):
        data = server["kinds"].get(kind)
        if not data:
            continue
        n = sum(data["statuses"].values())
        example = paths.get(kind, kind).replace("{day}", "<day>")
        method = "POST" if kind == "write" else "GET"
        kind_rows.append(
            [
                kind,
                f"`{method} {example}`",
                f"{n:,}",
                f"{n / server_total:.0%}",
                ", ".join(f"{s}: {c:,}" for s, c in sorted(data["statuses"].items())),
                f"{median(data['us']) / 1000:.1f} / {percentile(data['us'], 95) / 1000:.1f}"
                f" / {percentile(data['us'], 99) / 1000:.1f}",
            ]
        )
    command = "make soak"
    direct = f".venv/bin/python bench/soak.py --db-url {args.db_url} --seconds {args.seconds}"
    facts = machine_facts()
    machine = f"{facts['cpus']} CPUs ({facts['cpu']}), {facts['memory']} RAM"
    db_name = urlparse(args.db_url).path.lstrip("/")
    text = [
        "## Load run (issue 8): mixed reads and writes",
        "",
        f"Written by `{command}` (`{direct}`) on {started_at:%Y-%m-%d %H:%M} UTC; every number "
        "below is one the command printed. It exits non-zero on any error or when the rows "
        "differ from the acknowledged writes. `SOAK_SECONDS` sets the duration (at most "
        f'{MAX_SECONDS} s); README "Benchmarks" lists the other variables.',
        "",
        f"gunicorn `config.wsgi` on {HOST} (a free port), {args.workers} `gthread` workers x "
        f"{args.threads} threads, PostgreSQL {pg_version.split()[0]} (database `{db_name}`), "
        f"DEBUG off. {len(people)} fresh people (`seed_bench`: {args.history_days} days x 10 "
        "entries of history each) sign in through the log-in form; then wrk, a separate "
        f"process on loopback, keeps one connection per person for {args.seconds} s, with no "
        f"pause between requests, and wrk times a request out after {args.timeout} s. Each "
        "request is picked at random: "
        + ", ".join(
            f"{kind} {round(w * (100 - args.write_percent) / sum(x for _, x, _ in MIX))} %"
            for kind, w, _ in MIX
        )
        + f", and {args.write_percent} % logging one of the person's supplements (POST with "
        f"the CSRF token; 0.5, 1 or 2 servings, on one of the last {args.days_written} days, "
        "which the day pages read). Counted after gunicorn has stopped, so the requests in "
        "flight when wrk stopped are answered and logged.",
        "",
        table(
            ["", ""],
            [
                ["machine", machine],
                ["OS", facts["os"]],
                ["Python / Django", f"{facts['python']} / {django.get_version()}"],
                ["gunicorn / wrk", f"{facts['gunicorn']} / {facts['wrk']}"],
                ["load average (1/5/15 min) when the load started", load_start],
                ["load average when it stopped", load_end],
                [
                    "CPU busy during the load (whole machine, all processes)",
                    f"{busy:.0%} of {os.cpu_count()} CPUs x {seconds:.0f} s",
                ],
                [
                    "CPU seconds during the load, by program (alive at its end)",
                    ", ".join(f"{name} {used:.1f}" for name, used in by_program[:6]),
                ],
            ],
        ),
        "",
        table(["measure", "figure"], summary_rows),
        "",
        "Per request kind, from the server's access log (server time, without the queueing "
        "that wrk's latency includes):",
        "",
        table(
            ["kind", "request", "requests", "share", "statuses", "server p50 / p95 / p99 ms"],
            kind_rows,
        ),
    ]
    if server["unexpected"] or server_errors:
        text += ["", "Unexpected server log lines (first 20):", "", "```"]
        text += (server["unexpected"] + server_errors)[:20]
        text += ["```"]
    section = "\n".join(text) + "\n"
    print("\n" + section, flush=True)
    raw = {
        "args": vars(args),
        "wrk": {k: v for k, v in result.items() if k != "stdout"},
        "server": {k: v for k, v in server.items() if k != "kinds"},
        "server_kinds": {
            k: {"statuses": v["statuses"], "requests": len(v["us"])}
            for k, v in server["kinds"].items()
        },
        "server_errors": server_errors,
        "rows": {"before": rows_before, "after": rows_after, "marked": marked},
        "cpu_by_program": by_program,
        "acknowledged": acknowledged,
        "errors": errors,
        "passed": passed,
    }
    raw_path = results_dir / f"soak-{stamp}.json"
    raw_path.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    (results_dir / f"soak-{stamp}-wrk.txt").write_text(result["stdout"], encoding="utf-8")
    if not args.no_write:
        write_section(Path(args.output), section)
        log(f"Wrote the section between {START_MARK} and {END_MARK} in {args.output}")
    log(f"Raw figures: {raw_path}; server logs: {access_log}, {server_log}")
    if not passed:
        log(f"FAIL: {errors} errors, {acknowledged} writes acknowledged, {marked} rows")
        return 1
    log(f"pass: 0 errors, {acknowledged:,} writes acknowledged = {marked:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
