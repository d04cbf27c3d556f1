import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import ImproperEnvironment, database_from_url, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw,expected", [("1", True), ("yes", True), ("off", False), ("", False)])
def test_env_bool_accepts(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "treu"])
def test_env_bool_rejects(monkeypatch, raw):
    monkeypatch.setenv("X_FLAG", raw)
    with pytest.raises(ImproperEnvironment, match="X_FLAG"):
        env_bool("X_FLAG")


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperEnvironment, match="X_NUM"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "10")
    assert env_int("X_NUM", 1) == 10


def test_env_list(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert env_list("X_HOSTS") == ["a.example", "b.example"]


def test_database_url_parsing(tmp_path):
    assert database_from_url("", tmp_path)["ENGINE"].endswith("sqlite3")
    pg = database_from_url("postgres://u:p%40ss@db.local:5433/mg", tmp_path)
    assert pg["ENGINE"].endswith("postgresql")
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "mg",
        "u",
        "p@ss",
        "db.local",
        "5433",
    )
    with pytest.raises(ImproperEnvironment):
        database_from_url("mysql://x/y", tmp_path)
    with pytest.raises(ImproperEnvironment):
        database_from_url("postgres://host/", tmp_path)


def _run_manage(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_secret_key_with_debug_off_is_a_clear_error():
    result = _run_manage({}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_bad_boolean_in_environment_stops_start_up():
    result = _run_manage({"DJANGO_DEBUG": "perhaps"}, "check")
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_check_deploy_passes_with_production_environment():
    result = _run_manage(
        {
            "DJANGO_SECRET_KEY": "k" * 20
            + "-production-like-secret-with-enough-entropy-9f8e7d6c5b4a",
            "DJANGO_ALLOWED_HOSTS": "mg.example.org",
            "DJANGO_SECURE_SSL_REDIRECT": "1",
            "DJANGO_SECURE_COOKIES": "1",
            "DJANGO_HSTS_SECONDS": "31536000",
            "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1",
            "DJANGO_HSTS_PRELOAD": "1",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
