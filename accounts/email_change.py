"""Changing the account's e-mail address without handing the account to whoever holds the
session.

The address receives password resets, sign-in links and warnings, so it is the key to the
account. Changing it (or the password) needs the current password; the old address is told;
and the new address only becomes the account's when the person opens a signed link e-mailed
to it, so nothing (no warning, reminder, reset or sign-in e-mail) goes to an address before
then. The link names the account, the new address and the address it replaces, lasts a day
and works once (after the change the address it replaces no longer matches).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import throttle
from accounts.models import User
from accounts.signals import send_profile_changed

SALT = "accounts.email_change"
MAX_AGE_SECONDS = 24 * 60 * 60


def make_token(user: User, new_email: str) -> str:
    return signing.dumps({"u": user.pk, "e": new_email, "o": user.email}, salt=SALT)


def read_token(token: str, user: User) -> str | None:
    """The new address the link confirms for ``user``, or None."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or data.get("u") != user.pk or data.get("o") != user.email:
        return None
    new = data.get("e")
    return new if isinstance(new, str) else None


def _mail(template: str, subject: str, to: str, **context) -> None:
    send_mail(subject, render_to_string(template, context), None, [to])


def start(request: HttpRequest, user: User, new_email: str) -> None:
    """E-mail the link to the new address (or, to remove the address, apply it at once) and
    tell the old address."""
    old = user.email
    if new_email:
        url = request.build_absolute_uri(
            reverse("email_change_confirm", args=[make_token(user, new_email)])
        )
        _mail(
            "email/email_change_verify.txt",
            "Confirm your new e-mail address for the magnesium tracker",
            new_email,
            user=user,
            url=url,
        )
    else:
        _apply(user, "")
    if old:
        _mail(
            "email/email_change_notice.txt",
            "Your magnesium tracker e-mail address is being changed",
            old,
            user=user,
            new=new_email,
        )


def _apply(user: User, new_email: str) -> None:
    with transaction.atomic():
        send_profile_changed(user)  # locks the person; stops at a deleted account
        user.email = new_email
        if not new_email:
            user.email_warnings = False  # nowhere to send them
        user.save(update_fields=["email", "email_warnings"])


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    new = read_token(token, request.user)
    if new is None:
        return render(request, "accounts/email_confirm.html", {"valid": False}, status=400)
    if request.method == "POST":
        _apply(request.user, new)
        messages.success(request, f"Your e-mail address is now {new}.")
        return redirect("profile")
    # GET only shows a button: a link scanner must not change the address.
    return render(request, "accounts/email_confirm.html", {"valid": True, "new": new})


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's form; wrong old passwords count towards the same hourly limit as the other
    signed-in password checks (accounts/throttle.py)."""

    def clean_old_password(self):
        if throttle.password_checks_exhausted(self.user.pk):
            raise ValidationError(throttle.PASSWORD_CHECKS_MESSAGE)
        try:
            return super().clean_old_password()
        except ValidationError:
            throttle.count_wrong_password(self.user.pk)
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page (it asks for the old password), plus a notice to the account's address."""

    form_class = ThrottledPasswordChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if user.email:
            _mail(
                "email/password_changed.txt",
                "Your magnesium tracker password was changed",
                user.email,
                user=user,
            )
        return response
