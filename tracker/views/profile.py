"""GET/POST /accounts/profile/: the profile form, with the target and upper limit it sets.

It lives in tracker, not accounts: the figures come from the intake rules, and a saved
profile marks the person's cached pages stale (tracker/page_cache.py); accounts knows
neither.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import email_change, timezones
from accounts.forms import ProfileForm
from tracker import intake, page_cache


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    # Work out the current target before the form copies (possibly invalid) input onto the
    # user object during validation.
    today: date = timezone.localdate()
    target = intake.target_for(request.user, today)
    ul = intake.ul_for(request.user, today)
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Targets, limits and the time zone show on every cached page. First: it locks
            # the person (and finds a deleted account) before anything is written.
            page_cache.mark_changed(request.user)
            form.save()
        messages.success(request, "Profile saved.")
        if form.requested_email is not None:
            email_change.start(request, request.user, form.requested_email)
            if form.requested_email:
                messages.info(
                    request,
                    f"We e-mailed a link to {form.requested_email}: your address changes when "
                    "you open it. Your current address was told.",
                )
            else:
                messages.info(request, "Your e-mail address was removed.")
        elif form.email_change_needs_password:
            messages.warning(
                request,
                "Your e-mail address was not changed: to change it, enter your current "
                "password too.",
            )
        return redirect("dashboard")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "target": target,
            "ul": ul,
            "timezone_names": timezones.canonical_timezones(),
        },
    )


urlpatterns = [
    # Under accounts/ with the other account pages (config/urls.py tries accounts.urls first).
    path("accounts/profile/", profile, name="profile"),
]
