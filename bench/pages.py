"""Server time and query count of each page, in-process, and EXPLAIN of the SQL they run.

Runs inside bench/run.py after django.setup(). Requests go through the full WSGI handler and
middleware via django.test.Client (no network, no test database: the benchmark database).
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
from django.utils import timezone

from bench.common import HOST, median, sql_shape


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
    size: int
    lines: int
    streamed: bool
    error: str = ""


def fetch(client: Client, path: str) -> Fetched:
    """GET a page and consume its body, streamed or not, without keeping it."""
    response = client.get(path)
    if response.exc_info:
        error = f"{response.exc_info[0].__name__}: {response.exc_info[1]}"
        return Fetched(response.status_code, 0, 0, False, error[:300])
    size = lines = 0
    if response.streaming:
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
    else:
        size = len(response.content)
        lines = response.content.count(b"\n")
    return Fetched(response.status_code, size, lines, response.streaming)


SESSION_KEYS: list[str] = []


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

    def median(self, who: str) -> float:
        return median(self.times.get(who, []))

    def ratio(self, long: str, short: str) -> float:
        return self.median(long) / self.median(short)

    def cpu_median(self, who: str) -> float:
        return median(self.cpu.get(who, []))

    def per_10k_rows(self, who: str) -> float:
        rows = self.rows.get(who, 0)
        return self.median(who) / rows * 10_000 if rows else float("nan")


def measure_pages(
    people: dict[str, object], today: date, *, reps: int, warmup: int, log=print
) -> list[PageResult]:
    """Time each page for each person, interleaved so both see the same machine load."""
    clients = {who: signed_in_client(user) for who, user in people.items()}
    order = list(clients)
    results = []
    for label, path in page_paths(today):
        result = PageResult(label, path)
        for who, client in clients.items():
            with CaptureQueriesContext(connection) as ctx:
                fetched = fetch(client, path)
            result.status[who] = fetched.status
            if fetched.error:
                result.errors[who] = fetched.error
            result.queries[who] = len(ctx.captured_queries)
            shapes = Counter(sql_shape(q["sql"]) for q in ctx.captured_queries)
            result.repeated[who] = [(n, sql) for sql, n in shapes.most_common() if n > 1]
            # Export rows: CSV lines minus the header.
            result.rows[who] = max(fetched.lines - 1, 0)
            result.streamed[who] = fetched.streamed
        if not result.ok:
            log(f"  {label:<9} {path}: HTTP {result.status} {result.errors} - not measured")
            results.append(result)
            continue
        for _ in range(warmup):
            for who in order:
                fetch(clients[who], path)
        result.times = {who: [] for who in order}
        result.cpu = {who: [] for who in order}
        # The export of a long history takes seconds: fewer repetitions suffice there.
        count = reps if label != "export" else max(5, reps // 3)
        for rep in range(count):
            # Alternate who goes first so neither always follows the other.
            for who in order if rep % 2 == 0 else reversed(order):
                started, cpu_started = time.perf_counter(), time.process_time()
                fetch(clients[who], path)
                result.times[who].append(time.perf_counter() - started)
                result.cpu[who].append(time.process_time() - cpu_started)
        medians = ", ".join(f"{who} {result.median(who) * 1000:.1f} ms" for who in order)
        queries = ", ".join(f"{who} {result.queries[who]}" for who in order)
        log(f"  {label:<9} {path}: median {medians}; queries {queries}")
        results.append(result)
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
HOT_TABLES = ("tracker_intakeentry", "tracker_symptomentry")


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


def capture_hot_queries(user, today: date) -> list[tuple[str, str]]:
    """(page, SQL) of every query a page runs against the entries or symptoms tables."""
    client = signed_in_client(user)
    found = []
    for label, path in page_paths(today):
        with CaptureQueriesContext(connection) as ctx:
            fetched = fetch(client, path)
        if fetched.status != 200:
            continue
        for query in ctx.captured_queries:
            sql = _DECLARE.sub("", query["sql"])
            if any(f'"{t}"' in sql for t in HOT_TABLES) and sql.lstrip().upper().startswith(
                "SELECT"
            ):
                found.append((label, sql))
    return found


def explain(hot: list[tuple[str, str]]) -> list[Plan]:
    by_shape: dict[str, Plan] = {}
    for page, sql in hot:
        shape = sql_shape(sql)
        if shape in by_shape:
            if page not in by_shape[shape].pages:
                by_shape[shape].pages.append(page)
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            text = "\n".join(row[0] for row in cursor.fetchall())
        indexes = sorted(set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\S+)", text)))
        indexes += sorted(set(re.findall(r"Bitmap Index Scan on (\S+)", text)))
        seq = sorted(set(re.findall(r"Seq Scan on (\S+)", text)))
        executed = re.search(r"Execution Time: ([\d.]+) ms", text)
        by_shape[shape] = Plan(
            pages=[page],
            kind=_kind(sql),
            sql=sql,
            plan=text,
            indexes=indexes,
            seq_scans=seq,
            execution_ms=float(executed.group(1)) if executed else float("nan"),
        )
    return list(by_shape.values())


def local_today(user) -> date:
    import zoneinfo

    return timezone.localdate(timezone=zoneinfo.ZoneInfo(user.timezone))


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


def _cumulative(stats, predicate) -> float:
    """Cumulative seconds of the functions matching ``predicate(filename, funcname)``."""
    return sum(
        row[3]
        for (filename, _, funcname), row in stats.stats.items()
        if predicate(filename, funcname)
    )


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
    stats = pstats.Stats(profiler)

    def per_request(seconds: float) -> float:
        return seconds / requests * 1000

    total = _cumulative(stats, lambda f, n: f.endswith("bench/pages.py") and n == "fetch")
    template = _cumulative(
        stats, lambda f, n: f.endswith("django/template/loader.py") and n == "render_to_string"
    )
    floatformat = _cumulative(
        stats, lambda f, n: f.endswith("template/defaultfilters.py") and n == "floatformat"
    )
    url = _cumulative(stats, lambda f, n: f.endswith("django/urls/base.py") and n == "reverse")
    sql = _cumulative(
        stats,
        lambda f, n: (
            f == "~"
            and ("psycopg2" in n or "psycopg" in n)
            and any(word in n for word in ("execute", "fetch"))
        ),
    )
    return Breakdown(
        label,
        path,
        per_request(total),
        per_request(template),
        per_request(floatformat),
        per_request(url),
        per_request(sql),
    )
