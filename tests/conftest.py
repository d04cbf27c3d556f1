from datetime import UTC, datetime

import pytest

from tests.factories import UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with the production hasher costs about a second per test user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def page_queries():
    """``page_queries(client, url, params=None)``: GET a page (it must answer 200) and return
    how many SQL queries it ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client, url: str, params: dict | None = None) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params or {}).status_code == 200
        return len(captured)

    return count


@pytest.fixture
def flat_queries(page_queries, django_assert_max_num_queries):
    """``flat_queries(client, url, add_more)``: GET a page once to warm up, count its queries,
    call ``add_more()``, and return the page again, which may run no more queries than before."""

    def check(client, url: str, add_more):
        client.get(url)  # warm-up: content types, sessions
        one = page_queries(client, url)
        add_more()
        with django_assert_max_num_queries(one):
            return client.get(url)

    return check


FIXED_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
FIXED_TODAY = FIXED_NOW.date()  # "today" under ``fixed_now``, for a person in UTC


@pytest.fixture
def fixed_now(monkeypatch):
    """Pin "now" (and so every person's local today) to 2026-01-15 12:00 UTC; call the
    fixture's value with another aware datetime to move it."""

    def pin(moment: datetime) -> None:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    pin(FIXED_NOW)
    return pin


@pytest.fixture(autouse=True)
def _site_url(settings):
    """E-mails link to the site the test client talks to."""
    settings.SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Tasks (tracker/tasks.py) run in the test's own thread when enqueued; the tests of the
    queue itself switch back to the database backend (tests/tracker/test_tasks.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with no rendered pages kept (tracker/page_cache.py) and no counts."""
    from django.core.cache import caches

    from tracker.cache_backends import clear_own_keys

    # With REDIS_URL set, only this deployment's keys (its prefix), never the whole database.
    clear_own_keys(caches["pages"])
    clear_own_keys(caches["default"])  # and no rate-limit counts (accounts/throttle.py, api/)


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db['NAME']})"
