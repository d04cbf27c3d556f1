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


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Tasks (tracker/tasks.py) run in the test's own thread when enqueued; the tests of the
    queue itself switch back to the database backend (tests/tracker/test_tasks.py)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Each test starts with no rendered pages kept (tracker/page_cache.py) and no counts."""
    from django.core.cache import caches

    caches["pages"].clear()
    caches["default"].clear()  # and no e-mail rate-limit counts (accounts/throttle.py)


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db['NAME']})"
