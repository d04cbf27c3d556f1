from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import DeleteAccountForm, SignUpForm


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
