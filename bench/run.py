#!/usr/bin/env python
"""The whole benchmark, against PostgreSQL: `make bench` runs this and rewrites BENCHMARKS.md.

1. Server time and query count of the dashboard, a day page, a week page, history and the
   export, for a person with 30 days of history and one with 5 years, side by side.
2. Dashboard throughput and latency under concurrent load on gunicorn (wrk on loopback),
   alternating with a minimal view that goes through the same middleware.
3. Logging an entry under the same load (POST with CSRF token and session cookie).
4. Peak memory and time of exporting 30 days vs 5 years of entries.
5. EXPLAIN (ANALYZE, BUFFERS) of the SQL the pages really run, at the population's scale.

Every table is printed as it is measured and the file is exactly the printed tables, plus
the sections other commands write between markers (KEPT_SECTIONS), which it keeps as they are.
The data is seeded once per scale and day (the database comment records what it holds) and
reused by later runs on the same day; --reseed starts from an empty database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    DEFAULT_DB_URL,
    LONG_PREFIX,
    POPULATION_PREFIX,
    ROOT,
    SHORT_PREFIX,
    WRITE_NOTE,
    bench_environment,
    fmt_ms,
    median,
    setup_django,
)

MARKER_VERSION = "magnesium-bench v1"
FLATNESS_TARGET = 1.2
THROUGHPUT_TARGET = 0.5
UNCACHED_REQUESTS = 30_000
"""Distinct request lines in each uncached run: more than a run sends (at most ~300 req/s)."""
READ_RUNS = ("minimal", "dashboard", "week", "dashboard uncached", "week uncached")
GROUP_SIZE = 20  # people seeded with the 5-year (and the 30-day) history
# Sections of BENCHMARKS.md that other commands write (bench/soak.py, `make soak`): a rerun
# of this benchmark keeps them, unchanged, after its own tables.
KEPT_SECTIONS = (("<!-- soak:start -->", "<!-- soak:end -->"),)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--db-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DB_URL)
    add("--users", type=int, default=env_int("BENCH_USERS", 1000))
    add("--days", type=int, default=env_int("BENCH_DAYS", 365))
    add("--entries-per-day", type=int, default=env_int("BENCH_ENTRIES_PER_DAY", 10))
    add("--long-days", type=int, default=env_int("BENCH_LONG_DAYS", 1826))
    add("--short-days", type=int, default=env_int("BENCH_SHORT_DAYS", 30))
    add("--reps", type=int, default=env_int("BENCH_REPS", 31), help="timed requests per page")
    add("--warmup", type=int, default=3)
    add("--load-seconds", type=int, default=env_int("BENCH_LOAD_SECONDS", 15))
    add("--load-runs", type=int, default=env_int("BENCH_LOAD_RUNS", 3))
    add("--connections", type=int, default=env_int("BENCH_CONNECTIONS", 4))
    add("--workers", type=int, default=env_int("BENCH_WORKERS", 2))
    add("--worker-class", default=os.environ.get("BENCH_WORKER_CLASS") or "sync")
    add("--threads", type=int, default=env_int("BENCH_THREADS", 1), help="gunicorn threads")
    add("--load-people", type=int, default=16, help="signed-in people the load rotates over")
    add("--export-runs", type=int, default=3)
    add("--profile-requests", type=int, default=20, help="requests per page under cProfile")
    add("--output", default=str(ROOT / "BENCHMARKS.md"))
    add("--results-dir", default=str(ROOT / "bench-results"))
    add("--reseed", action="store_true", help="drop and seed the database again")
    add("--reuse", action="store_true", help="use the database as it is (no seeding check)")
    add("--skip-load", action="store_true", help="skip the gunicorn/wrk parts (2 and 3)")
    return parser.parse_args()


# --- Output: every table is printed once and the same text goes into the file ---------------


class Report:
    def __init__(self) -> None:
        self.sections: list[str] = []

    def add(self, text: str) -> None:
        text = text.rstrip() + "\n"
        self.sections.append(text)
        print("\n" + text, flush=True)

    def text(self) -> str:
        return "\n".join(self.sections)


def log(message: str) -> None:
    print(message, flush=True)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def kept_sections(path: Path) -> str:
    """The KEPT_SECTIONS of the file as it is now, markers included, to append again."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    blocks = []
    for start_mark, end_mark in KEPT_SECTIONS:
        start = old.find(start_mark)
        end = old.find(end_mark, start) if start >= 0 else -1
        if start >= 0 and end >= 0:
            blocks.append(old[start : end + len(end_mark)])
    return "".join(f"\n{block}\n" for block in blocks)


# --- Machine, versions, database -------------------------------------------------------------


