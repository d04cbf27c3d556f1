"""What bench/run.py, bench/soak.py and bench/scale_check.py share: knobs, Django, PostgreSQL,
processes (gunicorn), a browser's sign-in, wrk, statistics, the machine's facts and the
Markdown they print and write into BENCHMARKS.md."""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# The section of BENCHMARKS.md that bench/soak.py writes; a rerun of bench/run.py keeps it.
SOAK_MARKS = ("<!-- soak:start -->", "<!-- soak:end -->")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args(doc: str, prefix: str, knobs, flags=()) -> argparse.Namespace:
    """Options from one table of (name, default, help): each one's default comes from the
    environment variable PREFIX_NAME (--db-url: PREFIX_DATABASE_URL) when set; ``flags`` are
    (name, help) switches."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default, more in knobs:
        env = f"{prefix}_{name.upper().replace('-', '_').replace('DB_URL', 'DATABASE_URL')}"
        kind = int if isinstance(default, int) else str
        value = os.environ.get(env) or default
        parser.add_argument(f"--{name}", type=kind, default=value, help=f"{more} ({env})".strip())
    for name, more in flags:
        parser.add_argument(f"--{name}", action="store_true", help=more)
    return parser.parse_args()


def log(message: str) -> None:
    print(message, flush=True)


def bench_environment(db_url: str) -> dict[str, str]:
    """The app's environment while benchmarking: production settings (DEBUG off, manifest
    static files), a throwaway secret key, and the bench app with its minimal view."""
    secret = os.environ.get("BENCH_SECRET_KEY", "bench-only-secret-key-" + 40 * "x")
    return {
        **os.environ, "DATABASE_URL": db_url, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secret,
        "DJANGO_BENCH": "1", "DJANGO_BENCH_VIEWS": "1", "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DJANGO_LOG_LEVEL": "ERROR", "PYTHONPATH": str(ROOT),
    }  # fmt: skip


def setup_django(db_url: str, *, migrate: bool = False, env: dict | None = None) -> str:
    """django.setup() on the benchmark's database with ``env`` (bench_environment by default)
    as the whole environment (``migrate``: also migrate and collect the static files, as
    production does); returns PostgreSQL's version."""
    import logging

    env = env or bench_environment(db_url)
    os.environ.clear()
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    # Failing pages are reported in the tables; no tracebacks in the benchmark's output.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    if migrate:
        log("migrate, collectstatic")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
    return sql("SHOW server_version")


def sql(query: str, params=()):
    """The first value of the first row of a query on Django's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0] if cursor.description else None


def db_name(db_url: str) -> str:
    return urlparse(db_url).path.lstrip("/")


def maintenance(db_url: str, *statements: tuple) -> list:
    """Run (SQL, parameters...) statements on the server's `postgres` database, in autocommit;
    ``{}`` in the SQL is db_url's database, quoted. Returns each one's first row."""
    import psycopg2

    url, rows = urlparse(db_url), []
    conn = psycopg2.connect(host=url.hostname, port=url.port or 5432, user=url.username,
                            password=url.password, dbname="postgres")  # fmt: skip
    conn.autocommit = True
    with conn.cursor() as cur:
        for statement, *params in statements:
            cur.execute(statement.format(f'"{db_name(db_url)}"'), params)
            rows.append(cur.fetchone() if cur.description else None)
    conn.close()
    return rows


# --- Figures and Markdown -------------------------------------------------------------------


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def percentile(values: list[int], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if values else 0


def sql_shape(sql: str) -> str:
    """The query with its literals replaced, to spot the same query run many times (N+1)."""
    return re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", sql)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def counts(statuses: dict, sep: str = ", ") -> str:
    """``{"200": 1234}`` as "200: 1,234", in order of status."""
    return sep.join(f"{k}: {v:,}" for k, v in sorted(statuses.items()))


def para(text: str, **fields) -> str:
    """Paragraphs written over several source lines, a blank line between two: each as one
    line, the fields filled in."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs).format(**fields)


def table(header: str, rows) -> str:
    """A Markdown table; the header, and any row given as one string, separate cells by '|'."""
    cells = [header.split("|"), *(row.split("|") if isinstance(row, str) else row for row in rows)]
    lines = ["| " + " | ".join(str(cell) for cell in row) + " |" for row in cells]
    return "\n".join([lines[0], "|" + "|".join("---" for _ in cells[0]) + "|", *lines[1:]])


def section(*blocks: str) -> str:
    """Markdown blocks (heading, paragraphs, tables) separated by blank lines; printed."""
    text = "\n\n".join(block for block in blocks if block).rstrip() + "\n"
    print("\n" + text, flush=True)
    return text


def machine_rows() -> dict[str, list[str]]:
    """The rows of the facts table that both reports print, by name."""
    import django

    def first(path: str, key: str) -> str:
        lines = Path(path).read_text().splitlines()
        return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(key)), "")

    def version(*command: str) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        return done.stdout + done.stderr

    cpu, mem_kb = first("/proc/cpuinfo", "model name"), int(first("/proc/meminfo", "MemTotal")[:-3])
    wrk = shutil.which("wrk")
    wrk = version(wrk, "--version").split("Copyright")[0].strip() if wrk else "missing"
    gunicorn = version(str(ROOT / ".venv/bin/gunicorn"), "--version").strip()
    return {
        "machine": ["machine", f"{os.cpu_count()} CPUs ({cpu or 'unknown CPU'}), "
                    f"{mem_kb / 1024 / 1024:.1f} GiB RAM"],
        "os": ["OS", platform.platform()],
        "python": ["Python / Django", f"{platform.python_version()} / {django.get_version()}"],
        "servers": ["gunicorn / wrk", f"{gunicorn} / {wrk}"],
    }  # fmt: skip


