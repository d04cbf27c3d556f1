from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tracker.views import day


@require_GET
def home(request):
    """Visitors see the landing page; people who are signed in see today's dashboard."""
    if not request.user.is_authenticated:
        return render(request, "tracker/landing.html")
    if not request.user.profile_complete:
        return redirect("profile")
    return day.dashboard(request)


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    if settings.REDIS_URL:
        # With a shared cache every page reads Redis: a server that cannot reach it is unwell.
        try:
            caches["default"].get("healthz")
        except Exception:  # redis-py's errors: connection refused, timeout, auth, ...
            return HttpResponse("cache unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
