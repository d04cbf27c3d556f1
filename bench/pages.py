"""Server time and query count of each page, in-process, and EXPLAIN of the SQL they run.

Runs inside bench/run.py after django.setup(). Requests go through the full WSGI handler and
middleware via django.test.Client (no network, no test database: the benchmark database).
`python -m bench.pages DB_URL USERNAME WARMUP_USERNAME PATH` is one export-memory process.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import HOST, median, sql_shape

HOT_TABLES = ("tracker_intakeentry", "tracker_symptomentry")
SESSION_KEYS: list[str] = []
# A query of a streamed export is DECLAREd as a cursor: what is explained is its SELECT.
DECLARE = re.compile(r"^\s*DECLARE\s+\S+\s+.*?CURSOR\s+WITH(?:OUT)?\s+HOLD\s+FOR\s+", re.I | re.S)


def page_paths(today: date) -> list[tuple[str, str]]:
    """The pages measured, as (label, path). The day page is yesterday: a full day of data."""
    day, week = f"/day/{today - timedelta(days=1):%Y-%m-%d}/", f"/week/{today:%Y-%m-%d}/"
    return [("dashboard", "/"), ("day", day), ("week", week), ("history", "/history/"),
            ("export", "/export/entries.csv")]  # fmt: skip


def fetch(client: Client, path: str) -> SimpleNamespace:
    """GET a page and consume its body, streamed or not, without keeping it: its status,
    size, lines, whether it streamed and the error it raised."""
    response = client.get(path)
    got = SimpleNamespace(status=response.status_code, size=0, lines=0, streamed=False, error="")
    if response.exc_info:
        got.error = "{.__name__}: {}".format(*response.exc_info[:2])[:300]
        return got
    for chunk in response.streaming_content if response.streaming else [response.content]:
        got.size, got.lines = got.size + len(chunk), got.lines + chunk.count(b"\n")
    got.streamed = response.streaming
    response.close()
    return got


def signed_in_client(user) -> Client:
    """A client with a real session in the database (its key is kept, to delete it later)."""
    # A page that fails answers 500 and the benchmark goes on to say which page and why.
    client = Client(HTTP_HOST=HOST, raise_request_exception=False)
    client.force_login(user)
    SESSION_KEYS.append(client.session.session_key)
    return client


def timed(client: Client, path: str) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one request."""
    started, cpu_started = time.perf_counter(), time.process_time()
    fetch(client, path)
    return time.perf_counter() - started, time.process_time() - cpu_started


