"""The README's production steps pass `check --deploy --fail-level WARNING` exactly as written,
and a server refuses a short secret key with DEBUG off (issue "Hardening", item 11)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_production_env() -> dict[str, str]:
    """The variables the README's production block exports, evaluated by bash itself."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)[1]
    exports = [s for s in block.replace("\\\n", " ").splitlines() if s.startswith("export ")]
    assert exports
    result = subprocess.run(
        ["bash", "-ec", "\n".join(exports) + "\nenv -0"],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    pairs = (item.partition("=") for item in result.stdout.split("\0") if item)
    return {k: v for k, _, v in pairs if k.startswith(("DJANGO_", "DATABASE_"))}


def clean_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(extra)
    return env


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``python *args`` in the project's folder, with only ``env`` for Django and the database."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean_env(**env), capture_output=True, text=True
    )


def test_the_readme_exports_what_check_deploy_needs(tmp_path):
    exported = readme_production_env()
    assert len(exported["DJANGO_SECRET_KEY"]) >= 50
    assert exported["DATABASE_URL"] == "postgres://..."  # the one placeholder
    exported["DATABASE_URL"] = f"sqlite:///{tmp_path}/deploy.sqlite3"
    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", **exported)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_refuses_a_short_secret_key(tmp_path):
    exported = readme_production_env()
    exported.update(DATABASE_URL=f"sqlite:///{tmp_path}/d.sqlite3", DJANGO_SECRET_KEY="x" * 49)
    result = run_python("manage.py", "check", "--deploy", **exported)
    assert result.returncode != 0
    assert "config.E001" in result.stderr and "at least 50" in result.stderr


def test_the_server_refuses_to_start_with_a_short_key():
    code = "import config.wsgi"
    short = run_python("-c", code, DJANGO_SECRET_KEY="short-but-set")
    assert short.returncode != 0
    assert "DJANGO_SECRET_KEY is 13 characters long" in short.stderr
    assert "at least 50" in short.stderr
    good = run_python(
        "-c", code, DJANGO_SECRET_KEY="k" * 20 + "-long-enough-random-secret-key-for-tests"
    )
    assert good.returncode == 0, good.stderr
    debug = run_python("-c", code, DJANGO_DEBUG="1")
    assert debug.returncode == 0, debug.stderr
