"""Shared helpers of the benchmark scripts: environment, Django set-up, statistics."""

from __future__ import annotations

import os
import re
import statistics
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "postgres://postgres@127.0.0.1:5432/magnesium_bench"
HOST = "127.0.0.1"

# Accounts that seed_bench creates (username = prefix + number).
POPULATION_PREFIX = "bench"
LONG_PREFIX = "bench5y-"
SHORT_PREFIX = "bench30d-"
WRITE_NOTE = "bench-write"


def bench_environment(db_url: str) -> dict[str, str]:
    """The environment the app runs under during the benchmark: production settings.

    DEBUG stays off (as in production: no query log, manifest static files); the secret key
    is a throwaway one because only the benchmark's own processes use it.
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


def setup_django(db_url: str) -> None:
    os.environ.update(bench_environment(db_url))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    # Failing pages are reported in the tables; no tracebacks in the benchmark's output.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def sql_shape(sql: str) -> str:
    """The query with its literals replaced, to spot the same query run many times (N+1)."""
    return _LITERAL.sub("?", sql)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"
