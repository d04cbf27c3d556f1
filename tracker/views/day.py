"""The day page and the dashboard (today), which show the same overview of one local day."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from tracker import daily_rows, daily_status, limits, page_cache, selectors
from tracker.services import routine
from tracker.views import daily_helpers
from tracker.views.daily_helpers import parse_day


def _parse_day(text: str) -> date:
    """A day that can hold entries (1900 to tomorrow), else 404."""
    latest = timezone.localdate() + timedelta(days=limits.DAYS_AHEAD_ALLOWED)
    return parse_day(text, earliest=limits.EARLIEST_DAY, latest=latest)


# As {% csrf_token %} renders it (the token is letters and digits: nothing to escape).
CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


def _day_context(request: HttpRequest, day: date) -> dict:
    today = timezone.localdate()
    latest = today + timedelta(days=limits.DAYS_AHEAD_ALLOWED)
    following = day + timedelta(days=1)
    overview = selectors.day_overview(user=request.user, day=day)
    day_query = "" if day == today else f"?day={day.isoformat()}"
    csrf_token = page_cache.page_token(request)
    return {
        # One token for every form of the page: {% csrf_token %}, the entries' and kept parts'.
        "csrf_token": csrf_token,
        "day": day,
        "today": today,
        "is_today": day == today,
        "overview": overview,
        "status": daily_status.day_status(overview, today=today),
        "entry_items": daily_rows.entry_items(
            overview.entries, csrf_input=CSRF_INPUT.format(csrf_token)
        ),
        # Every "log" link of a day page opens its form on that day (today needs none).
        "day_query": day_query,
        "suggestion_rows": daily_rows.suggestion_rows(overview.suggestions, day_query=day_query),
        "previous_day": day - timedelta(days=1) if day > limits.EARLIEST_DAY else None,
        "next_day": following if following <= latest else None,
    }


@login_required
@require_GET
@page_cache.cached_page
def day_page(request: HttpRequest, day: str) -> HttpResponse:
    the_day = _parse_day(day)
    if not request.user.profile_complete:
        return redirect("profile")
    return render(request, "tracker/daily/day.html", _day_context(request, the_day))


@page_cache.cached_page
def dashboard(request: HttpRequest) -> HttpResponse:
    """Today's overview plus the quick-logging shortcuts. Called by tracker.views.home."""
    today = timezone.localdate()
    context = _day_context(request, today)
    context.update(
        # Read only when the kept part (dashboard.html) has to be rendered again.
        quick_products=SimpleLazyObject(
            lambda: daily_rows.quick_products(list(selectors.active_products(user=request.user)))
        ),
        recent_foods=SimpleLazyObject(
            lambda: selectors.recent_foods(user=request.user, today=today)
        ),
        logged_notes=routine.logged_notes(
            owner=request.user,
            day=today,
            medicines=page_cache.kept_value(
                request, "medicines", lambda: selectors.medicines(user=request.user)
            ),
            entries=context["overview"].entries,
        ),
        # The target card also explains the rule and the UL in words.
        target=context["overview"].target,
        ul=context["overview"].ul,
    )
    return render(request, "tracker/dashboard.html", context)


@login_required
@require_GET
def day_pick(request: HttpRequest) -> HttpResponse:
    """The day picker's target (?date=YYYY-MM-DD, a plain GET form); without one, today."""
    chosen = request.GET.get("date", "")
    if daily_helpers.ISO_DAY.fullmatch(chosen):
        return redirect("day", day=chosen)
    return redirect("day", day=timezone.localdate().isoformat())


urlpatterns = [
    path("day/", day_pick, name="day-pick"),
    path("day/<str:day>/", day_page, name="day"),
]
