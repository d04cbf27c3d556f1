"""Concurrent load on gunicorn, driven by wrk from a second process on loopback."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import HOST, ROOT

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(D)s"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    workers: int,
    worker_class: str,
    threads: int,
    log_path,
    access_log,
    access_log_format: str = ACCESS_LOG_FORMAT,
):
    """A gunicorn serving config.wsgi on a free loopback port; yields its base URL.

    Its access log (method, path, status, microseconds; ``access_log_format`` may add
    more) tells what the server answered, including the requests still in flight when wrk
    stopped counting.
    """
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--log-level",
        "warning",
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        access_log_format,
    ]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
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
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class WrkResult:
    label: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]
    errors: dict[str, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def count(self, *codes: int) -> int:
        return sum(self.statuses.get(str(code), 0) for code in codes)


def write_requests(lines: list[tuple[str, str, str, str]]) -> Path:
    """A request list for wrk.lua: (method, path, cookie header, form body) per line."""
    handle = tempfile.NamedTemporaryFile(
        "w", prefix="bench-requests-", suffix=".tsv", delete=False, encoding="utf-8"
    )
    with handle:
        for method, path, cookie, body in lines:
            for value in (method, path, cookie, body):
                if "\t" in value or "\n" in value:
                    raise ValueError(f"tab or newline in a request field: {value!r}")
            handle.write(f"{method}\t{path}\t{cookie}\t{body}\n")
    return Path(handle.name)


def run_wrk(
    label: str, base: str, requests_file: Path, *, seconds: int, connections: int, threads: int
) -> WrkResult:
    wrk = shutil.which("wrk")
    if not wrk:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={WRK_SCRIPT}",
        base + "/",
    ]
    env = {"BENCH_REQUESTS": str(requests_file), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    return WrkResult(
        label=label,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        statuses=data["statuses"],
        errors=data["errors"],
    )


def access_log_statuses(access_log: Path, offset: int, method: str, path: str) -> dict[str, int]:
    """Statuses the server logged for ``method path`` after byte ``offset`` of its access log."""
    counts: dict[str, int] = {}
    with open(access_log, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            parts = line.split()
            if len(parts) >= 3 and parts[0] == method and parts[1] == path:
                counts[parts[2]] = counts.get(parts[2], 0) + 1
    return counts