def machine_facts() -> dict[str, str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    wrk = shutil.which("wrk")
    wrk_version = "missing"
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
        wrk_version = (out.stdout + out.stderr).split("Copyright")[0].strip()
    gunicorn = subprocess.run(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "wrk": wrk_version,
        "gunicorn": gunicorn,
        "os": platform.platform(),
    }


def maintenance_connection(db_url: str):
    import psycopg2

    parsed = urlparse(db_url)
    conn = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn, parsed.path.lstrip("/")


def database_marker(args: argparse.Namespace, today: date) -> str:
    return (
        f"{MARKER_VERSION} users={args.users} days={args.days} epd={args.entries_per_day} "
        f"long={args.long_days} short={args.short_days} end={today}"
    )


def prepare_database(args: argparse.Namespace, marker: str) -> bool:
    """Create the database if needed; True when it must be (re)seeded."""
    conn, name = maintenance_connection(args.db_url)
    if "bench" not in name:
        raise SystemExit(f"refusing to use database {name!r}: its name must contain 'bench'")
    with conn.cursor() as cur:
        cur.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        )
        row = cur.fetchone()
        exists = row is not None
        current = row[0] if row else None
        if args.reuse and exists:
            log(f"Database {name}: reusing as it is ({current})")
            return False
        if exists and current == marker and not args.reseed:
            log(f"Database {name}: already holds {marker!r}; reusing it")
            return False
        if exists:
            log(f"Database {name}: dropping (holds {current!r})")
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return True


def set_marker(args: argparse.Namespace, marker: str) -> None:
    conn, name = maintenance_connection(args.db_url)
    with conn.cursor() as cur:
        cur.execute(f'COMMENT ON DATABASE "{name}" IS %s', [marker])
    conn.close()


