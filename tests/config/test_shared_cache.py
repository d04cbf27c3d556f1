"""With REDIS_URL the page cache, the rate limits and the sessions live in Redis, shared by
every app server (README: "Several app servers").

Two app servers are two sets of cache connections: ``another_server()`` drops this process's
cache objects, so what a request finds next can only have come through Redis. Each test run
uses its own key prefix in its own Redis database and deletes its keys afterwards. Redis at
127.0.0.1:6379 (REDIS_TEST_URL to change it); without one these tests skip, unless
REDIS_REQUIRED=1 (CI) makes that a failure.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from asgiref.local import Local
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.tokens import create_token
from config.env import ImproperEnvironment, cache_settings, env_redis_url
from tests.factories import SupplementProductFactory
from tracker.cache_backends import DEFAULT_REDIS_TTL, BoundedRedisCache

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/14")


def _redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not _redis_answers() and os.environ.get("REDIS_REQUIRED") != "1",
    reason=f"no Redis at {REDIS_TEST_URL}",
)


@pytest.fixture
def raw_redis():
    return redis.Redis.from_url(REDIS_TEST_URL)


@pytest.fixture
def shared(settings, raw_redis):
    """This project's settings with REDIS_URL, under a prefix of this test's own."""
    prefix = f"mgtest-{uuid.uuid4().hex[:12]}"
    settings.CACHES = cache_settings(
        redis_url=REDIS_TEST_URL,
        key_prefix=prefix,
        page_seconds=settings.PAGE_CACHE_SECONDS,
        page_max_bytes=settings.PAGE_CACHE_MAX_BYTES,
        page_max_value_bytes=settings.PAGE_CACHE_MAX_PAGE_BYTES,
    )
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield prefix
    keys = list(raw_redis.scan_iter(match=f"{prefix}:*"))
    if keys:
        raw_redis.delete(*keys)


def another_server() -> None:
    """Forget this process's cache objects, as a second gunicorn instance never had them."""
    caches.close_all()
    caches._connections = Local(caches.thread_critical)


def _keys(raw_redis, prefix: str, kind: str) -> list[bytes]:
    return list(raw_redis.scan_iter(match=f"{prefix}:{kind}:*"))


@needs_redis
@pytest.mark.django_db
def test_two_servers_share_the_cached_page_and_its_invalidation(shared, raw_redis, user):
    product = SupplementProductFactory(owner=user)
    one = Client()
    one.force_login(user)
    one.get(reverse("profile"))  # the CSRF cookie a browser holds after its first page
    assert one.get("/").status_code == 200  # rendered and kept
    assert _keys(raw_redis, shared, "p"), "the page is in Redis"

    # The same browser, its next request landing on the other server.
    two = Client()
    two.cookies = one.cookies
    another_server()
    with CaptureQueriesContext(connection) as ctx:
        kept = two.get("/")
    assert kept.status_code == 200
    # The session comes from Redis too (cached_db): only the user is read from the database.
    assert len(ctx.captured_queries) == 1, [q["sql"] for q in ctx.captured_queries]

    # A write on server two makes the page stale for server one as well.
    assert two.post(reverse("quick-log-product", args=[product.pk])).status_code == 302
    another_server()
    one.get("/")  # shows the write's message once: rendered, not cached
    with CaptureQueriesContext(connection) as ctx:
        after = one.get("/")
    assert len(ctx.captured_queries) > 1, "rendered afresh after the write"
    assert product.name in after.content.decode()
    another_server()
    with CaptureQueriesContext(connection) as ctx:
        two.get("/")
    assert len(ctx.captured_queries) == 1, "and kept again, for both servers"


@needs_redis
@pytest.mark.django_db
def test_two_servers_count_the_same_api_rate_limit(shared, raw_redis, user, settings):
    settings.API_RATE_PER_MINUTE = 4
    secret = create_token(owner=user, name="x", scope="read").secret
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    one, two = Client(), Client()
    answers = []
    for client in (one, two, one, two, one, two):
        another_server()
        answers.append(client.get("/api/products", **headers).status_code)
    assert answers == [200, 200, 200, 200, 429, 429]
    assert _keys(raw_redis, shared, "d"), "the count is in Redis"


