"""A one-time sign-in link e-mailed to the account's address: the owner's way in that a
lock-out cannot close.

The log-in lock-out (django-axes) counts wrong passwords per (account, client address); an
attacker sharing the owner's address (the same network, or a proxy deployment without
DJANGO_TRUSTED_PROXY_COUNT) could still keep the owner's pair locked. The link does not go
through the password check at all: it is signed, lasts 15 minutes, names the account and
its last log-in, so it works once (signing in changes the last log-in). Using it lifts the
lock-out of that account. Requests are rate-limited per address and per client
(accounts/throttle.py) and answer the same whether or not an account matched.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core import signing
from django.core.mail import send_mail
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import throttle
from accounts.client_ip import client_ip
from accounts.models import User

SALT = "accounts.signin_link"
MAX_AGE_SECONDS = 15 * 60


class SignInLinkForm(forms.Form):
    who = forms.CharField(
        label="Your username or e-mail address",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


def _stamp(user: User) -> str:
    return user.last_login.isoformat() if user.last_login else ""


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "l": _stamp(user)}, salt=SALT)


def user_for(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None or data.get("l") != _stamp(user):
        return None  # used already (or the person signed in since)
    return user


def _find(who: str) -> User | None:
    who = who.strip()
    if not who:
        return None
    matches = User.objects.filter(Q(username__iexact=who) | Q(email__iexact=who), is_active=True)
    matches = [u for u in matches.exclude(email="")[:2]]
    return matches[0] if len(matches) == 1 else None


@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    form = SignInLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"]
        user = _find(who)
        address = user.email if user else who
        if not throttle.allow_email(purpose="signin", address=address, client=client_ip(request)):
            form.add_error(None, throttle.LIMIT_MESSAGE)
        else:
            if user is not None:
                url = request.build_absolute_uri(
                    reverse("signin_link_use", args=[make_token(user)])
                )
                send_mail(
                    "Your sign-in link for the magnesium tracker",
                    render_to_string("email/signin_link.txt", {"user": user, "url": url}),
                    None,
                    [user.email],
                )
            messages.info(
                request,
                "If that names an account with an e-mail address, a sign-in link is on its way "
                "there. It works once, for 15 minutes.",
            )
            return redirect("login")
    return render(
        request,
        "includes/form_page.html",
        {
            "form": form,
            "title": "E-mail me a sign-in link",
            "intro": "Locked out, or forgot your password? We e-mail a one-time link to your "
            "account's address; it signs you in without the password.",
            "submit": "Send the link",
        },
    )


@require_http_methods(["GET", "POST"])
def use_link(request: HttpRequest, token: str) -> HttpResponse:
    user = user_for(token)
    if user is None:
        return render(request, "accounts/signin_link_use.html", {"valid": False}, status=400)
    if request.method == "POST":
        from axes.utils import reset

        reset(username=user.get_username())  # lift the lock-out of this account
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Signed in with your e-mailed link.")
        return redirect("dashboard")
    # GET only shows a button: e-mail scanners that follow links must not sign anyone in.
    return render(request, "accounts/signin_link_use.html", {"valid": True, "who": user})
