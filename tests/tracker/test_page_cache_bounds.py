"""The page cache stays bounded whatever one account does (issue "Hardening", item 1): pages
are keyed only on the query parameters they read, the cache is bounded by bytes, a huge page
is not kept, and one day holds at most 200 entries."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from tests.factories import SupplementEntryFactory, SupplementProductFactory
from tests.tracker.test_entries import supplement_data
from tracker import limits
from tracker.cache_backends import BoundedLocMemCache
from tracker.models import IntakeEntry

pytestmark = pytest.mark.django_db


def cached_pages() -> int:
    """Whole pages kept (the dashboard's kept parts, at most three a person, are not pages)."""
    return sum(":page:" in key for key in caches["pages"]._cache)


@pytest.mark.parametrize("path", ["/", "/week/", "/history/"])
def test_query_strings_a_page_does_not_read_share_one_cached_page(browser, path):
    for n in range(50):
        assert browser.get(f"{path}?v={n}").status_code == 200
    assert cached_pages() == 1


def test_history_is_keyed_on_the_parameters_it_reads(browser):
    browser.get("/history/?days=30")
    browser.get("/history/?days=30&v=1")
    browser.get("/history/?days=90")
    assert cached_pages() == 2
    browser.get("/history/?month=" + "9" * 100)  # too long to be a month: not cached
    assert cached_pages() == 2


def test_the_cache_is_bounded_by_bytes():
    cache = BoundedLocMemCache(
        "bounded-test", {"OPTIONS": {"MAX_ENTRIES": 10_000, "MAX_BYTES": 100_000}}
    )
    cache.clear()
    for n in range(500):
        cache.set(f"k{n}", b"x" * 1000)
    assert cache.total_bytes <= 100_000
    assert 50 <= len(cache._cache) <= 100
    assert cache.get("k499") is not None and cache.get("k0") is None  # oldest went first
    cache.delete("k499")
    assert cache.total_bytes == sum(len(v) for v in cache._cache.values())
    cache.set("big", b"x" * 200_000)  # larger than the whole cache: not kept
    assert cache.get("big") is None


def test_a_page_above_the_size_limit_is_not_cached(browser, settings):
    settings.PAGE_CACHE_MAX_PAGE_BYTES = 1000
    assert browser.get("/").status_code == 200
    assert cached_pages() == 0


def test_the_configured_page_cache_is_bounded(settings):
    options = settings.CACHES["pages"]["OPTIONS"]
    assert options["MAX_BYTES"] <= 64 * 1024 * 1024
    assert options["MAX_VALUE_BYTES"] <= 1024 * 1024
    assert isinstance(caches["pages"], BoundedLocMemCache)


def test_a_day_holds_at_most_200_entries(logged_in, user):
    product = SupplementProductFactory(owner=user)
    today = timezone.localdate()
    SupplementEntryFactory.create_batch(limits.MAX_ENTRIES_PER_DAY, owner=user, product=product)
    IntakeEntry.objects.update(day=today)
    response = logged_in.post(reverse("entry-add"), supplement_data(product))
    assert response.status_code == 200
    assert "at most 200" in response.content.decode()
    assert IntakeEntry.objects.filter(owner=user, day=today).count() == 200
    # Moving an entry onto the full day is refused too; another day is fine.
    yesterday = today - timedelta(days=1)
    ok = logged_in.post(reverse("entry-add"), supplement_data(product, day=yesterday.isoformat()))
    assert ok.status_code == 302
    # "Repeat yesterday" onto a full day: a message, not a 500.
    response = logged_in.post(reverse("repeat-yesterday"), follow=True)
    assert response.status_code == 200 and "at most 200" in response.content.decode()
    assert IntakeEntry.objects.filter(owner=user, day=today).count() == 200
