import zoneinfo

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

from accounts.errors import AccountGone


class UserTimezoneMiddleware:
    """Render dates and times in the signed-in person's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.timezone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # Threads are reused across requests and people: leave no zone behind.
            timezone.deactivate()


class AccountGoneMiddleware:
    """A write that reached a deleted account (it was deleted by another tab or device while
    this request was on its way) was rolled back: sign out and go to the log-in page, rather
    than answer 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AccountGone):
            return None
        logout(request)
        messages.info(request, "This account has been deleted; nothing more was saved.")
        return redirect("login")


class PrivateCacheMiddleware:
    """Pages shown to a signed-in person carry their health data: no browser or proxy may
    keep them (``Cache-Control: private, no-store``), whatever the view set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True, no_store=True)
        return response