def seed(args: argparse.Namespace, today: date) -> float:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    end = today.isoformat()
    log("Seeding the population, then the 5-year and the 30-day person")
    call_command(
        "seed_bench",
        users=args.users,
        days=args.days,
        entries_per_day=args.entries_per_day,
        prefix=POPULATION_PREFIX,
        end=end,
        seed=1,
    )
    # The measured people come in small groups seeded together, so that their rows are spread
    # over the table among others' as in real life (seed_bench writes day by day).
    for prefix, days, seed_value in (
        (LONG_PREFIX, args.long_days, 2),
        (SHORT_PREFIX, args.short_days, 3),
    ):
        call_command(
            "seed_bench",
            users=GROUP_SIZE,
            days=days,
            entries_per_day=10,
            prefix=prefix,
            end=end,
            seed=seed_value,
        )
    log("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def data_facts() -> dict[str, int | str]:
    from django.db import connection

    from accounts.models import User
    from tracker.models import IntakeEntry, SymptomEntry

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    return {
        "users": User.objects.count(),
        "entries": IntakeEntry.objects.count(),
        "symptoms": SymptomEntry.objects.count(),
        "db_size": size,
        "postgresql": pg_version,
    }


# --- 1. pages, 5. EXPLAIN -------------------------------------------------------------------


def section_pages(report: Report, args, today: date) -> dict:
    from django.test.utils import override_settings

    from accounts.models import User
    from bench import pages

    people = {
        "30 d": User.objects.get(username=f"{SHORT_PREFIX}0"),
        "5 y": User.objects.get(username=f"{LONG_PREFIX}0"),
    }
    log(f"\n[1] Server time and queries, {args.reps} requests each after {args.warmup} warm-up")
    with override_settings(PAGE_CACHE_SECONDS=0):
        results = pages.measure_pages(people, today, reps=args.reps, warmup=args.warmup, log=log)
    cached = pages.measure_cached(people["5 y"], today, reps=args.reps)
    for label, path, seconds, queries in cached:
        log(f"  {label:<9} {path}: from the page cache {seconds * 1000:.1f} ms, {queries} queries")
    rows = []
    notes = []
    for r in results:
        if not r.ok:
            rows.append([r.label, f"`{r.path}`", "-", "-", "-", "-", "-", "-", f"HTTP {r.status}"])
            why = f" ({'; '.join(sorted(set(r.errors.values())))})" if r.errors else ""
            notes.append(f"- `{r.path}` answered {r.status}{why}: not measured.")
            continue
        same = r.queries["30 d"] == r.queries["5 y"]
        if r.label == "export":
            verdict = (
                f"{fmt_ms(r.per_10k_rows('5 y'))} ms per 10,000 rows ({r.rows['5 y']:,} rows; "
                f"30 d: {r.rows['30 d']:,} rows, fixed costs dominate; "
                f"{'streamed' if r.streamed['5 y'] else 'NOT streamed'})"
            )
        else:
            ratio = r.ratio("5 y", "30 d")
            verdict = (
                f"{'ok' if ratio <= FLATNESS_TARGET else 'OVER'} (target <= {FLATNESS_TARGET})"
            )
        ratio_text = f"{r.ratio('5 y', '30 d'):.2f}"
        cpu_ratio = r.cpu_median("5 y") / r.cpu_median("30 d") if r.cpu_median("30 d") else 0
        rows.append(
            [
                r.label,
                f"`{r.path}`",
                fmt_ms(r.median("30 d")),
                fmt_ms(r.median("5 y")),
                ratio_text,
                f"{fmt_ms(r.cpu_median('30 d'))} / {fmt_ms(r.cpu_median('5 y'))} ({cpu_ratio:.2f})",
                str(r.queries["30 d"]),
                str(r.queries["5 y"]) + ("" if same else " (differs)"),
                verdict,
            ]
        )
        for who in people:
            for n, sql in r.repeated[who][:3]:
                if n >= 3:  # twice can be by design (history: a 90-day range and a month)
                    notes.append(
                        f"- {r.label} ({who}): the same query ran {n} times (N+1?): `{sql[:300]}`"
                    )
    text = [
        "## 1. Server time and query count: 30 days vs 5 years of history",
        "",
        f"In-process (`django.test.Client` through the full middleware stack, DEBUG off), on the "
        f"benchmark database. Two people: `{SHORT_PREFIX}0` with {args.short_days} days and "
        f"`{LONG_PREFIX}0` with {args.long_days} days of history, 10 entries a day, each "
        f"seeded in a group of {GROUP_SIZE} so that their rows are interleaved with others' "
        "as on a real server. Median of "
        f"{args.reps} requests each (export: {max(5, args.reps // 3)}) after {args.warmup} "
        "warm-up requests, the two people alternating request by request so they share the "
        "same machine load. Server time is wall-clock time for the whole request, database "
        "included (the verdict uses it); the CPU column is the Django process's own CPU time, "
        "which other processes on the machine disturb less. Query counts from "
        "`CaptureQueriesContext`. The export streams and scales with its rows by nature: its "
        "row gives the time per 10,000 rows instead of a target. These requests run with the "
        "page cache off (`PAGE_CACHE_SECONDS=0`): every one renders its page, which is the "
        "cost that must stay flat.",
        "",
        table(
            [
                "page",
                "path",
                "30 d median ms",
                "5 y median ms",
                "5 y / 30 d",
                "Django CPU ms 30 d / 5 y (ratio)",
                "queries 30 d",
                "queries 5 y",
                "verdict",
            ],
            rows,
        ),
    ]
    if notes:
        text += ["", *notes]
    text += [
        "",
        f"The same pages for `{LONG_PREFIX}0` with the page cache on, after one rendering has "
        f"been kept (`tracker/page_cache.py`), median of {args.reps} requests:",
        "",
        table(
            ["page", "path", "median ms", "queries"],
            [[label, f"`{path}`", fmt_ms(s), str(q)] for label, path, s, q in cached],
        ),
    ]
    report.add("\n".join(text))
    measured = {
        r.label: {
            "path": r.path,
            "status": r.status,
            "queries": r.queries,
            "times": r.times,
            "cpu": r.cpu,
            "rows": r.rows,
            "streamed": r.streamed,
        }
        for r in results
    }
    measured["cached"] = [
        {"label": label, "path": path, "median_s": s, "queries": q} for label, path, s, q in cached
    ]
    return measured


def section_breakdown(report: Report, args, today: date) -> list[dict]:
    from accounts.models import User
    from bench import pages

    person = User.objects.get(username=f"{LONG_PREFIX}0")
    client = pages.signed_in_client(person)
    log(f"\n[1b] Where the time goes: cProfile over {args.profile_requests} requests per page")
    measured = [
        pages.breakdown(client, label, path, requests=args.profile_requests)
        for label, path in [*pages.page_paths(today)[:4], ("minimal view", "/bench/minimal")]
    ]

    def share(ms: float, total: float) -> str:
        return f"{ms:.1f} ({ms / total:.0%})" if total else "-"

    rows = []
    for b in measured:
        rows.append(
            [
                b.label,
                f"`{b.path}`",
                f"{b.total_ms:.1f}",
                share(b.template_ms, b.total_ms),
                share(b.floatformat_ms, b.total_ms),
                share(b.url_ms, b.total_ms),
                share(b.sql_ms, b.total_ms),
                share(b.other_ms, b.total_ms),
            ]
        )
    text = [
        "### 1b. Where a page's time goes",
        "",
        f"One process, `{LONG_PREFIX}0`, {args.profile_requests} requests per page under "
        "`cProfile` (which slows everything down: read the shares, not the totals). "
        "Templates: `render_to_string`, including any query a template triggers; "
        "`floatformat` and `reverse()` (the `{% url %}` tag and views) are parts of it; "
        "SQL: time inside psycopg2's execute and fetch (the round trip to PostgreSQL); "
        "the rest: middleware, sessions, building queries and model objects, the view itself.",
        "",
        table(
            [
                "page",
                "path",
                "ms per request (profiled)",
                "templates",
                "of which floatformat",
                "reverse()",
                "SQL",
                "the rest",
            ],
            rows,
        ),
    ]
    report.add("\n".join(text))
    return [b.__dict__ for b in measured]


def section_explain(report: Report, args, today: date) -> list[dict]:
    from accounts.models import User
    from bench import pages

    username = f"{POPULATION_PREFIX}{args.users // 2}"
    user = User.objects.get(username=username)
    log(f"\n[5] EXPLAIN (ANALYZE, BUFFERS) of the pages' queries for {username}")
    plans = pages.explain(pages.capture_hot_queries(user, today))
    rows = []
    details = []
    for n, plan in enumerate(plans, 1):
        index_text = ", ".join(f"`{i}`" for i in plan.indexes) or "none"
        seq = [t for t in plan.seq_scans if t in pages.HOT_TABLES]
        rows.append(
            [
                str(n),
                ", ".join(plan.pages),
                plan.kind,
                index_text,
                ", ".join(f"`{t}`" for t in seq) or "none",
                f"{plan.execution_ms:.3f}",
            ]
        )
        details += [
            f"### Query {n}: {plan.kind} ({', '.join(plan.pages)})",
            "",
            "```sql",
            plan.sql,
            "```",
            "",
            "```",
            plan.plan,
            "```",
            "",
        ]
    text = [
        "## 5. Indexes: EXPLAIN (ANALYZE, BUFFERS) of the hot queries",
        "",
        f"The SQL is captured from the real views (`CaptureQueriesContext`) for `{username}`, "
        f"one of the {args.users:,} people with {args.days} days of history, then run again "
        "under `EXPLAIN (ANALYZE, BUFFERS)`. Every query a page sends to the entries or "
        "symptoms tables is listed once (same SQL shape on several pages: listed once).",
        "",
        table(
            ["#", "pages", "query", "index used", "seq scan on a big table", "execution ms"],
            rows,
        )
        if rows
        else "No page that queries entries or symptoms answered 200: nothing to explain.",
        "",
        *details,
    ]
    report.add("\n".join(text))
    return [plan.__dict__ for plan in plans]


# --- 4. export memory ------------------------------------------------------------------------


def section_export_memory(report: Report, args) -> list[dict]:
    log(f"\n[4] Export memory: {args.export_runs} fresh processes per history")
    script = ROOT / "bench" / "export_memory.py"
    env = bench_environment(args.db_url)
    short, long = f"{SHORT_PREFIX}0", f"{LONG_PREFIX}0"
    people = [
        (f"{args.short_days} days", short),
        (f"{args.days} days", f"{POPULATION_PREFIX}{args.users // 2}"),
        (f"{args.long_days} days", long),
    ]
    results: dict[str, list[dict]] = {username: [] for _, username in people}
    for _ in range(args.export_runs):
        for _, username in people:
            done = subprocess.run(  # noqa: S603
                [sys.executable, str(script), args.db_url, username, short, "/export/entries.csv"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
            if done.returncode != 0:
                raise RuntimeError(f"export_memory failed:\n{done.stdout}\n{done.stderr}")
            data = json.loads(done.stdout.strip().splitlines()[-1])
            log(f"  {username}: {data}")
            results[username].append(data)
    first = results[short][0]
    if first["status"] != 200:
        report.add(
            "## 4. Export memory\n\n"
            f"`/export/entries.csv` answered {first['status']}: not measured."
        )
        return [r for runs in results.values() for r in runs]

    def mb(kb: float) -> str:
        return f"{kb / 1024:.1f}"

    rows = []
    for label, username in people:
        runs = results[username]
        growth = median(r["rss_peak_kb"] - r["rss_before_kb"] for r in runs)
        seconds = median(r["seconds"] for r in runs)
        row_count = runs[0]["rows"]
        rows.append(
            [
                label,
                f"{row_count:,}",
                f"{runs[0]['bytes'] / 1024:,.0f}",
                "yes" if runs[0]["streamed"] else "**no**",
                mb(median(r["rss_before_kb"] for r in runs)),
                mb(median(r["rss_peak_kb"] for r in runs)),
                mb(growth),
                f"{median(r['traced_peak_bytes'] for r in runs) / 1024 / 1024:.2f}",
                fmt_ms(seconds),
                fmt_ms(seconds / row_count * 10_000) if row_count >= 1000 else "- (fixed costs)",
            ]
        )
    text = [
        "## 4. Export of 5 years: peak memory and time per 10,000 rows",
        "",
        "Each figure is the median of "
        f"{args.export_runs} fresh processes. A process exports the 30-day person twice (warm-up: "
        "imports, templates, connection), notes its peak RSS (`ru_maxrss`), exports the person "
        "measured, and notes the peak again; a second export under `tracemalloc` gives the peak "
        "of Python allocations. The export reads the rows in chunks (`iterator()`, a "
        "server-side cursor on PostgreSQL): flat = the peak stops growing once a history is "
        "longer than one chunk.",
        "",
        table(
            [
                "history",
                "rows",
                "KiB",
                "streamed",
                "peak RSS before MiB",
                "peak RSS after MiB",
                "growth MiB",
                "tracemalloc peak MiB",
                "time ms",
                "ms per 10,000 rows",
            ],
            rows,
        ),
    ]
    report.add("\n".join(text))
    return [r for runs in results.values() for r in runs]


# --- 2 and 3. load ---------------------------------------------------------------------------


def logging_endpoint(person, today: date) -> tuple[str, dict[str, str]] | None:
    """The entry-logging URL and a valid form for ``person``, from issue 4's views.

    Returns None when the app has no logging view yet.
    """
    from django.urls import NoReverseMatch, reverse

    from tracker.models import SupplementProduct

    product = SupplementProduct.objects.filter(owner=person, kind="supplement").first()
    for name, kwargs in (("log-entry", {}), ("entry-create", {}), ("entry-add", {})):
        try:
            path = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        return path, {
            "day": today.isoformat(),
            "product": str(product.pk),
            "servings": "1",
            "note": WRITE_NOTE,
        }
    return None


def section_load(report: Report, args, today: date) -> dict:
    from django.db import connections

    from accounts.models import User
    from bench import load, pages
    from tracker.models import IntakeEntry, WarningSent

    people = list(
        User.objects.filter(username__startswith=POPULATION_PREFIX)
        .exclude(username__startswith=LONG_PREFIX)
        .exclude(username__startswith=SHORT_PREFIX)
        .order_by("pk")[: 2 * args.load_people]
    )
    readers, writers = people[: args.load_people], people[args.load_people :]
    reader_sessions = [pages.signed_in_client(p).cookies["sessionid"].value for p in readers]
    # Each reader is a browser that has been here before: it sends back its session and the
    # CSRF cookie (32 hex characters: a valid unmasked secret) that its first page set.
    reader_cookies = [f"sessionid={s}; csrftoken={secrets.token_hex(16)}" for s in reader_sessions]

    def uncached_file(path: str) -> Path:
        """The same readers, but a new CSRF secret on every request (new ones for each run):
        the page cache, keyed by it (tracker/page_cache.py), never has the page."""
        return load.write_requests(
            [
                (
                    "GET",
                    path,
                    f"sessionid={reader_sessions[n % len(reader_sessions)]}; "
                    f"csrftoken={secrets.token_hex(16)}",
                    "",
                )
                for n in range(UNCACHED_REQUESTS)
            ]
        )

    csrf = secrets.token_hex(16)
    minimal_file = load.write_requests([("GET", "/bench/minimal", c, "") for c in reader_cookies])
    dashboard_file = load.write_requests([("GET", "/", c, "") for c in reader_cookies])
    week_path = f"/week/{today:%Y-%m-%d}/"
    week_file = load.write_requests([("GET", week_path, c, "") for c in reader_cookies])
    write_lines = []
    for person in writers:
        found = logging_endpoint(person, today)
        if found is None:
            break
        path, form = found
        session = pages.signed_in_client(person).cookies["sessionid"].value
        cookie = f"sessionid={session}; csrftoken={csrf}"
        write_lines.append(("POST", path, cookie, urlencode({**form, "csrfmiddlewaretoken": csrf})))
    write_file = load.write_requests(write_lines) if write_lines else None
    write_probe = None
    if write_lines:
        # One logging request in-process, to count its queries (the entry is removed below).
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        path, form = logging_endpoint(writers[0], today)
        probe = pages.signed_in_client(writers[0])
        with CaptureQueriesContext(connection) as ctx:
            response = probe.post(path, form)
        write_probe = (response.status_code, len(ctx.captured_queries))
    connections.close_all()

    results_dir = Path(args.results_dir)
    results_dir.mkdir(exist_ok=True)
    runs: dict[str, list] = {label: [] for label in (*READ_RUNS, "write")}
    env = bench_environment(args.db_url)
    log(
        f"\n[2,3] gunicorn {args.workers} {args.worker_class} workers x {args.threads} threads; "
        f"wrk {args.connections} connections, {args.load_seconds} s x {args.load_runs} runs each"
    )
    write_started = datetime.now(UTC)
    access_log = results_dir / "gunicorn-access.log"
    access_log.write_text("")
    server_statuses: dict[str, int] = {}
    with load.gunicorn(
        env,
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads,
        log_path=results_dir / "gunicorn.log",
        access_log=access_log,
    ) as (base, _pid):
        kwargs = {"connections": args.connections, "threads": 1}
        # Warm-up: every worker imports, connects and compiles its templates.
        load.run_wrk("warm-up", base, minimal_file, seconds=2, **kwargs)
        load.run_wrk("warm-up", base, dashboard_file, seconds=3, **kwargs)
        for n in range(args.load_runs):
            plan = [
                ("minimal", minimal_file),
                ("dashboard", dashboard_file),
                ("week", week_file),
                ("dashboard uncached", uncached_file("/")),
                ("week uncached", uncached_file(week_path)),
            ]
            if write_file:
                plan.append(("write", write_file))
            for label, path in plan if n % 2 == 0 else reversed(plan):
                offset = access_log.stat().st_size
                result = load.run_wrk(label, base, path, seconds=args.load_seconds, **kwargs)
                # Let the requests in flight when wrk stopped finish before the next run.
                time.sleep(1)
                runs[label].append(result)
                if label == "write":
                    logged = load.access_log_statuses(access_log, offset, "POST", write_lines[0][1])
                    for code, count in logged.items():
                        server_statuses[code] = server_statuses.get(code, 0) + count
                if label.endswith("uncached"):
                    path.unlink()
                log(
                    f"  run {n + 1} {label:<18} {result.rps:7.1f} req/s  p50 {result.p50_ms:.1f}"
                    f"  p95 {result.p95_ms:.1f}  p99 {result.p99_ms:.1f} ms  {result.statuses}"
                )
    for f in (
        minimal_file,
        dashboard_file,
        week_file,
        write_file,
    ):
        if f:
            f.unlink()

    def med(label: str, attr: str) -> float:
        return median(getattr(r, attr) for r in runs[label])

    rows = []
    for label in READ_RUNS:
        path = {"minimal": "/bench/minimal", "week": week_path}.get(label.split()[0], "/")
        per_run = " / ".join(f"{r.rps:.1f}" for r in runs[label])
        latency = " / ".join(f"{med(label, k):.1f}" for k in ("p50_ms", "p95_ms", "p99_ms"))
        if label == "minimal":
            ratio_text = "1"
        else:
            ratio = med(label, "rps") / med("minimal", "rps")
            each = " / ".join(
                f"{r.rps / m.rps:.2f}" for r, m in zip(runs[label], runs["minimal"], strict=True)
            )
            if label.endswith("uncached"):
                ratio_text = f"{ratio:.2f} (rendering every time; runs {each})"
            else:
                verdict = "ok" if ratio >= THROUGHPUT_TARGET else "UNDER"
                ratio_text = (
                    f"**{ratio:.2f}** ({verdict} target >= {THROUGHPUT_TARGET}; runs {each})"
                )
        rows.append(
            [
                label,
                f"`{path}`",
                per_run,
                f"**{med(label, 'rps'):.1f}**",
                latency,
                ratio_text,
            ]
        )
    bad = {
        label: [r.statuses for r in rs if set(r.statuses) - {"200"}]
        for label, rs in runs.items()
        if label != "write"
    }
    setup_text = (
        f"gunicorn `config.wsgi`, {args.workers} `{args.worker_class}` workers"
        f"{f' x {args.threads} threads' if args.threads > 1 else ''}, PostgreSQL, DEBUG off; "
        f"wrk (a separate process on loopback) with 1 thread and {args.connections} connections, "
        f"{args.load_seconds} s per run, {args.load_runs} runs; in each run the minimal view, the "
        f"dashboard, the week page{' and the writes' if write_file else ''} go one after the "
        f"other (order alternating between runs). Requests rotate over the cookies of "
        f"{len(readers)} signed-in people with {args.days} days of history. The minimal view "
        "(`/bench/minimal`, routed only with `DJANGO_BENCH_VIEWS=1`) returns a fixed `ok` "
        "through the same middleware, session and user look-up included.\n\n"
        "The dashboard and week rows are what a returning browser gets: it sends the CSRF "
        "cookie its first page set, and the page comes from the per-person page cache "
        "(`tracker/page_cache.py`) until that person's data, profile or local day changes "
        "(or `DJANGO_PAGE_CACHE_SECONDS` pass). The *uncached* rows send a new CSRF secret "
        "with every request, so every request renders the page (and stores it): the cost of "
        "the first view after each change."
    )
    text = [
        "## 2. Dashboard (and week page) throughput and latency under load",
        "",
        setup_text,
        "",
        table(
            [
                "view",
                "path",
                "req/s by run",
                "median req/s",
                "median p50 / p95 / p99 ms",
                "throughput / minimal (median)",
            ],
            rows,
        ),
    ]
    if any(bad.values()):
        text += ["", f"Responses other than 200: {bad}"]
    report.add("\n".join(text))

    write_summary: dict = {}
    if not write_file:
        report.add(
            "## 3. Writes: logging an entry under load\n\n"
            "Not measured: the app has no entry-logging view yet (bench/run.py "
            "`logging_endpoint`)."
        )
    else:
        created = IntakeEntry.objects.filter(
            owner__in=writers, note=WRITE_NOTE, created_at__gte=write_started
        ).count()
        # The view answers a logged entry with a redirect to its day (POST/redirect/GET) and
        # an invalid form with 200: only redirects count as written.
        ok_codes = (301, 302, 303)
        successes = sum(r.count(*ok_codes) for r in runs["write"])
        server_ok = sum(n for code, n in server_statuses.items() if int(code) in ok_codes)
        rows = []
        for n, r in enumerate(runs["write"], 1):
            others = {k: v for k, v in r.statuses.items() if int(k) not in ok_codes}
            rows.append(
                [
                    str(n),
                    f"{r.rps:.1f}",
                    f"{r.p50_ms:.1f}",
                    f"{r.p95_ms:.1f}",
                    f"{r.p99_ms:.1f}",
                    ", ".join(f"{k}: {v:,}" for k, v in sorted(r.statuses.items())),
                    ", ".join(f"{k}: {v}" for k, v in others.items()) or "none",
                ]
            )
        rows.append(
            [
                "**median**",
                f"**{med('write', 'rps'):.1f}**",
                f"{med('write', 'p50_ms'):.1f}",
                f"**{med('write', 'p95_ms'):.1f}**",
                f"{med('write', 'p99_ms'):.1f}",
                "",
                "",
            ]
        )
        write_path = write_lines[0][1]
        check = "equal" if created == server_ok else "**DIFFERENT**"
        text = [
            "## 3. Writes: logging an entry under the same load",
            "",
            f"`POST {write_path}` with a CSRF token and the session cookie of one of "
            f"{len(writers)} other signed-in people (a supplement, 1 serving, today: the "
            "warning check runs in the view), same server, same wrk settings.",
            "",
            table(
                ["run", "req/s", "p50 ms", "p95 ms", "p99 ms", "statuses (wrk)", "failures"], rows
            ),
            "",
            f"One logging request in-process answered {write_probe[0]} after "
            f"{write_probe[1]} queries, the warning check included.",
            "",
            f"Rows written by the runs: {created:,}; redirects (entry logged) sent by the "
            f"server, from its access log: {server_ok:,} ({check}); of those wrk received "
            f"{successes:,} within its time, the others were in flight when it stopped. "
            f"All statuses the server logged for the POSTs: "
            f"{', '.join(f'{k}: {v:,}' for k, v in sorted(server_statuses.items()))}.",
        ]
        report.add("\n".join(text))
        write_summary = {
            "created": created,
            "wrk_successes": successes,
            "server_statuses": server_statuses,
        }
        # Leave the data as seeded for the next run.
        IntakeEntry.objects.filter(owner__in=writers, note=WRITE_NOTE).delete()
        WarningSent.objects.filter(owner__in=writers, sent_at__gte=write_started).delete()
    return {label: [r.__dict__ for r in rs] for label, rs in runs.items()} | {
        "write_check": write_summary
    }


# --- Summary --------------------------------------------------------------------------------


def summary(raw: dict, args) -> str:
    """The headline figures, from the same measurements and with the same rounding."""
    rows = []
    pages = raw.get("pages", {})
    for label in ("dashboard", "day", "week", "history"):
        page = pages.get(label)
        if not page or not page["times"]:
            rows.append([f"{label}: 5 y / 30 d server time", "not measured", "<= 1.2", "-"])
            continue
        ratio = median(page["times"]["5 y"]) / median(page["times"]["30 d"])
        same = page["queries"]["30 d"] == page["queries"]["5 y"]
        rows.append(
            [
                f"{label}: 5 y / 30 d server time (queries)",
                f"{ratio:.2f} ({page['queries']['30 d']} / {page['queries']['5 y']})",
                f"<= {FLATNESS_TARGET}, equal",
                "ok" if ratio <= FLATNESS_TARGET and same else "**missed**",
            ]
        )
    export = pages.get("export")
    if export and export["times"] and export["rows"]["5 y"]:
        per10k = median(export["times"]["5 y"]) / export["rows"]["5 y"] * 10_000
        rows.append(
            [
                "export: server time per 10,000 rows (5 y, in-process)",
                f"{fmt_ms(per10k)} ms",
                "-",
                "streamed" if export["streamed"]["5 y"] else "**not streamed**",
            ]
        )
    memory = [r for r in raw.get("export_memory", []) if r.get("status") == 200]
    if memory:
        by_rows: dict[int, list[dict]] = {}
        for r in memory:
            by_rows.setdefault(r["rows"], []).append(r)
        peaks = " / ".join(
            f"{median(x['traced_peak_bytes'] for x in runs) / 1024 / 1024:.2f}"
            for _, runs in sorted(by_rows.items())
        )
        growth = max(
            median(x["rss_peak_kb"] - x["rss_before_kb"] for x in runs) / 1024
            for runs in by_rows.values()
        )
        rows.append(
            [
                "export: tracemalloc peak MiB by history "
                + " / ".join(f"{n:,} rows" for n in sorted(by_rows)),
                peaks,
                "flat",
                f"peak RSS growth at most {growth:.1f} MiB",
            ]
        )
    load = raw.get("load")
    if load and load["minimal"] and load["dashboard"]:

        def rps(runs: list[dict]) -> float:
            return median(r["requests"] / r["seconds"] for r in runs)

        for label in READ_RUNS[1:]:
            if not load.get(label):
                continue
            ratio = rps(load[label]) / rps(load["minimal"])
            uncached = label.endswith("uncached")
            rows.append(
                [
                    f"{label.replace(' uncached', ', every request rendered,')} / minimal "
                    f"throughput (gunicorn, wrk)",
                    f"{ratio:.2f} ({rps(load[label]):.1f} / {rps(load['minimal']):.1f} req/s)",
                    "-" if uncached else f">= {THROUGHPUT_TARGET}",
                    "first view after a change"
                    if uncached
                    else ("ok" if ratio >= THROUGHPUT_TARGET else "**missed**"),
                ]
            )
        d = load["dashboard"]
        rows.append(
            [
                "dashboard latency p50 / p95 / p99 under load",
                " / ".join(f"{median(r[k] for r in d):.1f}" for k in ("p50_ms", "p95_ms", "p99_ms"))
                + " ms",
                "-",
                "-",
            ]
        )
        if load.get("write"):
            w = load["write"]
            check = load.get("write_check", {})
            server_ok = sum(
                n
                for code, n in check.get("server_statuses", {}).items()
                if code in ("301", "302", "303")
            )
            rows.append(
                [
                    "writes: logging an entry, req/s and p95",
                    f"{rps(w):.1f} req/s, p95 {median(r['p95_ms'] for r in w):.1f} ms",
                    "rows = logged responses",
                    "ok" if check.get("created") == server_ok else "**rows differ**",
                ]
            )
    plans = raw.get("explain", [])
    if plans:
        seq = sorted(
            {
                t
                for p in plans
                for t in p["seq_scans"]
                if t in ("tracker_intakeentry", "tracker_symptomentry")
            }
        )
        rows.append(
            [
                f"EXPLAIN at {args.users:,} people x {args.days} days: hot queries on an index",
                f"{sum(1 for p in plans if p['indexes'])} of {len(plans)}",
                "all",
                "ok" if not seq else f"**seq scan on {', '.join(seq)}**",
            ]
        )
    return (
        "\n".join(["## Summary", "", table(["measure", "figure", "target", "verdict"], rows)])
        + "\n"
    )


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    today = date.today()
    report = Report()
    facts = machine_facts()
    if not args.skip_load and facts["wrk"] == "missing":
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or use --skip-load)")
    marker = database_marker(args, today)
    must_seed = prepare_database(args, marker)

    setup_django(args.db_url)
    import django
    from django.core.management import call_command

    log("migrate")
    call_command("migrate", verbosity=0)
    log("collectstatic (the manifest storage that production uses)")
    call_command("collectstatic", interactive=False, verbosity=0)
    seed_seconds = 0.0
    if must_seed:
        seed_seconds = seed(args, today)
        set_marker(args, marker)
    data = data_facts()

    raw: dict = {"args": vars(args), "machine": facts, "data": data}
    raw["pages"] = section_pages(report, args, today)
    from django.test.utils import override_settings

    # The profile and EXPLAIN look at rendering and its queries: no page comes from the cache.
    with override_settings(PAGE_CACHE_SECONDS=0):
        raw["breakdown"] = section_breakdown(report, args, today)
    if not args.skip_load:
        raw["load"] = section_load(report, args, today)
    else:
        report.add("## 2. and 3. Load\n\nSkipped (`--skip-load`).")
    raw["export_memory"] = section_export_memory(report, args)
    with override_settings(PAGE_CACHE_SECONDS=0):
        raw["explain"] = section_explain(report, args, today)
    from django.contrib.sessions.models import Session

    from bench.pages import SESSION_KEYS

    Session.objects.filter(session_key__in=SESSION_KEYS).delete()
    elapsed = time.perf_counter() - started

    header = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`bench/run.py`) on {started_at:%Y-%m-%d %H:%M} UTC; every "
        "number below is one the command printed. Rerun with `make bench`; see README "
        '"Benchmarks" for the variables (scale, durations).',
        "",
        table(
            ["", ""],
            [
                ["machine", f"{facts['cpus']} CPUs ({facts['cpu']}), {facts['memory']} RAM"],
                ["load average at start (1/5/15 min)", facts["load"]],
                ["OS", facts["os"]],
                ["Python / Django", f"{facts['python']} / {django.get_version()}"],
                ["PostgreSQL", str(data["postgresql"])],
                ["gunicorn / wrk", f"{facts['gunicorn']} / {facts['wrk']}"],
                [
                    "data",
                    f"{args.users:,} people x {args.days} days x {args.entries_per_day} "
                    f"entries/day, plus {GROUP_SIZE} people with {args.long_days} days and "
                    f"{GROUP_SIZE} with {args.short_days} days (10 entries/day): "
                    f"{data['users']:,} users, "
                    f"{data['entries']:,} entries, {data['symptoms']:,} symptoms, "
                    f"database {data['db_size']}",
                ],
                [
                    "seeding",
                    f"{seed_seconds:.0f} s (this run)"
                    if must_seed
                    else (
                        "reused the database as found (--reuse)"
                        if args.reuse
                        else "reused the data seeded earlier today at this scale"
                    ),
                ],
                ["load average at the end", " / ".join(f"{x:.2f}" for x in os.getloadavg())],
                ["whole run", f"{elapsed / 60:.1f} min"],
            ],
        ),
        "",
        "**Contention.** The machine is small and shared: the in-process timings, gunicorn, "
        "wrk and PostgreSQL share its CPUs, and other jobs may run at the same time (see the "
        "load average). Absolute numbers therefore move between runs; the ratios are measured "
        "side by side in the same run (requests alternating, load runs interleaved) and every "
        "figure is a median of several runs.",
    ]
    report.sections.insert(0, "\n".join(header) + "\n")
    report.sections.insert(1, summary(raw, args))
    print("\n" + report.sections[0], flush=True)
    print("\n" + report.sections[1], flush=True)
    output = Path(args.output)
    output.write_text(report.text() + kept_sections(output), encoding="utf-8")
    results_dir = Path(args.results_dir)
    results_dir.mkdir(exist_ok=True)
    raw_path = results_dir / f"bench-{started_at:%Y%m%d-%H%M%S}.json"
    raw_path.write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
    log(f"\nWrote {args.output} and {raw_path} in {elapsed / 60:.1f} min")


if __name__ == "__main__":
    main()