def measure_pages(people: dict, today: date, *, reps: int, warmup: int) -> list[SimpleNamespace]:
    """Time each page for each person, interleaved so both see the same machine load: per
    page its label, path, and by person status, error, queries, repeated queries, export
    rows, streamed, and the median wall-clock and CPU seconds."""
    clients = {who: signed_in_client(user) for who, user in people.items()}
    order, results = list(clients), []
    for label, path in page_paths(today):
        r = SimpleNamespace(label=label, path=path, **{k: {} for k in ("status", "errors",
            "queries", "repeated", "rows", "streamed", "ms", "cpu")})  # fmt: skip
        results.append(r)
        for who, client in clients.items():
            with CaptureQueriesContext(connection) as ctx:
                got = fetch(client, path)
            shapes = Counter(sql_shape(q["sql"]) for q in ctx.captured_queries)
            r.status[who], r.queries[who] = got.status, len(ctx.captured_queries)
            r.repeated[who] = [(n, sql) for sql, n in shapes.most_common() if n > 1]
            r.rows[who], r.streamed[who] = max(got.lines - 1, 0), got.streamed  # CSV - header
            if got.error:
                r.errors[who] = got.error
        r.ok = all(code == 200 for code in r.status.values())
        if not r.ok:
            continue
        for _ in range(warmup):
            for who in order:
                fetch(clients[who], path)
        times = {who: [] for who in order}
        # The export of a long history takes seconds: fewer repetitions suffice there.
        for rep in range(reps if label != "export" else max(5, reps // 3)):
            # Alternate who goes first so neither always follows the other.
            for who in order if rep % 2 == 0 else reversed(order):
                times[who].append(timed(clients[who], path))
        for who in order:
            r.ms[who] = median(t[0] for t in times[who])
            r.cpu[who] = median(t[1] for t in times[who])
    return results


def measure_cached(user, today: date, *, reps: int) -> list[tuple[str, str, float, int]]:
    """(label, path, median seconds, queries) of each page served from the page cache.

    The client first renders the page twice (the first sets the CSRF cookie the cache key
    needs, the second is kept), then times ``reps`` requests that the cache answers.
    """
    client, measured = signed_in_client(user), []
    for label, path in page_paths(today)[:4]:
        fetch(client, path)
        fetch(client, path)
        with CaptureQueriesContext(connection) as ctx:
            fetch(client, path)
        # Counted now: every request clears the connection's query log they are read from.
        queries = len(ctx.captured_queries)
        seconds = median(timed(client, path)[0] for _ in range(reps))
        measured.append((label, path, seconds, queries))
    return measured


# --- EXPLAIN ---------------------------------------------------------------------------------


def _kind(sql: str) -> str:
    upper = sql.upper()
    table = "symptoms" if "TRACKER_SYMPTOMENTRY" in upper.split(" WHERE ")[0] else "entries"
    if " GROUP BY " in upper:
        return f"grouped aggregate of {table}"
    if re.search(r"\b(SUM|COUNT|AVG|MAX|MIN)\(", upper.split(" FROM ")[0]):
        return f"aggregate of {table}"
    return f"list of {table}"


def explain(sql: str) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of one query: its kind, SQL, plan, indexes, seq scans, time."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        text = "\n".join(row[0] for row in cursor.fetchall())
    indexes = sorted(set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\S+)", text)))
    indexes += sorted(set(re.findall(r"Bitmap Index Scan on (\S+)", text)))
    executed = re.search(r"Execution Time: ([\d.]+) ms", text)
    return dict(
        kind=_kind(sql), sql=sql, plan=text, indexes=indexes,
        seq_scans=sorted(set(re.findall(r"Seq Scan on (\S+)", text))),
        execution_ms=float(executed.group(1)) if executed else float("nan"),
    )  # fmt: skip


def explain_pages(user, today: date) -> list[dict]:
    """explain() of every query a page runs against the entries or symptoms tables, once per
    SQL shape, with the pages that run it."""
    client, by_shape = signed_in_client(user), {}
    for page, path in page_paths(today):
        with CaptureQueriesContext(connection) as ctx:
            if fetch(client, path).status != 200:
                continue
        for query in ctx.captured_queries:
            sql = DECLARE.sub("", query["sql"])
            hot = any(f'"{t}"' in sql for t in HOT_TABLES)
            if not hot or not sql.lstrip().upper().startswith("SELECT"):
                continue
            if (shape := sql_shape(sql)) not in by_shape:
                by_shape[shape] = {"pages": [], **explain(sql)}
            if page not in by_shape[shape]["pages"]:
                by_shape[shape]["pages"].append(page)
    return list(by_shape.values())


# --- Where the time goes ---------------------------------------------------------------------

# What each column of the breakdown sums: cumulative time of the functions matching.
PROFILED = {
    "total": lambda f, n: f.endswith("bench/pages.py") and n == "fetch",
    "template": lambda f, n: f.endswith("django/template/loader.py") and n == "render_to_string",
    "floatformat": lambda f, n: f.endswith("template/defaultfilters.py") and n == "floatformat",
    "url": lambda f, n: f.endswith("django/urls/base.py") and n == "reverse",
    "sql": lambda f, n: f == "~" and "psycopg" in n and ("execute" in n or "fetch" in n),
}


def breakdown(client: Client, path: str, *, requests: int) -> dict[str, float]:
    """Milliseconds per request by PROFILED column, and "other" (not templates, not SQL),
    over ``requests`` requests under cProfile: everything runs slower, the split is the point."""
    import cProfile
    import pstats

    fetch(client, path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        fetch(client, path)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    ms = {
        column: sum(row[3] for (f, _, n), row in stats.items() if matches(f, n)) / requests * 1000
        for column, matches in PROFILED.items()
    }
    return {**ms, "other": max(ms["total"] - ms["template"] - ms["sql"], 0.0)}


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
    seconds = timed(client, path)[0]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    got = fetch(client, path)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dict(
        username=username, status=got.status, streamed=got.streamed, rows=max(got.lines - 1, 0),
        bytes=got.size, seconds=seconds, rss_before_kb=before_kb, rss_peak_kb=peak_kb,
        traced_peak_bytes=traced_peak,
    )  # fmt: skip


if __name__ == "__main__":
    import json
    import sys

    from bench.common import setup_django

    setup_django(sys.argv[1])
    print(json.dumps(export_memory(*sys.argv[2:5])))
