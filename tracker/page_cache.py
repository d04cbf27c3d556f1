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
from django.template import Context
from django.utils import timezone

from accounts.errors import AccountGone
from accounts.models import User

CACHE_ALIAS = "pages"


def mark_changed(user: User | int, *, day_only: bool = False) -> None:
    """Raise the person's (a User or its id) data version: their cached pages are now stale.
    Unless the write only logs to a day (``day_only``: entries and symptoms written, never an
    entry deleted, which can reopen a routine dose), the setup version rises too, and with it
    the dashboard's kept parts (``kept_part``) are stale.

    Call it inside the write's transaction. The UPDATE also takes the person's row lock
    until the transaction ends, which tracker.services relies on to serialise their writes.
    When the account no longer exists (deleted while this request was on its way) it raises
    AccountGone, which rolls the write back; accounts.middleware answers with a redirect.
    """
    pk = user.pk if isinstance(user, User) else user
    raised = {"data_version": F("data_version") + 1}
    if not day_only:
        raised["setup_version"] = F("setup_version") + 1
    if not User.objects.filter(pk=pk).update(**raised):
        raise AccountGone(pk)
    if isinstance(user, User):
        # The numbers in memory are now unknown: nothing more is cached for this request.
        user.data_version = user.setup_version = None


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


# --- Parts of a page kept across a day's writes ----------------------------------------------
#
# The first view after logging (log, then the dashboard) must render the day afresh, but not
# the parts that show the person's products, recent foods, routine, medicines and check-ins:
# logging a supplement or a symptom cannot change them (mark_changed's ``day_only``; a food
# entry can change the recent foods, so it is not day-only). Those parts are kept under the
# setup version and the local day. Their forms' CSRF tokens are not kept: the part is
# rendered with a placeholder token, and each request's own masked token replaces it, so a
# kept part serves any session of its person (a new log-in rotates the CSRF secret).

CSRF_PLACEHOLDER = "kept-part-csrf-token-placeholder"


def part_key(request: HttpRequest, name: str) -> str | None:
    user = getattr(request, "user", None)
    if (
        settings.PAGE_CACHE_SECONDS <= 0
        or user is None
        or not user.is_authenticated
        or user.setup_version is None
    ):
        return None
    return f"part:{user.pk}:{user.setup_version}:{timezone.localdate():%Y%m%d}:{name}"


def kept_value(request: HttpRequest | None, name: str, compute):
    """``compute()``, kept under ``part_key`` (only for values that writes which are not
    day-only can change)."""
    key = part_key(request, name) if request is not None else None
    if key is None:
        return compute()
    cache = caches[CACHE_ALIAS]
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        if part_key(request, name) == key:  # no write in between
            cache.set(key, value, settings.PAGE_CACHE_SECONDS)
    return value


_MISSING = object()


def kept_part(context: Context, name: str, render) -> str:
    """``render(context)``'s HTML, kept under ``part_key``; the caller is a template tag."""
    request = context.get("request")

    def rendered() -> str:
        with context.push(csrf_token=CSRF_PLACEHOLDER):
            return render(context)

    content = kept_value(request, name, rendered)
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, page_token(request))
    return content


def page_token(request: HttpRequest) -> str:
    """The request's masked CSRF token, one for all the forms of its page as a template's
    ``{% csrf_token %}`` gives: each ``get_token`` masks the secret anew (about 50 us), and
    the dashboard has a form per entry and several kept parts."""
    token = getattr(request, "_page_csrf_token", None)
    if token is None:
        token = request._page_csrf_token = get_token(request)
    return token
