"""Rendered pages kept per person until their data changes.

The dashboard, day, week and history pages are read far more often than a person writes,
and rendering them is most of their cost (BENCHMARKS.md §1b: 40-55 % template rendering,
about 12 % SQL). So the HTML of a page is kept and served again while nothing it shows can
have changed. The key names everything a page depends on:

- the person and their ``data_version``, which ``mark_changed`` raises in the same
  transaction as every write to their records or profile: a request that sees the new
  version also sees the new rows, so a stale page is never served under a current version.
  The version comes with ``request.user``, which the auth middleware loads anyway: a cached
  page costs no query of its own;
- their local calendar day (today's totals, "tomorrow" links and week statuses move at
  midnight);
- the path and the values of only the query parameters the view reads (``params``): any
  other query string (``?v=1``, ``?v=2``...) gets the same page, so it cannot fill the cache
  with copies;
- a digest of the CSRF secret: the page's forms carry tokens made from it, and a new log-in
  rotates it. A request without the cookie (a first visit) is not cached.

A request with a flash message waiting is rendered normally: the message must show once.
Reference data (forms, foods) changes only through the admin; ``PAGE_CACHE_SECONDS`` bounds
how long such a change can take to show. Each process keeps its own cache (local memory,
``CACHES["pages"]``, bounded by bytes: tracker/cache_backends.py), or with REDIS_URL all share
one in Redis; the version lives in the database, so all processes agree on it. A page above
``PAGE_CACHE_MAX_PAGE_BYTES`` is not cached at all.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from accounts.errors import AccountGone
from accounts.models import User

CACHE_ALIAS = "pages"


def mark_changed(user: User | int) -> None:
    """Raise the person's (a User or its id) data version: their cached pages are now stale.

    Call it inside the write's transaction. The UPDATE also takes the person's row lock
    until the transaction ends, which tracker.services relies on to serialise their writes.
    When the account no longer exists (deleted while this request was on its way) it raises
    AccountGone, which rolls the write back; accounts.middleware answers with a redirect.
    """
    pk = user.pk if isinstance(user, User) else user
    if not User.objects.filter(pk=pk).update(data_version=F("data_version") + 1):
        raise AccountGone(pk)
    if isinstance(user, User):
        # The number in memory is now unknown: nothing more is cached for this request.
        user.data_version = None


# A parameter value longer than this is not one the pages understand: render, do not cache.
MAX_PARAM_LENGTH = 16


def page_key(request: HttpRequest, params: tuple[str, ...] = ()) -> str | None:
    """The cache key of this request's page, or None when it must be rendered afresh.

    ``params`` names the query parameters the view reads; no other part of the query string
    is in the key."""
    user = request.user
    if (
        settings.PAGE_CACHE_SECONDS <= 0
        or request.method != "GET"
        or not user.is_authenticated
        or user.data_version is None
    ):
        return None
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(messages.get_messages(request)):
        return None
    values = [request.GET.get(name, "") for name in params]
    if any(len(value) > MAX_PARAM_LENGTH for value in values):
        return None
    query = "&".join(f"{name}={value}" for name, value in zip(params, values, strict=True))
    digest = hashlib.sha256(f"{secret}\n{request.path}\n{query}".encode()).hexdigest()
    return f"page:{user.pk}:{user.data_version}:{timezone.localdate():%Y%m%d}:{digest[:32]}"


def cached_page(view=None, *, params: tuple[str, ...] = ()):
    """Serve the view's 200 response from the cache while its key (see above) still holds.

    ``@cached_page`` for a view that reads no query parameter, ``@cached_page(params=(...))``
    naming the ones it reads."""
    if view is None:
        return lambda view: cached_page(view, params=params)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = page_key(request, params)
        if key is None:
            return view(request, *args, **kwargs)
        cache = caches[CACHE_ALIAS]
        content = cache.get(key)
        if content is not None:
            # As rendering {% csrf_token %} would: the CSRF cookie's expiry is renewed.
            get_token(request)
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and len(response.content) <= settings.PAGE_CACHE_MAX_PAGE_BYTES
            and page_key(request, params) == key
        ):
            cache.set(key, response.content, settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