def replace_section(path: Path, text: str | None) -> str:
    """The file's text with ``text`` between the soak marks (replacing what was there, or at
    the end); ``text=None`` returns only what is between them now, marks included."""
    start_mark, end_mark = SOAK_MARKS
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


# --- Processes, gunicorn, a browser, wrk ----------------------------------------------------


class Processes:
    """Subprocesses, each in its own process group logging to LOG_DIR/NAME.log; stop() ends
    them all (SIGTERM, then SIGKILL)."""

    def __init__(self, log_dir: Path):
        self.log_dir, self.started = log_dir, []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        out = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
        self.started.append((name, process, out))
        return process

    def signal(self, sig: int) -> list[subprocess.Popen]:
        alive = [p for _, p, _ in self.started if p.poll() is None]
        for process in alive:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
        return alive

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            deadline, alive = time.monotonic() + wait, self.signal(sig)
            for process in alive:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
        for _, _, out in self.started:
            out.close()

    def check_alive(self) -> None:
        for name, process, _ in self.started:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {name}.log")

    def wait_healthy(self, base: str, deadline: float) -> None:
        """Until ``base`` answers /healthz with 200 (RuntimeError at the deadline)."""
        while True:
            self.check_alive()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{base} did not answer /healthz in time")
            time.sleep(0.3)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def gunicorn_command(base: str, workers: int, *more: str) -> list[str]:
    """gunicorn serving config.wsgi on ``base`` (http://HOST:PORT)."""
    return [
        str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", base.removeprefix("http://"),
        "--workers", str(workers), "--timeout", "60", "--log-level", "warning", *more,
    ]  # fmt: skip


@contextmanager
def gunicorn(db_url, workers, worker_class, threads, log_path, access_log, extra_format=""):
    """A gunicorn serving config.wsgi on a free loopback port; yields its base URL.

    Its access log (method, path, status, microseconds, then ``extra_format``) tells what the
    server answered, including the requests still in flight when wrk stopped counting.
    """
    base, procs = f"http://{HOST}:{free_port()}", Processes(log_path.parent)
    logformat = f"%(m)s %(U)s %(s)s %(D)s {extra_format}".strip()
    more = ("--worker-class", worker_class, "--threads", str(threads), "--access-logfile",
            str(access_log), "--access-logformat", logformat)  # fmt: skip
    try:
        procs.start(
            log_path.stem, gunicorn_command(base, workers, *more), bench_environment(db_url)
        )
        procs.wait_healthy(base, time.monotonic() + 60)
        yield base
    finally:
        procs.stop()


class Browser:
    """One person's cookies, sent to whichever server a request goes to (as behind a proxy)."""

    def __init__(self, timeout: int = 30):
        self.jar, self.timeout = http.cookiejar.CookieJar(), timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def open(self, url: str, data: bytes | None = None, **headers) -> tuple[int, str, str]:
        """(status, the URL it landed on after redirects, the page)."""
        request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, url, error.read().decode(errors="replace")

    def csrf(self, form_url: str) -> str:
        """The CSRF token of the form at form_url."""
        status, _, page = self.open(form_url)
        if not (match := CSRF.search(page)):
            raise RuntimeError(f"no CSRF token on {form_url} ({status})")
        return match.group(1)

    def post(self, url: str, form_url: str, data: dict) -> tuple[int, str, str]:
        """The form at form_url for its CSRF token, then the POST (redirects followed)."""
        body = urlencode({**data, "csrfmiddlewaretoken": self.csrf(form_url)}).encode()
        return self.open(url, body, Referer=form_url)

    def cookies(self) -> dict[str, str]:
        return {cookie.name: cookie.value for cookie in self.jar}


def write_plan(lines: list[tuple[str, ...]], path: Path | None = None) -> Path:
    """A plan for wrk.lua (see there): tab-separated lines, by default of a temporary file."""
    if any("\t" in value or "\n" in value for fields in lines for value in fields):
        raise ValueError("tab or newline in a plan field")
    if path is None:
        handle, name = tempfile.mkstemp(prefix="bench-requests-", suffix=".tsv")
        os.close(handle)
        path = Path(name)
    path.write_text("".join("\t".join(fields) + "\n" for fields in lines), encoding="utf-8")
    return path


def run_wrk(base: str, plan: Path, *, seconds: int, connections: int, threads: int = 1,
            timeout: int = 10) -> dict:  # fmt: skip
    """wrk with bench/wrk.lua over the plan: the JSON line it prints, with req/s, milliseconds,
    the statuses of prepared requests and wrk's output added."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if not base.startswith(f"http://{HOST}:"):
        raise SystemExit(f"refusing to load {base}: loopback only")
    command = [
        "wrk", f"--threads={threads}", f"--connections={connections}", f"--duration={seconds}s",
        f"--timeout={timeout}s", f"--script={ROOT / 'bench/wrk.lua'}", base + "/",
    ]  # fmt: skip
    env = {"BENCH_REQUESTS": str(plan), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    data["statuses"] = {k.split()[1]: n for k, n in data["counts"].items() if "request " in k}
    data["seconds"] = data["duration_us"] / 1e6
    data["rps"] = data["requests"] / data["seconds"] if data["seconds"] else 0.0
    data.update({f"{p}_ms": data[f"{p}_us"] / 1000 for p in ("p50", "p95", "p99", "max")})
    return {**data, "stdout": done.stdout}


def access_log_lines(path: Path, offset: int):
    """(line, its fields) of each line the server logged after byte ``offset``."""
    with open(path, encoding="utf-8", errors="replace") as lines:
        lines.seek(offset)
        for line in lines:
            yield line.rstrip(), line.split()
