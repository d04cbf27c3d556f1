"""The page where a person makes and revokes their API tokens: /accounts/tokens/."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api import tokens
from api.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="What will use it, e.g. “phone shortcut”.")
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read only can see your data; read and write can also log and delete entries.",
    )


class RevokeForm(forms.Form):
    token = forms.IntegerField(min_value=1, max_value=2**63 - 1)


NEW_TOKEN_KEY = "api_new_token"  # noqa: S105 - a session key, not a secret


@login_required
@never_cache  # the new token is on this response only
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = tokens.create_token(
                owner=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            # Shown by the page the redirect opens, then forgotten: a reload of that page
            # neither shows it again nor makes a second token.
            request.session[NEW_TOKEN_KEY] = {"id": created.token.pk, "secret": created.secret}
            return redirect("api-tokens")
    shown = request.session.pop(NEW_TOKEN_KEY, None) if request.method == "GET" else None
    owned = ApiToken.objects.filter(owner=request.user)
    created = None
    if isinstance(shown, dict):
        token = owned.filter(pk=shown.get("id"), revoked_at__isnull=True).first()
        if token is not None:
            created = tokens.NewToken(token, str(shown.get("secret", "")))
    return render(request, "api/tokens.html", {"form": form, "created": created, "tokens": owned})


@login_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a token to revoke.")
        return redirect("api-tokens")
    token = get_object_or_404(ApiToken, pk=form.cleaned_data["token"], owner=request.user)
    tokens.revoke_token(token=token)
    messages.success(request, f"Revoked “{token.name}”: it no longer opens the API.")
    return redirect("api-tokens")


urlpatterns = [
    path("", token_list, name="api-tokens"),
    path("revoke/", token_revoke, name="api-token-revoke"),
]
