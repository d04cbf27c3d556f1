#!/usr/bin/env python
"""The whole benchmark, against PostgreSQL: `make bench` runs this and rewrites BENCHMARKS.md
(README "Benchmarks" says what it measures). Every section is printed as it is measured and the
file is exactly the printed text, plus bench/soak.py's section, kept as it is. The data is
seeded once per scale and day (the database comment says what it holds); --reseed starts again.
The sections' prose is in TEXT (filled in by common.para), their tables' headers in HEADERS.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.common import ROOT, fmt_ms, log, median, para, table  # noqa: E402

# Accounts that seed_bench creates (username = prefix + number).
POPULATION_PREFIX, LONG_PREFIX, SHORT_PREFIX = "bench", "bench5y-", "bench30d-"

KNOBS = (  # (option, default, help); each also read from BENCH_<OPTION>
    ("db-url", "postgres://postgres@127.0.0.1:5432/magnesium_bench", ""),
    ("users", 1000, ""), ("days", 365, ""), ("entries-per-day", 10, ""),
    ("long-days", 1826, ""), ("short-days", 30, ""),
    ("reps", 31, "timed requests per page"), ("warmup", 3, "warm-up requests per page"),
    ("load-seconds", 15, ""), ("load-runs", 3, ""), ("connections", 4, "wrk connections"),
    ("workers", 2, "gunicorn workers"), ("worker-class", "sync", "gunicorn worker class"),
    ("threads", 1, "gunicorn threads"), ("load-people", 16, "signed-in people loading pages"),
    ("export-runs", 3, ""), ("profile-requests", 20, "requests per page under cProfile"),
    ("output", str(ROOT / "BENCHMARKS.md"), ""), ("results-dir", str(ROOT / "bench-results"), ""),
)  # fmt: skip
FLAGS = (
    ("reseed", "drop and seed the database again"),
    ("reuse", "use the database as it is (no seeding check)"),
    ("skip-load", "skip the gunicorn/wrk parts (2 and 3)"),
)
MARKER_VERSION = "magnesium-bench v1"
FLATNESS_TARGET, THROUGHPUT_TARGET = 1.2, 0.5
# The first view after a change, against the minimal view (issue "The daily screen"): the
# dashboard's target; the week page has none of its own.
FIRST_VIEW_TARGETS = {"dashboard uncached": 0.35}
UNCACHED_REQUESTS = 30_000  # distinct requests in each uncached run: more than a run sends
READ_RUNS = ("minimal", "dashboard", "week", "dashboard uncached", "week uncached")
GROUP_SIZE = 20  # people seeded with the 5-year (and the 30-day) history
REDIRECTS = ("301", "302", "303")  # a logged entry: POST/redirect/GET
WRITE_NOTE = "bench-write"
# People logging in section 3, each on today: enough that the runs' writes (about 3,300 at 70
# req/s) stay under the app's limits.MAX_ENTRIES_PER_DAY of 200 a person and day, above
# which a log is refused with a form error (HTTP 200) as it should be.
WRITERS = 64
SUMMARY_ORDER = ("pages", "memory", "load", "explain", "first_visit")
EXPORT = "/export/entries.csv"

TEXT = {
    "title": """Written by `make bench` (`bench/run.py`) on {at:%Y-%m-%d %H:%M} UTC; every number
    below is one the command printed. Rerun with `make bench`; see README "Benchmarks" for the
    variables (scale, durations).""",
    "contention": """**Contention.** The machine is small and shared: the in-process timings,
    gunicorn, wrk and PostgreSQL share its CPUs, and other jobs may run at the same time (see the
    load average). Absolute numbers therefore move between runs; the ratios are measured side by
    side in the same run (requests alternating, load runs interleaved) and every figure is a
    median of several runs.""",
    "data": """{a.users:,} people x {a.days} days x {a.entries_per_day} entries/day, plus {group}
    people with {a.long_days} days and {group} with {a.short_days} days (10 entries/day):
    {n[0]:,} users, {n[1]:,} entries, {n[2]:,} symptoms, database {size}""",
    "pages": """## 1. Server time and query count: 30 days vs 5 years of history

    In-process (`django.test.Client` through the full middleware stack, DEBUG off), on
    the benchmark database. Two people: `{short}` with {a.short_days} days and `{long}` with
    {a.long_days} days of history, 10 entries a day, each seeded in a group of {group} so that
    their rows are interleaved with others' as on a real server. Median of {a.reps} requests
    each (export: {export_reps}) after {a.warmup} warm-up requests, the two people alternating
    request by request so they share the same machine load. Server time is wall-clock time for
    the whole request, database included (the verdict uses it); the CPU column is the Django
    process's own CPU time, which other processes on the machine disturb less. Query counts from
    `CaptureQueriesContext`. The export streams and scales with its rows by nature: its row
    gives the time per 10,000 rows instead of a target. These requests run with the page cache
    off (`PAGE_CACHE_SECONDS=0`): every one renders its page, which is the cost that must stay
    flat.""",
    "cached": """The same pages for `{long}` with the page cache on, after one rendering has been
    kept (`tracker/page_cache.py`), median of {a.reps} requests:""",
    "breakdown": """### 1b. Where a page's time goes

    One process, `{long}`, {a.profile_requests} requests per page under `cProfile`
    (which slows everything down: read the shares, not the totals). Templates:
    `render_to_string`, including any query a template triggers; `floatformat` and `reverse()`
    (the `{{% url %}}` tag and views) are parts of it; SQL: time inside psycopg2's execute and
    fetch (the round trip to PostgreSQL); the rest: middleware, sessions, building queries and
    model objects, the view itself.""",
    "load": """## 2. Dashboard (and week page) throughput and latency under load

    gunicorn `config.wsgi`, {a.workers} `{a.worker_class}` workers{threads},
    PostgreSQL, DEBUG off; wrk (a separate process on loopback) with 1 thread and
    {a.connections} connections, {a.load_seconds} s per run, {a.load_runs} runs; in each run the
    minimal view, the dashboard, the week page and the writes go one after the other (order
    alternating between runs). Requests rotate over the cookies of {readers} signed-in people
    with {a.days} days of history. The minimal view (`/bench/minimal`, routed only with
    `DJANGO_BENCH_VIEWS=1`) returns a fixed `ok` through the same middleware, session and user
    look-up included.

    The dashboard and week rows are what a returning browser gets: it sends the CSRF
    cookie its first page set, and the page comes from the per-person page cache
    (`tracker/page_cache.py`) until that person's data, profile or local day changes (or
    `DJANGO_PAGE_CACHE_SECONDS` pass). The *uncached* rows send a new CSRF secret with every
    request, so every request renders the page (and stores it): the cost of the first view after
    each change. As after logging a supplement or a symptom, the dashboard's kept parts (quick
    log, routine, check-in and medicines: `kept_part` in `tracker/page_cache.py`), which such a
    write cannot change, come from the cache with the request's own CSRF token; after any other
    change (a product, a food entry, a routine dose taken) they are rendered too, as in
    section 1.""",
    "writes": """## 3. Writes: logging an entry under the same load

    `POST {path}` with a CSRF token and the session cookie of one of {writers} other
    signed-in people (a supplement, 1 serving, today: the warning check runs in the view), same
    server, same wrk settings.""",
    "probe": """One logging request in-process answered {probe[0]} after {probe[1]} queries, the
    warning check included.""",
    "written": """Rows written by the runs: {created:,}; redirects (entry logged) sent by the
    server, from its access log: {server:,} ({same}); of those wrk received {received:,} within
    its time, the others were in flight when it stopped. All statuses the server logged for the
    POSTs: {statuses}.""",
    "export": """## 4. Export of 5 years: peak memory and time per 10,000 rows

    Each figure is the median of {a.export_runs} fresh processes. A process exports
    the 30-day person twice (warm-up: imports, templates, connection), notes its peak RSS
    (`ru_maxrss`), exports the person measured, and notes the peak again; a second export under
    `tracemalloc` gives the peak of Python allocations. The export reads the rows in chunks
    (`iterator()`, a server-side cursor on PostgreSQL): flat = the peak stops growing once a
    history is longer than one chunk.""",
    "explain": """## 5. Indexes: EXPLAIN (ANALYZE, BUFFERS) of the hot queries

    The SQL is captured from the real views (`CaptureQueriesContext`) for `{who}`,
    one of the {a.users:,} people with {a.days} days of history, then run again under `EXPLAIN
    (ANALYZE, BUFFERS)`. Every query a page sends to the entries or symptoms tables is listed
    once (same SQL shape on several pages: listed once).""",
    "first_visit": """## 6. First visit: bytes transferred

    What a browser with an empty cache downloads for each page of `{who}`: the HTML (the app
    sends it uncompressed; the gzip column is what a compressing proxy would send) and every
    stylesheet, script, icon and manifest the page links to, as the server sends them to a
    browser that accepts gzip (WhiteNoise's precompressed files). Nothing comes from another
    site. Later visits take the files from the browser's cache (their names carry a hash of
    their content).""",
}
HEADERS = {
    "pages": "page|path|30 d median ms|5 y median ms|5 y / 30 d|Django CPU ms 30 d / 5 y (ratio)|"
    "queries 30 d|queries 5 y|verdict",
    "cached": "page|path|median ms|queries",
    "breakdown": "page|path|ms per request (profiled)|templates|of which floatformat|reverse()|"
    "SQL|the rest",
    "load": "view|path|req/s by run|median req/s|median p50 / p95 / p99 ms|"
    "throughput / minimal (median)",
    "writes": "run|req/s|p50 ms|p95 ms|p99 ms|statuses (wrk)|failures",
    "export": "history|rows|KiB|streamed|peak RSS before MiB|peak RSS after MiB|growth MiB|"
    "tracemalloc peak MiB|time ms|ms per 10,000 rows",
    "explain": "#|pages|query|index used|seq scan on a big table|execution ms",
    "first_visit": "page|path|HTML B (gzip B)|files|files B (gzip'd)|first visit B, HTML gzip'd|"
    "largest files",
    "summary": "measure|figure|target|verdict",
}


class Report:
    """The sections, each printed as it is measured, and the summary rows by topic."""

    def __init__(self, args) -> None:
        self.sections, self.summary, self.raw = [], {}, {"args": vars(args)}
        self.fields = {"a": args, "group": GROUP_SIZE}

    def add(self, *blocks: str) -> None:
        self.sections.append(common.section(*blocks))

    def text(self, key: str, **fields) -> str:
        return para(TEXT[key], **self.fields, **fields)

    def add_table(self, key: str, rows, *after: str, **fields) -> None:
        """A section: its heading, its text, its table and more blocks."""
        self.add(self.text(key, **fields), table(HEADERS[key], rows), *after)


def person(username: str):
    from accounts.models import User

    return User.objects.get(username=username)


# --- The database: seeded once per scale and day ----------------------------------------------


def prepare_database(args, marker: str) -> bool:
    """Create the database if needed; True when it must be (re)seeded."""
    if "bench" not in (name := common.db_name(args.db_url)):
        raise SystemExit(f"refusing to use database {name!r}: its name must contain 'bench'")
    query = "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s"
    (row,) = common.maintenance(args.db_url, (query, name))
    if row and (args.reuse or (row[0] == marker and not args.reseed)):
        log(f"Database {name}: reusing it as it is ({row[0]!r})")
        return False
    log(f"Database {name}: " + (f"dropping (holds {row[0]!r}) and " if row else "") + "creating")
    drop = [("DROP DATABASE {} WITH (FORCE)",)] if row else []
    common.maintenance(args.db_url, *drop, ("CREATE DATABASE {}",))
    return True


def seed(args, today: date, marker: str) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    # The measured people come in small groups seeded together, so that their rows are spread
    # over the table among others' as in real life (seed_bench writes day by day).
    for prefix, users, days, epd, n in (
        (POPULATION_PREFIX, args.users, args.days, args.entries_per_day, 1),
        (LONG_PREFIX, GROUP_SIZE, args.long_days, 10, 2),
        (SHORT_PREFIX, GROUP_SIZE, args.short_days, 10, 3),
    ):
        options = f"--users={users} --days={days} --entries-per-day={epd} --seed={n}"
        call_command("seed_bench", f"--prefix={prefix}", f"--end={today}", *options.split())
    common.sql("VACUUM ANALYZE")
    common.maintenance(args.db_url, ("COMMENT ON DATABASE {} IS %s", marker))
    return time.perf_counter() - started


# --- 1. pages, 1b. where the time goes, 5. EXPLAIN ------------------------------------------


def page_row(r, people) -> tuple[list | str, list[str], list[str]]:
    """One page's row of section 1, its notes and its summary rows."""
    if not r.ok:
        why = f" ({'; '.join(sorted(set(r.errors.values())))})" if r.errors else ""
        summary = f"{r.label}: 5 y / 30 d server time|not measured|<= {FLATNESS_TARGET}|-"
        row = [r.label, f"`{r.path}`", *["-"] * 6, f"HTTP {r.status}"]
        notes = [f"- `{r.path}` answered {r.status}{why}: not measured."]
        return row, notes, [summary] if r.label != "export" else []
    (q30, q5), (ms30, ms5), (cpu30, cpu5), (_, rows5) = (
        (d["30 d"], d["5 y"]) for d in (r.queries, r.ms, r.cpu, r.rows)
    )
    ratio = ms5 / ms30 if ms30 else 0
    ok, streamed = ratio <= FLATNESS_TARGET, r.streamed["5 y"]
    verdict = f"{'ok' if ok else 'OVER'} (target <= {FLATNESS_TARGET})"
    summary = [
        f"{r.label}: 5 y / 30 d server time (queries)|{ratio:.2f} ({q30} / {q5})|"
        f"<= {FLATNESS_TARGET}, equal|" + ("ok" if ok and q30 == q5 else "**missed**")
    ]
    if r.label == "export":
        per_10k = fmt_ms(ms5 / rows5 * 10_000) if rows5 else "nan"
        verdict = (
            f"{per_10k} ms per 10,000 rows ({rows5:,} rows; 30 d: {r.rows['30 d']:,} rows, "
            f"fixed costs dominate; {'' if streamed else 'NOT '}streamed)"
        )
        what = "export: server time per 10,000 rows (5 y, in-process)"
        kept = "streamed" if streamed else "**not streamed**"
        summary = [f"{what}|{per_10k} ms|-|{kept}"] if rows5 else []
    cpu = f"{fmt_ms(cpu30)} / {fmt_ms(cpu5)} ({cpu5 / cpu30 if cpu30 else 0:.2f})"
    differs = "" if q30 == q5 else " (differs)"
    row = f"{r.label}|`{r.path}`|{fmt_ms(ms30)}|{fmt_ms(ms5)}|{ratio:.2f}|{cpu}|{q30}|{q5}{differs}"
    notes = [  # twice can be by design (history: a 90-day range and a month)
        f"- {r.label} ({who}): the same query ran {n} times (N+1?): `{query[:300]}`"
        for who in people for n, query in r.repeated[who][:3] if n >= 3
    ]  # fmt: skip
    return f"{row}|{verdict}", notes, summary


