"""What bench/run.py and bench/soak.py share: environment, Django, PostgreSQL, gunicorn, wrk,
statistics, the machine's facts and the tables they print into BENCHMARKS.md."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
HOST = "127.0.0.1"
# Accounts that seed_bench creates (username = prefix + number).
POPULATION_PREFIX = "bench"
LONG_PREFIX = "bench5y-"
SHORT_PREFIX = "bench30d-"
WRITE_NOTE = "bench-write"
# Sections of BENCHMARKS.md that bench/soak.py writes; a rerun of bench/run.py keeps them.
SOAK_MARKS = ("<!-- soak:start -->", "<!-- soak:end -->")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def log(message: str) -> None:
    print(message, flush=True)


def bench_environment(db_url: str) -> dict[str, str]:
    """The environment the app runs under during the benchmark: production settings.

    DEBUG stays off (as in production: no query log, manifest static files); the secret key
    is a throwaway one because only the benchmark's own processes use it. DJANGO_BENCH_VIEWS
    installs the bench app (seed_bench) and routes its minimal view.
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=env.get("BENCH_SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
        DJANGO_BENCH="1",
        DJANGO_BENCH_VIEWS="1",
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def setup_django(db_url: str, *, migrate: bool = False) -> None:
    """django.setup() on the benchmark's database; ``migrate`` also migrates and collects
    the static files (the manifest storage that production uses)."""
    os.environ.update(bench_environment(db_url))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import logging

    import django
    from django.core.management import call_command

    django.setup()
    # Failing pages are reported in the tables; no tracebacks in the benchmark's output.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    if migrate:
        log("migrate")
        call_command("migrate", verbosity=0)
        log("collectstatic (the manifest storage that production uses)")
        call_command("collectstatic", interactive=False, verbosity=0)


def maintenance_connection(db_url: str):
    """An autocommit connection to the server's `postgres` database, and the name in db_url."""
    import psycopg2

    url = urlparse(db_url)
    conn = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn, url.path.lstrip("/")


# --- Figures and tables ---------------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def percentile(values: list[int], p: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
        if values
        else float("nan")
    )


_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def sql_shape(sql: str) -> str:
    """The query with its literals replaced, to spot the same query run many times (N+1)."""
    return _LITERAL.sub("?", sql)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def table(header: str, rows: Iterable[str | list]) -> str:
    """A Markdown table; the header, and any row given as one string, separate cells by '|'."""
    cells = [header.split("|"), *(row.split("|") if isinstance(row, str) else row for row in rows)]
    lines = ["| " + " | ".join(str(cell) for cell in row) + " |" for row in cells]
    return "\n".join([lines[0], "|" + "|".join("---" for _ in cells[0]) + "|", *lines[1:]])


def machine_facts() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")), "")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    wrk, wrk_version = shutil.which("wrk"), "missing"
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
        wrk_version = (out.stdout + out.stderr).split("Copyright")[0].strip()
    gunicorn = [str(ROOT / ".venv/bin/gunicorn"), "--version"]
    gunicorn_version = subprocess.run(gunicorn, capture_output=True, text=True, check=False)  # noqa: S603
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu or "unknown CPU",
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "load": loadavg(),
        "python": platform.python_version(),
        "wrk": wrk_version,
        "gunicorn": gunicorn_version.stdout.strip(),
        "os": platform.platform(),
    }


def machine_rows(facts: dict[str, str]) -> dict[str, list[str]]:
    """The rows of the facts table that both reports print, by name."""
    import django

    return {
        "machine": ["machine", f"{facts['cpus']} CPUs ({facts['cpu']}), {facts['memory']} RAM"],
        "os": ["OS", facts["os"]],
        "python": ["Python / Django", f"{facts['python']} / {django.get_version()}"],
        "servers": ["gunicorn / wrk", f"{facts['gunicorn']} / {facts['wrk']}"],
    }


def replace_section(path: Path, text: str | None, marks: tuple[str, str] = SOAK_MARKS) -> str:
    """The file's text with ``text`` between the marks (replacing what was there, or at the
    end); ``text=None`` returns only what is between them now, marks included."""
    start_mark, end_mark = marks
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(start_mark)
    end = old.find(end_mark, start) if start >= 0 else -1
    found = start >= 0 and end >= 0
    if text is None:
        return f"\n{old[start : end + len(end_mark)]}\n" if found else ""
    block = f"{start_mark}\n{text.rstrip()}\n{end_mark}"
    if found:
        return old[:start] + block + old[end + len(end_mark) :]
    return old.rstrip("\n") + "\n\n" + block + "\n" if old else block + "\n"


# --- gunicorn and wrk -----------------------------------------------------------------------


@contextmanager
def gunicorn(env, *, workers, worker_class, threads, log_path, access_log, extra_format=""):
    """A gunicorn serving config.wsgi on a free loopback port; yields its base URL.

    Its access log (method, path, status, microseconds, then ``extra_format``) tells what the
    server answered, including the requests still in flight when wrk stopped counting.
    """
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    command = [
        *(str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind", f"{HOST}:{port}"),
        *("--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads)),
        *("--timeout", "60", "--log-level", "warning", "--access-logfile", str(access_log)),
        *("--access-logformat", f"%(m)s %(U)s %(s)s %(D)s {extra_format}".strip()),
    ]
    with open(log_path, "ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /healthz in 60 s; see {log_path}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def write_requests(lines: list[tuple[str, str, str, str]]) -> Path:
    """A plan of prepared requests for wrk.lua: (method, path, cookie header, form body)."""
    with tempfile.NamedTemporaryFile(
        "w", prefix="bench-requests-", suffix=".tsv", delete=False, encoding="utf-8"
    ) as handle:
        for fields in lines:
            if any("\t" in value or "\n" in value for value in fields):
                raise ValueError(f"tab or newline in a request field: {fields!r}")
            handle.write("\t".join(("request", *fields)) + "\n")
    return Path(handle.name)


def run_wrk(
    base: str, plan: Path, *, seconds: int, connections: int, threads: int, timeout: int = 10
) -> dict:
    """wrk with bench/wrk.lua over the plan (see there): the JSON line it prints, with req/s,
    milliseconds and the statuses of prepared requests added, and wrk's output."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if not base.startswith(f"http://{HOST}:"):
        raise SystemExit(f"refusing to load {base}: loopback only")
    command = [
        *(wrk, f"--threads={threads}", f"--connections={connections}"),
        *(f"--duration={seconds}s", f"--timeout={timeout}s", f"--script={HERE / 'wrk.lua'}"),
        base + "/",
    ]
    env = {"BENCH_REQUESTS": str(plan), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    data["statuses"] = {
        k.split()[1]: n for k, n in data["counts"].items() if k.startswith("request ")
    }
    data["seconds"] = data["duration_us"] / 1e6
    data["rps"] = data["requests"] / data["seconds"] if data["seconds"] else 0.0
    for p in ("p50", "p95", "p99", "max"):
        data[f"{p}_ms"] = data[f"{p}_us"] / 1000
    data["stdout"] = done.stdout
    return data


def access_log_lines(path: Path, offset: int) -> Iterable[tuple[str, list[str]]]:
    """(line, its fields) of each line the server logged after byte ``offset``."""
    with open(path, encoding="utf-8", errors="replace") as lines:
        lines.seek(offset)
        for line in lines:
            yield line.rstrip(), line.split()
