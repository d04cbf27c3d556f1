"""Django's password reset, with at most a few e-mails an hour per address and per client
(accounts/throttle.py), so the form cannot be used to flood someone's inbox."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from accounts import throttle
from accounts.client_ip import client_ip


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        allowed = throttle.allow_email(
            purpose="reset", address=form.cleaned_data["email"], client=client_ip(self.request)
        )
        if not allowed:
            form.add_error(None, throttle.LIMIT_MESSAGE)
            return self.form_invalid(form)
        return super().form_valid(form)
