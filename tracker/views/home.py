from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tracker import intake


@require_GET
def home(request):
    """Visitors see the landing page; people who are signed in see today's dashboard."""
    if not request.user.is_authenticated:
        return render(request, "tracker/landing.html")
    if not request.user.profile_complete:
        return redirect("profile")
    today = timezone.localdate()
    return render(
        request,
        "tracker/dashboard.html",
        {
            "day": today,
            "target": intake.target_for(request.user, today),
            "ul": intake.ul_for(request.user, today),
        },
    )


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
