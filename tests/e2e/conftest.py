"""Real-browser tests: Playwright for Python driving Debian's Chromium against ``live_server``.

One browser per session, a new context (cookies, storage) per test. Every test runs twice,
once in a desktop window (1280x900) and once in a phone-sized one (390x844), and every page
a journey visits goes through ``check_page`` (tests/e2e/helpers.py): no console errors, no
request to any host but the test server, a real mobile layout with no horizontal scrolling
on the phone, no words broken over two lines by a too-narrow column or menu, no serious or
critical axe-core violations, and a screenshot in ``screenshots/`` for a person to look at
after the run.

Without ``/usr/bin/chromium`` the tests skip with that reason, unless ``E2E_REQUIRED=1``
(CI) turns the skip into a failure. Nothing is ever downloaded: no ``playwright install``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Playwright's sync API runs an asyncio loop in the main thread for as long as the browser is
# open (the whole session, including any tests that run after these), and Django's ORM
# refuses to run in a thread with a running loop unless told that this is deliberate. The
# ORM calls here are plain synchronous ones, between browser steps, never inside the loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from tests.e2e.helpers import (  # noqa: E402
    CHROMIUM,
    DEVICES,
    SCREENSHOTS,
    watched_page,
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_REASON = f"e2e: chromium not found at {CHROMIUM} - browser tests SKIPPED"


def _required() -> bool:
    return os.environ.get("E2E_REQUIRED", "") == "1"


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        if _required():
            pytest.fail(f"{SKIP_REASON}, but E2E_REQUIRED=1 makes that a failure", pytrace=False)
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    # The folder shows this run only: a page a journey no longer visits must not linger.
    SCREENSHOTS.mkdir(exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every journey signs up or logs in; the default hasher's deliberate slowness (twice per
    person: creating the account, logging in) would be most of the run time. The live server
    runs in this process, so it uses the same setting."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=list(DEVICES))
def device(request) -> str:
    """``desktop`` (1280x900) or ``phone`` (390x844); each e2e test runs on both."""
    return request.param


@pytest.fixture
def reference_data(transactional_db) -> None:
    """The forms and foods of the data migration, present whatever ran before.

    ``serialized_rollback`` restores them in an e2e-only run, but in the full suite (CI) the
    rows were missing from the first journey on; the cause was not pinned down, so the
    journeys load them themselves: the loaders are idempotent upserts, about 0.2 s.
    """
    from tracker.models import Food, MagnesiumForm
    from tracker.reference_data import load_foods, load_forms

    load_forms(MagnesiumForm)
    load_foods(Food)


@pytest.fixture
def page(browser, reference_data, live_server, device, request) -> Iterator:
    """A fresh browser context and page on the live server, watched by a ``Monitor``."""
    expect.set_options(timeout=15_000)
    journey = request.node.originalname.removeprefix("test_")
    # The app's service worker (notifications) runs only in the tests about it: with it,
    # a page's requests can bypass the context's routing that keeps the run offline
    # (Playwright's documented advice), and the other journeys do not need it.
    workers = "allow" if request.node.get_closest_marker("service_worker") else "block"
    with watched_page(
        browser, live_server.url, device, journey, accept_downloads=True, service_workers=workers
    ) as page:
        yield page
