"""Server time and query count of each page, in-process, and EXPLAIN of the SQL they run.

Runs inside bench/run.py after django.setup(). Requests go through the full WSGI handler and
middleware via django.test.Client (no network, no test database: the benchmark database).
`python -m bench.pages DB_URL USERNAME WARMUP_USERNAME PATH` is one export-memory process.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import HOST, log, median, sql_shape

HOT_TABLES = ("tracker_intakeentry", "tracker_symptomentry")
SESSION_KEYS: list[str] = []


def page_paths(today: date) -> list[tuple[str, str]]:
    """The pages measured, as (label, path). The day page is yesterday: a full day of data."""
    return [
        ("dashboard", "/"),
        ("day", f"/day/{today - timedelta(days=1):%Y-%m-%d}/"),
        ("week", f"/week/{today:%Y-%m-%d}/"),
        ("history", "/history/"),
        ("export", "/export/entries.csv"),
    ]


@dataclass
class Fetched:
    status: int
    size: int = 0
    lines: int = 0
    streamed: bool = False
    error: str = ""


def fetch(client: Client, path: str) -> Fetched:
    """GET a page and consume its body, streamed or not, without keeping it."""
    response = client.get(path)
    if response.exc_info:
        kind, error = response.exc_info[:2]
        return Fetched(response.status_code, error=f"{kind.__name__}: {error}"[:300])
    if not response.streaming:
        return Fetched(response.status_code, len(response.content), response.content.count(b"\n"))
    size = lines = 0
    for chunk in response.streaming_content:
        size, lines = size + len(chunk), lines + chunk.count(b"\n")
    response.close()
    return Fetched(response.status_code, size, lines, response.streaming)


def signed_in_client(user) -> Client:
    """A client with a real session in the database (its key is kept, to delete it later)."""
    # A page that fails answers 500 and the benchmark goes on to say which page and why.
    client = Client(HTTP_HOST=HOST, raise_request_exception=False)
    client.force_login(user)
    SESSION_KEYS.append(client.session.session_key)
    return client


@dataclass
class PageResult:
    label: str
    path: str
    status: dict[str, int] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    repeated: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    streamed: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.status) and all(code == 200 for code in self.status.values())

    def median(self, who: str, cpu: bool = False) -> float:
        return median((self.cpu if cpu else self.times).get(who, []))

    def ratio(self, long: str = "5 y", short: str = "30 d", cpu: bool = False) -> float:
        return self.median(long, cpu) / self.median(short, cpu) if self.median(short, cpu) else 0

    def per_10k_rows(self, who: str) -> float:
        rows = self.rows.get(who, 0)
        return self.median(who) / rows * 10_000 if rows else float("nan")


def measure_pages(people: dict, today: date, *, reps: int, warmup: int) -> list[PageResult]:
    """Time each page for each person, interleaved so both see the same machine load."""
    clients = {who: signed_in_client(user) for who, user in people.items()}
    order = list(clients)
    results = []
    for label, path in page_paths(today):
        result = PageResult(label, path)
        results.append(result)
        for who, client in clients.items():
            with CaptureQueriesContext(connection) as ctx:
                fetched = fetch(client, path)
            result.status[who] = fetched.status
            if fetched.error:
                result.errors[who] = fetched.error
            result.queries[who] = len(ctx.captured_queries)
            shapes = Counter(sql_shape(q["sql"]) for q in ctx.captured_queries)
            result.repeated[who] = [(n, sql) for sql, n in shapes.most_common() if n > 1]
            result.rows[who] = max(fetched.lines - 1, 0)  # export rows: CSV lines - header
            result.streamed[who] = fetched.streamed
        if not result.ok:
            log(f"  {label:<9} {path}: HTTP {result.status} {result.errors} - not measured")
            continue
        for _ in range(warmup):
            for who in order:
                fetch(clients[who], path)
        result.times, result.cpu = {who: [] for who in order}, {who: [] for who in order}
        # The export of a long history takes seconds: fewer repetitions suffice there.
        for rep in range(reps if label != "export" else max(5, reps // 3)):
            # Alternate who goes first so neither always follows the other.
            for who in order if rep % 2 == 0 else reversed(order):
                started, cpu_started = time.perf_counter(), time.process_time()
                fetch(clients[who], path)
                result.times[who].append(time.perf_counter() - started)
                result.cpu[who].append(time.process_time() - cpu_started)
        medians = ", ".join(f"{who} {result.median(who) * 1000:.1f} ms" for who in order)
        queries = ", ".join(f"{who} {result.queries[who]}" for who in order)
        log(f"  {label:<9} {path}: median {medians}; queries {queries}")
    return results


def measure_cached(user, today: date, *, reps: int) -> list[tuple[str, str, float, int]]:
    """(label, path, median seconds, queries) of each page served from the page cache.

    The client first renders the page twice (the first sets the CSRF cookie the cache key
    needs, the second is kept), then times ``reps`` requests that the cache answers.
    """
    client = signed_in_client(user)
    measured = []
    for label, path in page_paths(today)[:4]:
        fetch(client, path)
        fetch(client, path)
        with CaptureQueriesContext(connection) as ctx:
            fetch(client, path)
        # Counted now: every request clears the connection's query log they are read from.
        queries = len(ctx.captured_queries)
        times = []
        for _ in range(reps):
            started = time.perf_counter()
            fetch(client, path)
            times.append(time.perf_counter() - started)
        measured.append((label, path, median(times), queries))
    return measured


# --- EXPLAIN ---------------------------------------------------------------------------------

_DECLARE = re.compile(r"^\s*DECLARE\s+\S+\s+.*?CURSOR\s+WITH(?:OUT)?\s+HOLD\s+FOR\s+", re.I | re.S)


@dataclass
class Plan:
    pages: list[str]
    kind: str
    sql: str
    plan: str
    indexes: list[str]
    seq_scans: list[str]
    execution_ms: float


def _kind(sql: str) -> str:
    upper = sql.upper()
    table = "symptoms" if "TRACKER_SYMPTOMENTRY" in upper.split(" WHERE ")[0] else "entries"
    if " GROUP BY " in upper:
        return f"grouped aggregate of {table}"
    if re.search(r"\b(SUM|COUNT|AVG|MAX|MIN)\(", upper.split(" FROM ")[0]):
        return f"aggregate of {table}"
    return f"list of {table}"


def explain_pages(user, today: date) -> list[Plan]:
    """EXPLAIN (ANALYZE, BUFFERS) of every query a page runs against the entries or symptoms
    tables, once per SQL shape."""
    client = signed_in_client(user)
    by_shape: dict[str, Plan] = {}
    for page, path in page_paths(today):
        with CaptureQueriesContext(connection) as ctx:
            if fetch(client, path).status != 200:
                continue
        for query in ctx.captured_queries:
            sql = _DECLARE.sub("", query["sql"])
            if not sql.lstrip().upper().startswith("SELECT") or not any(
                f'"{t}"' in sql for t in HOT_TABLES
            ):
                continue
            shape = sql_shape(sql)
            if shape in by_shape:
                if page not in by_shape[shape].pages:
                    by_shape[shape].pages.append(page)
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                text = "\n".join(row[0] for row in cursor.fetchall())
            indexes = sorted(
                set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\S+)", text))
            )
            indexes += sorted(set(re.findall(r"Bitmap Index Scan on (\S+)", text)))
            executed = re.search(r"Execution Time: ([\d.]+) ms", text)
            seq = sorted(set(re.findall(r"Seq Scan on (\S+)", text)))
            ms = float(executed.group(1)) if executed else float("nan")
            by_shape[shape] = Plan([page], _kind(sql), sql, text, indexes, seq, ms)
    return list(by_shape.values())


# --- Where the time goes ---------------------------------------------------------------------


@dataclass
class Breakdown:
    label: str
    path: str
    total_ms: float
    template_ms: float
    floatformat_ms: float
    url_ms: float
    sql_ms: float

    @property
    def other_ms(self) -> float:
        return max(self.total_ms - self.template_ms - self.sql_ms, 0.0)


# What each column of the breakdown sums: cumulative time of the functions matching.
PROFILED = {
    "total": lambda f, n: f.endswith("bench/pages.py") and n == "fetch",
    "template": lambda f, n: f.endswith("django/template/loader.py") and n == "render_to_string",
    "floatformat": lambda f, n: f.endswith("template/defaultfilters.py") and n == "floatformat",
    "url": lambda f, n: f.endswith("django/urls/base.py") and n == "reverse",
    "sql": lambda f, n: f == "~" and "psycopg" in n and ("execute" in n or "fetch" in n),
}


def breakdown(client: Client, label: str, path: str, *, requests: int) -> Breakdown:
    """Profile ``requests`` requests and split their time: templates, SQL, the rest.

    Under the profiler everything runs slower; the split, not the total, is the point.
    """
    import cProfile
    import pstats

    fetch(client, path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        fetch(client, path)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    return Breakdown(
        label,
        path,
        *(
            sum(row[3] for (f, _, n), row in stats.items() if matches(f, n)) / requests * 1000
            for matches in PROFILED.values()
        ),
    )


def export_memory(username: str, warmup_username: str, path: str) -> dict:
    """Peak memory of this process exporting one person's entries (a fresh process each time,
    because the peak resident set size, ru_maxrss, only ever goes up).

    It first exports a small history so that imports, templates and connections are in place,
    notes its peak RSS, then exports ``username`` and notes the peak again: the growth is what
    the export itself needed. A second pass under tracemalloc gives the peak of Python
    allocations during the export.
    """
    import resource
    import tracemalloc

    from accounts.models import User

    warm = signed_in_client(User.objects.get(username=warmup_username))
    client = signed_in_client(User.objects.get(username=username))
    for _ in range(2):
        fetch(warm, path)
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    fetched = fetch(client, path)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    fetch(client, path)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "username": username,
        "status": fetched.status,
        "streamed": fetched.streamed,
        "rows": max(fetched.lines - 1, 0),
        "bytes": fetched.size,
        "seconds": seconds,
        "rss_before_kb": before_kb,
        "rss_peak_kb": peak_kb,
        "traced_peak_bytes": traced_peak,
    }


if __name__ == "__main__":
    import json
    import sys

    from bench.common import setup_django

    setup_django(sys.argv[1])
    print(json.dumps(export_memory(*sys.argv[2:5])))