def section_pages(report, args, today: date) -> None:
    from django.test.utils import override_settings

    from bench import pages

    people = {"30 d": person(f"{SHORT_PREFIX}0"), "5 y": person(f"{LONG_PREFIX}0")}
    with override_settings(PAGE_CACHE_SECONDS=0):
        results = pages.measure_pages(people, today, reps=args.reps, warmup=args.warmup)
    cached = pages.measure_cached(people["5 y"], today, reps=args.reps)
    rows, notes, summary = zip(*(page_row(r, people) for r in results), strict=True)
    report.summary["pages"] = [line for lines in summary for line in lines]
    who = {"short": f"{SHORT_PREFIX}0", "long": f"{LONG_PREFIX}0"}
    report.add_table(
        "pages", rows, "\n".join(n for ns in notes for n in ns), report.text("cached", **who),
        table(HEADERS["cached"], [f"{lb}|`{p}`|{fmt_ms(s)}|{q}" for lb, p, s, q in cached]),
        export_reps=max(5, args.reps // 3), **who,
    )  # fmt: skip
    report.raw["pages"] = [vars(r) for r in results] + [{"cached": cached}]


def section_breakdown(report, args, today: date) -> None:
    from bench import pages

    client, rows = pages.signed_in_client(person(f"{LONG_PREFIX}0")), []
    for label, path in [*pages.page_paths(today)[:4], ("minimal view", "/bench/minimal")]:
        ms = pages.breakdown(client, path, requests=args.profile_requests)
        report.raw.setdefault("breakdown", []).append({"label": label, "path": path, **ms})
        rows.append([label, f"`{path}`", f"{ms['total']:.1f}"] + [
            f"{ms[k]:.1f} ({ms[k] / ms['total']:.0%})" if ms["total"] else "-"
            for k in ("template", "floatformat", "url", "sql", "other")
        ])  # fmt: skip
    report.add_table("breakdown", rows, long=f"{LONG_PREFIX}0")


def section_explain(report, args, today: date) -> None:
    from bench import pages

    who = f"{POPULATION_PREFIX}{args.users // 2}"
    plans = report.raw["explain"] = pages.explain_pages(person(who), today)
    rows, details = [], []
    for n, plan in enumerate(plans, 1):
        seq = ", ".join(f"`{t}`" for t in plan["seq_scans"] if t in pages.HOT_TABLES) or "none"
        indexes = ", ".join(f"`{i}`" for i in plan["indexes"]) or "none"
        on = ", ".join(plan["pages"])
        rows.append(f"{n}|{on}|{plan['kind']}|{indexes}|{seq}|{plan['execution_ms']:.3f}")
        details.append(f"### Query {n}: {plan['kind']} ({on})\n\n```sql\n{plan['sql']}\n```\n\n"
                       f"```\n{plan['plan']}\n```")  # fmt: skip
    nothing = "No page that queries entries or symptoms answered 200: nothing to explain."
    report.add(report.text("explain", who=who),
               table(HEADERS["explain"], rows) if rows else nothing, *details)  # fmt: skip
    if plans:
        seq = sorted({t for p in plans for t in p["seq_scans"] if t in pages.HOT_TABLES})
        report.summary["explain"] = [
            f"EXPLAIN at {args.users:,} people x {args.days} days: hot queries on an index|"
            f"{sum(1 for p in plans if p['indexes'])} of {len(plans)}|all|"
            + ("ok" if not seq else f"**seq scan on {', '.join(seq)}**")
        ]


# --- 4. export memory ------------------------------------------------------------------------


def mib(runs, key, before="") -> float:
    """The median in MiB of a figure in KiB (less another); of bytes, divide by 1024."""
    return median(r[key] - (r[before] if before else 0) for r in runs) / 1024


def export_runs(args, people: list[tuple[str, str]]) -> dict[str, list[dict]]:
    """export_runs fresh processes per person, alternating (bench/pages.py: export_memory)."""
    results: dict[str, list[dict]] = {username: [] for _, username in people}
    for _ in range(args.export_runs):
        for _, username in people:
            command = [sys.executable, "-m", "bench.pages", args.db_url, username,
                       people[0][1], EXPORT]  # fmt: skip
            done = subprocess.run(  # noqa: S603
                command, cwd=ROOT, env=common.bench_environment(args.db_url), capture_output=True,
                text=True, check=False, timeout=600,
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"export_memory failed:\n{done.stdout}\n{done.stderr}")
            results[username].append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def section_export_memory(report, args) -> None:
    people = [
        (f"{args.short_days} days", f"{SHORT_PREFIX}0"),
        (f"{args.days} days", f"{POPULATION_PREFIX}{args.users // 2}"),
        (f"{args.long_days} days", f"{LONG_PREFIX}0"),
    ]
    results = export_runs(args, people)
    report.raw["export_memory"] = [r for runs in results.values() for r in runs]
    if (status := results[people[0][1]][0]["status"]) != 200:
        return report.add(f"## 4. Export memory\n\n`{EXPORT}` answered {status}: not measured.")
    rows = []
    for label, username in people:
        runs = results[username]
        seconds, count, first = median(r["seconds"] for r in runs), runs[0]["rows"], runs[0]
        rows.append(
            f"{label}|{count:,}|{first['bytes'] / 1024:,.0f}|"
            f"{'yes' if first['streamed'] else '**no**'}|{mib(runs, 'rss_before_kb'):.1f}|"
            f"{mib(runs, 'rss_peak_kb'):.1f}|{mib(runs, 'rss_peak_kb', 'rss_before_kb'):.1f}|"
            f"{mib(runs, 'traced_peak_bytes') / 1024:.2f}|{fmt_ms(seconds)}|"
            + (fmt_ms(seconds / count * 10_000) if count >= 1000 else "- (fixed costs)")
        )
    report.add_table("export", rows)
    by_rows: dict[int, list[dict]] = {}
    for r in report.raw["export_memory"]:
        if r["status"] == 200:
            by_rows.setdefault(r["rows"], []).append(r)
    runs = [by_rows[n] for n in sorted(by_rows)]
    peaks = " / ".join(f"{mib(r, 'traced_peak_bytes') / 1024:.2f}" for r in runs)
    growth = max(mib(r, "rss_peak_kb", "rss_before_kb") for r in runs)
    histories = " / ".join(f"{n:,} rows" for n in sorted(by_rows))
    report.summary["memory"] = [
        f"export: tracemalloc peak MiB by history {histories}|{peaks}|flat|"
        f"peak RSS growth at most {growth:.1f} MiB"
    ]


# --- 2 and 3. load ---------------------------------------------------------------------------


def request(path: str, session: str, csrf=None, method="GET", body="") -> tuple[str, ...]:
    """A prepared request of a plan. Each reader is a browser that has been here before: it
    sends back its session and the CSRF cookie (32 hex characters: a valid unmasked secret) its
    first page set."""
    cookie = f"sessionid={session}; csrftoken={csrf or secrets.token_hex(16)}"
    return ("request", method, path, cookie, body)


def reads(load, label: str, n: int) -> list[tuple[str, ...]]:
    sessions = load.sessions
    return [request(load.paths[label.split()[0]], sessions[i % len(sessions)]) for i in range(n)]


def prepare_load(args, today: date) -> SimpleNamespace:
    """Signed-in readers and writers, the plans of prepared requests wrk replays, and one
    logging request in-process, to count its queries (the entry is removed at the end)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from bench.pages import signed_in_client
    from tracker.models import SupplementProduct

    population = User.objects.filter(username__regex=rf"^{POPULATION_PREFIX}[0-9]+$")
    people = list(population.order_by("pk")[: args.load_people + WRITERS])
    load = SimpleNamespace(readers=people[: args.load_people], writers=people[args.load_people :])
    load.sessions = [signed_in_client(p).cookies["sessionid"].value for p in load.readers]
    load.paths = {"minimal": "/bench/minimal", "dashboard": "/", "week": f"/week/{today:%Y-%m-%d}/"}
    load.plans = {label: reads(load, label, len(load.sessions)) for label in load.paths}
    # Logging an entry: a supplement, 1 serving, today, with a CSRF token and a session.
    csrf, load.write_path = secrets.token_hex(16), reverse("entry-add")

    def form(who) -> dict[str, str]:
        product = SupplementProduct.objects.filter(owner=who, kind="supplement").first()
        return dict(day=today.isoformat(), product=str(product.pk), servings="1", note=WRITE_NOTE)

    load.plans["write"] = [
        request(load.write_path, signed_in_client(who).cookies["sessionid"].value, csrf, "POST",
                urlencode({**form(who), "csrfmiddlewaretoken": csrf}))
        for who in load.writers
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        response = signed_in_client(load.writers[0]).post(load.write_path, form(load.writers[0]))
    load.probe, load.started = (response.status_code, len(ctx.captured_queries)), datetime.now(UTC)
    return load


def drive_load(args, load) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """gunicorn and the wrk runs, alternating between the views: the results by view, and
    the statuses the server logged for the writes."""
    results_dir = Path(args.results_dir)
    results_dir.mkdir(exist_ok=True)
    runs: dict[str, list[dict]] = {label: [] for label in (*READ_RUNS, "write")}
    access_log, logged = results_dir / "gunicorn-access.log", {}
    access_log.write_text("")
    server = (args.db_url, args.workers, args.worker_class, args.threads)
    with common.gunicorn(*server, results_dir / "gunicorn.log", access_log) as base:

        def load_run(label: str, seconds: int) -> dict:
            # The uncached runs send a new CSRF secret on every request (new ones each run):
            # the page cache, keyed by it (tracker/page_cache.py), never has the page.
            plan = common.write_plan(load.plans.get(label) or reads(load, label, UNCACHED_REQUESTS))
            result = common.run_wrk(base, plan, seconds=seconds, connections=args.connections)
            plan.unlink()
            return result

        # Warm-up: every worker imports, connects and compiles its templates.
        load_run("minimal", 2)
        load_run("dashboard", 3)
        for n in range(args.load_runs):
            for label in list(runs) if n % 2 == 0 else reversed(runs):
                offset = access_log.stat().st_size
                runs[label].append(result := load_run(label, args.load_seconds))
                # Let the requests in flight when wrk stopped finish before the next run.
                time.sleep(1)
                for _, f in common.access_log_lines(access_log, offset) if label == "write" else ():
                    if len(f) >= 3 and f[0] == "POST" and f[1] == load.write_path:
                        logged[f[2]] = logged.get(f[2], 0) + 1
                log(f"  run {n + 1} {label:<18} {result['rps']:7.1f} req/s  {result['statuses']}")
    return runs, logged


def section_load(report, args, today: date) -> None:
    """Sections 2 and 3: the same server and wrk settings for every view and the writes."""
    from django.db import connections

    from tracker.models import IntakeEntry, WarningSent

    load = prepare_load(args, today)
    connections.close_all()
    runs, logged = drive_load(args, load)
    section_throughput(report, args, load, runs)
    section_writes(report, load, runs, logged)
    # Leave the data as seeded for the next run.
    IntakeEntry.objects.filter(owner__in=load.writers, note=WRITE_NOTE).delete()
    WarningSent.objects.filter(owner__in=load.writers, sent_at__gte=load.started).delete()


def section_throughput(report, args, load, runs: dict[str, list[dict]]) -> None:
    def med(label: str, key: str) -> float:
        return median(r[key] for r in runs[label])

    def latency(label: str) -> str:
        return " / ".join(f"{med(label, k):.1f}" for k in ("p50_ms", "p95_ms", "p99_ms"))

    rows, summary, minimal = [], [], med("minimal", "rps")
    for label in READ_RUNS:
        rps, uncached = med(label, "rps"), label.endswith("uncached")
        ratio, ok = rps / minimal, rps / minimal >= THROUGHPUT_TARGET
        each = " / ".join(
            f"{r['rps'] / m['rps']:.2f}" for r, m in zip(runs[label], runs["minimal"], strict=True)
        )
        first_view = FIRST_VIEW_TARGETS.get(label)
        if first_view:
            ok = ratio >= first_view
        ratio_text = (
            "1" if label == "minimal"
            else f"**{ratio:.2f}** ({'ok' if ok else 'UNDER'} target >= {first_view}, rendering "
            f"every time; runs {each})" if first_view
            else f"{ratio:.2f} (rendering every time; runs {each})" if uncached
            else f"**{ratio:.2f}** ({'ok' if ok else 'UNDER'} target >= {THROUGHPUT_TARGET}; "
            f"runs {each})"
        )  # fmt: skip
        per_run = " / ".join(f"{r['rps']:.1f}" for r in runs[label])
        path = load.paths[label.split()[0]]
        rows.append(f"{label}|`{path}`|{per_run}|**{rps:.1f}**|{latency(label)}|{ratio_text}")
        target, verdict = (f">= {THROUGHPUT_TARGET}", "ok" if ok else "**missed**")
        if uncached:
            target, verdict = "-", "first view after a change"
        if first_view:
            target = f">= {first_view}"
            verdict = f"{'ok' if ok else '**missed**'} (first view after a change)"
        if label != "minimal":
            name = label.replace(" uncached", ", every request rendered,")
            summary.append(f"{name} / minimal throughput (gunicorn, wrk)|{ratio:.2f} "
                           f"({rps:.1f} / {minimal:.1f} req/s)|{target}|{verdict}")  # fmt: skip
    bad = {
        label: [r["statuses"] for r in rs if set(r["statuses"]) - {"200"}]
        for label, rs in runs.items()
        if label != "write"
    }
    threads = f" x {args.threads} threads" if args.threads > 1 else ""
    report.add_table(
        "load", rows, f"Responses other than 200: {bad}" if any(bad.values()) else "",
        threads=threads, readers=len(load.readers),
    )  # fmt: skip
    summary.append(f"dashboard latency p50 / p95 / p99 under load|{latency('dashboard')} ms|-|-")
    report.summary["load"] = summary
    report.raw["load"] = {k: [{**r, "stdout": ""} for r in v] for k, v in runs.items()}


def section_writes(report, load, runs: dict[str, list[dict]], logged: dict) -> None:
    """The view answers a logged entry with a redirect to its day and an invalid form with
    200: only redirects count as written."""
    from tracker.models import IntakeEntry

    def med(key: str) -> float:
        return median(r[key] for r in runs["write"])

    created = IntakeEntry.objects.filter(
        owner__in=load.writers, note=WRITE_NOTE, created_at__gte=load.started
    ).count()
    received = sum(r["statuses"].get(code, 0) for r in runs["write"] for code in REDIRECTS)
    server_ok = sum(n for code, n in logged.items() if code in REDIRECTS)
    rows = [
        "{n}|{rps:.1f}|{p50_ms:.1f}|{p95_ms:.1f}|{p99_ms:.1f}|".format(n=n, **r)
        + common.counts(r["statuses"]) + "|"
        + (", ".join(f"{k}: {v}" for k, v in r["statuses"].items() if k not in REDIRECTS) or "none")
        for n, r in enumerate(runs["write"], 1)
    ]  # fmt: skip
    rows.append(f"**median**|**{med('rps'):.1f}**|{med('p50_ms'):.1f}|**{med('p95_ms'):.1f}**|"
                f"{med('p99_ms'):.1f}||")  # fmt: skip
    same = "equal" if created == server_ok else "**DIFFERENT**"
    report.add_table(
        "writes", rows, report.text("probe", probe=load.probe),
        report.text("written", created=created, server=server_ok, same=same, received=received,
                    statuses=common.counts(logged)),
        path=load.write_path, writers=len(load.writers),
    )  # fmt: skip
    report.summary["load"].append(
        f"writes: logging an entry, req/s and p95|{med('rps'):.1f} req/s, p95 "
        f"{med('p95_ms'):.1f} ms|rows = logged responses|"
        + ("ok" if created == server_ok else "**rows differ**")
    )
    report.raw["write_check"] = dict(created=created, wrk=received, server=logged)


# --- main -----------------------------------------------------------------------------------


def section_first_visit(report, today: date) -> None:
    from bench.first_visit import first_visits

    who = f"{LONG_PREFIX}0"
    visits = report.raw["first_visit"] = first_visits(person(who), today)
    rows, totals = [], []
    for v in visits:
        files = sum(f["bytes"] for f in v["files"])
        zipped = sum(f["gzip"] for f in v["files"])
        largest = sorted(v["files"], key=lambda f: -f["bytes"])[:3]
        named = ", ".join(
            f"{f['url'].rsplit('/', 1)[-1].split('.')[0]} {f['bytes']:,}" for f in largest
        )
        totals.append(f"{v['label']} {v['html_gzip'] + files:,}")
        rows.append(f"{v['label']}|`{v['path']}`|{v['html']:,} ({v['html_gzip']:,})|"
                    f"{len(v['files'])}|{files:,} ({zipped} of {len(v['files'])})|"
                    f"**{v['html_gzip'] + files:,}**|{named}")  # fmt: skip
    report.summary["first_visit"] = [
        f"first visit, bytes transferred (HTML gzip'd): {' / '.join(totals)}|see section 6|-|-"
    ]
    report.add_table("first_visit", rows, who=who)


def measure(report, args, today: date) -> None:
    """Sections 1 to 5, in the order they are printed."""
    from django.contrib.sessions.models import Session
    from django.test.utils import override_settings

    from bench.pages import SESSION_KEYS

    section_pages(report, args, today)
    # The profile and EXPLAIN look at rendering and its queries: no page comes from the cache.
    with override_settings(PAGE_CACHE_SECONDS=0):
        section_breakdown(report, args, today)
    if args.skip_load:
        report.add("## 2. and 3. Load\n\nSkipped (`--skip-load`).")
    else:
        section_load(report, args, today)
    section_export_memory(report, args)
    with override_settings(PAGE_CACHE_SECONDS=0):
        section_explain(report, args, today)
    section_first_visit(report, today)
    Session.objects.filter(session_key__in=SESSION_KEYS).delete()


def header(report, facts: dict, seeding: str, elapsed: float) -> str:
    """The file's title, the facts of the machine and of the run, then the summary."""
    machine = common.machine_rows()
    rows = [
        machine["machine"], f"load average at start (1/5/15 min)|{facts['load_start']}",
        machine["os"], machine["python"], f"PostgreSQL|{facts['pg_version']}", machine["servers"],
        f"data|{report.text('data', n=facts['counts'], size=facts['db_size'])}",
        f"seeding|{seeding}", f"load average at the end|{common.loadavg()}",
        f"whole run|{elapsed / 60:.1f} min",
    ]  # fmt: skip
    title = ["# Benchmarks", report.text("title", at=facts["started_at"])]
    summary = [row for topic in SUMMARY_ORDER for row in report.summary.get(topic, [])]
    return [
        common.section("\n\n".join([*title, table("|", rows), report.text("contention")])),
        common.section("## Summary", table(HEADERS["summary"], summary)),
    ]


def main() -> None:
    args = common.parse_args(__doc__, "BENCH", KNOBS, FLAGS)
    started, today = time.perf_counter(), date.today()
    facts = {"started_at": datetime.now(UTC), "load_start": common.loadavg()}
    report = Report(args)
    if not args.skip_load and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or use --skip-load)")
    marker = (
        f"{MARKER_VERSION} users={args.users} days={args.days} epd={args.entries_per_day} "
        f"long={args.long_days} short={args.short_days} end={today}"
    )
    must_seed = prepare_database(args, marker)
    facts["pg_version"] = common.setup_django(args.db_url, migrate=True)
    from accounts.models import User
    from tracker.models import IntakeEntry, SymptomEntry

    seed_seconds = seed(args, today, marker) if must_seed else 0.0
    facts["db_size"] = common.sql("SELECT pg_size_pretty(pg_database_size(current_database()))")
    facts["counts"] = [model.objects.count() for model in (User, IntakeEntry, SymptomEntry)]
    measure(report, args, today)
    elapsed = time.perf_counter() - started
    seeding = (
        f"{seed_seconds:.0f} s (this run)" if must_seed
        else "reused the database as found (--reuse)" if args.reuse
        else "reused the data seeded earlier today at this scale"
    )  # fmt: skip
    report.sections[:0] = header(report, facts, seeding, elapsed)
    output = Path(args.output)
    output.write_text(
        "\n".join(report.sections) + common.replace_section(output, None), encoding="utf-8"
    )
    raw_path = Path(args.results_dir) / f"bench-{facts['started_at']:%Y%m%d-%H%M%S}.json"
    raw_path.parent.mkdir(exist_ok=True)
    raw = {**report.raw, "counts": facts["counts"]}
    raw_path.write_text(json.dumps(raw, indent=1, default=str))
    log(f"\nWrote {args.output} and {raw_path} in {elapsed / 60:.1f} min")


if __name__ == "__main__":
    main()
