from datetime import date

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts import email_change, services, timezones
from accounts.forms import DeleteAccountForm, ProfileForm, SignUpForm
from tracker import intake, page_cache


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # a look-alike name signed up at the same moment
            form.add_error("username", "That name is taken, or looks the same as one that is.")
            return render(request, "accounts/signup.html", {"form": form})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Tell us a little about you to set your daily target.")
        return redirect("profile")
    return render(request, "accounts/signup.html", {"form": form})


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


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """Delete the account and, through CASCADE, every row that belongs to it."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        # Deleted first, signed out after: a failure leaves the person signed in with their
        # account, never signed out of an account that survived.
        services.delete_account(user=request.user)
        logout(request)
        messages.success(request, "Your account and all its data have been deleted.")
        return redirect("dashboard")
    return render(request, "accounts/delete_account.html", {"form": form})
