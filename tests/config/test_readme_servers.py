"""The README's "Several app servers" section names only settings the app reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Several app servers", 1)[1].split("\n## ", 1)[0]


def test_every_variable_the_section_sets_is_read_by_the_settings():
    named = set(re.findall(r"\b((?:DJANGO|REDIS|DATABASE)_[A-Z_]+)\b", _section()))
    assert {"REDIS_URL", "DJANGO_CONN_MAX_AGE", "DJANGO_DISABLE_SERVER_SIDE_CURSORS"} <= named
    read = (ROOT / "config" / "settings.py").read_text()
    unknown = sorted(name for name in named if f'"{name}"' not in read)
    assert not unknown, f"the README names settings the app does not read: {unknown}"


def test_the_section_starts_two_app_servers_and_two_workers():
    section = _section()
    assert len(re.findall(r"gunicorn config\.wsgi --bind 127\.0\.0\.1:800\d", section)) == 2
    assert section.count("manage.py db_worker") == 2
    assert "/healthz" in section and "maxmemory-policy allkeys-lru" in section