@needs_redis
@pytest.mark.django_db
def test_two_servers_count_the_same_email_limit(shared, user):
    from accounts import throttle

    results = []
    for _ in range(throttle.PER_ADDRESS + 1):
        another_server()
        results.append(throttle.allow_email(purpose="reset", address="a@x.org", client="1.2.3.4"))
    assert results == [True] * throttle.PER_ADDRESS + [False]


@needs_redis
def test_the_redis_page_cache_keeps_no_big_page_and_nothing_forever(shared, raw_redis, settings):
    pages = caches["pages"]
    assert isinstance(pages, BoundedRedisCache)
    pages.set("small", b"x" * 100)
    pages.set("big", b"x" * (settings.PAGE_CACHE_MAX_PAGE_BYTES + 1))
    assert pages.get("small") == b"x" * 100
    assert pages.get("big") is None
    pages.set("forever", b"y", None)
    ttl = raw_redis.ttl(pages.make_and_validate_key("forever"))
    assert 0 < ttl <= DEFAULT_REDIS_TTL
    ttl = raw_redis.ttl(pages.make_and_validate_key("small"))
    assert 0 < ttl <= settings.PAGE_CACHE_SECONDS


@needs_redis
def test_clearing_the_page_cache_leaves_other_keys(shared, raw_redis):
    raw_redis.set(f"{shared}:other", b"1")
    caches["default"].set("limit", 1)
    caches["pages"].set("page", b"x")
    caches["pages"].clear()
    assert caches["pages"].get("page") is None
    assert caches["default"].get("limit") == 1
    assert raw_redis.get(f"{shared}:other") == b"1"
    raw_redis.delete(f"{shared}:other")


def test_without_redis_url_the_caches_stay_in_local_memory(settings):
    config = cache_settings(
        redis_url="",
        key_prefix="mg",
        page_seconds=600,
        page_max_bytes=1000,
        page_max_value_bytes=10,
    )
    assert config["default"]["BACKEND"].endswith("LocMemCache")
    assert config["pages"]["BACKEND"].endswith("BoundedLocMemCache")


@pytest.mark.parametrize("url", ["http://x", "localhost:6379", "postgres://x/y"])
def test_a_bad_redis_url_stops_start_up(monkeypatch, url):
    monkeypatch.setenv("X_REDIS", url)
    with pytest.raises(ImproperEnvironment, match="X_REDIS"):
        env_redis_url("X_REDIS")


def test_redis_url_switches_the_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DJANGO_SECRET_KEY": "test-only-not-a-secret",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "DATABASE_URL": "postgres://u@db.local:5432/mg",
            "DJANGO_CONN_MAX_AGE": "0",
            "DJANGO_DISABLE_SERVER_SIDE_CURSORS": "1",
        }
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(s.CACHES['default']['BACKEND'], s.CACHES['pages']['BACKEND'], "
        "s.CACHES['pages']['LOCATION'], s.SESSION_ENGINE, d['CONN_MAX_AGE'], "
        "d['CONN_HEALTH_CHECKS'], d['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "tracker.cache_backends.BoundedRedisCache",
        "redis://127.0.0.1:6379/3",
        "django.contrib.sessions.backends.cached_db",
        "0",
        "True",
        "True",
    ]


@pytest.mark.django_db
def test_with_redis_down_pages_render_and_healthz_says_so(settings, user):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    # Sessions in the database here: with cached_db they need Redis too (README).
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.CACHES = cache_settings(
        redis_url=settings.REDIS_URL,
        key_prefix="mgtest-down",
        page_seconds=600,
        page_max_bytes=settings.PAGE_CACHE_MAX_BYTES,
        page_max_value_bytes=settings.PAGE_CACHE_MAX_PAGE_BYTES,
    )
    client = Client()
    client.force_login(user)
    client.get(reverse("profile"))
    assert client.get("/").status_code == 200  # rendered, not cached
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (503, b"cache unavailable")
