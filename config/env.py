"""Small helpers that read settings from the environment and fail loudly.

A typo in a deployment's environment should stop the server at start-up with a message
naming the variable, not surface later as a strange behaviour.
"""

import os
from urllib.parse import unquote, urlparse


class ImproperEnvironment(Exception):
    """An environment variable holds a value the app cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperEnvironment(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperEnvironment(f"{name} must be a whole number; got {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


REDIS_SCHEMES = ("redis", "rediss", "unix")


def env_redis_url(name: str) -> str:
    """A Redis URL (redis://host:6379/0, rediss://..., unix:///path.sock) or ""."""
    raw = os.environ.get(name, "").strip()
    if raw and urlparse(raw).scheme not in REDIS_SCHEMES:
        raise ImproperEnvironment(
            f"{name} must start with redis://, rediss:// or unix://; got {raw!r}"
        )
    return raw


def cache_settings(
    *,
    redis_url: str,
    key_prefix: str,
    page_seconds: int,
    page_max_bytes: int,
    page_max_value_bytes: int,
) -> dict:
    """Django CACHES: "default" (rate limits, and sessions with Redis) and "pages" (the
    rendered pages of tracker/page_cache.py). With a Redis URL both live in Redis, shared by
    every app server; without one each worker process keeps its own in local memory."""
    if redis_url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": f"{key_prefix}:d",
            },
            # The total is bounded by Redis itself (maxmemory with allkeys-lru, README:
            # "Several app servers"); the backend keeps no page above the size limit and gives
            # every page a TTL, whatever the server's settings.
            "pages": {
                "BACKEND": "tracker.cache_backends.BoundedRedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": f"{key_prefix}:p",
                "TIMEOUT": max(page_seconds, 1),
                "OPTIONS": {"MAX_VALUE_BYTES": page_max_value_bytes},
            },
        }
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "tracker.cache_backends.BoundedLocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {
                "MAX_ENTRIES": 1000,
                "MAX_BYTES": page_max_bytes,
                "MAX_VALUE_BYTES": page_max_value_bytes,
            },
        },
    }


def database_from_url(url: str, base_dir) -> dict:
    """Django DATABASES['default'] for a DATABASE_URL; empty means the SQLite file."""
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": base_dir / "db.sqlite3"}
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        name = parsed.path.lstrip("/")
        if not name:
            raise ImproperEnvironment(f"DATABASE_URL has no database name: {url!r}")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(name),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db or sqlite:////absolute/path.db
        path = url[len("sqlite://") :].lstrip("/") if url.startswith("sqlite:///") else ""
        if not path:
            raise ImproperEnvironment(f"DATABASE_URL has no SQLite path: {url!r}")
        if url.startswith("sqlite:////"):
            path = "/" + path
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    raise ImproperEnvironment(
        f"DATABASE_URL must start with postgres:// or sqlite:///; got scheme {parsed.scheme!r}"
    )


MIN_SECRET_KEY_LENGTH = 50


def secret_key_problem(key: str, debug: bool) -> str | None:
    """Why ``key`` must not sign this deployment's sessions and links, or None."""
    if debug or len(key) >= MIN_SECRET_KEY_LENGTH:
        return None
    return (
        f"DJANGO_SECRET_KEY is {len(key)} characters long; with DEBUG off it must be at least "
        f"{MIN_SECRET_KEY_LENGTH}. Generate one with: python3 -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'"
    )


def require_production_secret() -> None:
    """Refuse to serve (gunicorn, uvicorn: config/wsgi.py, config/asgi.py) with a short key.

    Checked when a server starts rather than when settings load, so that the test suite and
    management commands can run with a short, obviously fake key."""
    from django.conf import settings

    problem = secret_key_problem(settings.SECRET_KEY, settings.DEBUG)
    if problem:
        raise ImproperEnvironment(problem)
