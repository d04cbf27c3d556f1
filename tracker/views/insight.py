"""Does magnesium help me? The daily check-in, the insight page and the doctor's report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from tracker import insight, insight_selectors, intake, page_cache, services
from tracker.citations import cite
from tracker.forms.insight import CheckInForm, FollowForm
from tracker.views.daily_helpers import add_service_errors, back_to_day
from tracker.views.day import _parse_day

REPORT_SOURCES = ("nih_ods", "iom_1997", "seed_dosage", "seed_guide", "seed_forms", "seed_nerve")
EU_SOURCES = ("efsa_2015", "scf_2001")


def _needs_profile(request: HttpRequest) -> HttpResponse | None:
    return None if request.user.profile_complete else redirect("profile")


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    """One day's check-in (?day=YYYY-MM-DD for a past day; today without it)."""
    if response := _needs_profile(request):
        return response
    today = services.person_today(request.user)
    day = _parse_day(request.GET["day"]) if request.GET.get("day") else today
    followed = insight_selectors.followed_codes(request.user)
    form = CheckInForm(
        request.POST or None, user=request.user, followed=followed, initial={"day": day}
    )
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["day"]
        try:
            count = services.save_checkin(owner=request.user, day=day, scores=form.scores()).obj
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Check-in saved for {day:%d %b %Y}: {count} of {len(followed)} rated."
            )
            return back_to_day(day)
    if form.is_bound and "day" in form.errors:
        day = today
    rows = insight_selectors.checkin_rows(request.user, day)
    if form.is_bound:
        # Show what was sent, not what is stored, beside the errors.
        rows = [
            insight_selectors.CheckInRow(r.symptom, r.label, form.data.get(r.name, ""))
            for r in rows
        ]
    return render(
        request,
        "tracker/insight/checkin.html",
        {"form": form, "day": day, "rows": rows, "is_today": day == today},
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    if response := _needs_profile(request):
        return response
    form = FollowForm(
        request.POST or None,
        initial={"symptoms": insight_selectors.followed_codes(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            chosen = services.set_followed(
                owner=request.user, symptoms=form.cleaned_data["symptoms"]
            ).obj
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"You follow {len(chosen)} symptom{'s' if len(chosen) != 1 else ''}."
                if chosen
                else "You follow no symptoms; the check-in is hidden.",
            )
            return redirect("dashboard")
    return render(request, "tracker/insight/follow.html", {"form": form})


@login_required
@require_GET
@page_cache.cached_page
def insight_page(request: HttpRequest) -> HttpResponse:
    if response := _needs_profile(request):
        return response
    today = services.person_today(request.user)
    found = insight_selectors.build_insight(request.user, end=today)
    return render(request, "tracker/insight/insight.html", _insight_context(found))


def _insight_context(found: insight_selectors.Insight) -> dict:
    return {
        "insight": found,
        "min_checkins": insight.MIN_CHECKINS,
        "min_group_days": insight.MIN_GROUP_DAYS,
        "window_days": insight.WINDOW_DAYS,
        "association": insight.ASSOCIATION_WORDS,
        "advice_quote": insight.SIDE_EFFECT_ADVICE,
        "confidence": insight.CONFIDENCE_PERCENT,
        "starting_quote": intake.STARTING_RANGE_QUOTE,
    }


def _report_days(request: HttpRequest) -> int:
    """?days=30 or ?days=90; anything else is the 30-day report."""
    text = request.GET.get("days", "")
    return int(text) if text in {str(d) for d in insight_selectors.REPORT_CHOICES} else 30


@login_required
@require_GET
@page_cache.cached_page(params=("days",))
def report(request: HttpRequest) -> HttpResponse:
    """A print-ready report for a doctor: two A4 pages when printed (static/css/report.css).

    Like the insight page it is kept in the page cache until the person's data changes: the
    bootstrap intervals cost up to a second for someone following every symptom."""
    if response := _needs_profile(request):
        return response
    user = request.user
    today = services.person_today(user)
    days = _report_days(request)
    found = insight_selectors.build_insight(user, end=today)
    keys = REPORT_SOURCES + (EU_SOURCES if user.authority == "eu" else ())
    context = _insight_context(found)
    context.update(
        report=insight_selectors.build_report(user, end=today, days=days),
        choices=insight_selectors.REPORT_CHOICES,
        age_band=insight.age_band(user.date_of_birth, today),
        printed_on=today,
        sources=[cite(key) for key in keys],
    )
    return render(request, "tracker/insight/report.html", context)


urlpatterns = [
    path("checkin/", checkin, name="checkin"),
    path("checkin/follow/", follow, name="checkin-follow"),
    path("insight/", insight_page, name="insight"),
    path("report/", report, name="report"),
]
