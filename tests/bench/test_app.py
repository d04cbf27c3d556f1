"""The bench app (seed_bench, the minimal view) is there only when benchmarking."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _commands(**env_overrides: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(DJANGO_SECRET_KEY="test-only-not-a-secret", **env_overrides)
    done = subprocess.run(
        [sys.executable, "manage.py", "help", "--commands"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_seed_bench_only_when_benchmarking():
    assert "seed_bench" not in _commands().split()
    assert "seed_bench" in _commands(DJANGO_BENCH="1").split()
    assert "seed_bench" in _commands(DJANGO_BENCH_VIEWS="1").split()


@pytest.mark.django_db
def test_minimal_view_not_routed_by_default(client):
    assert client.get("/bench/minimal").status_code == 404
