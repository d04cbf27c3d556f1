"""A fixed response for the load benchmark's baseline (bench/run.py).

It goes through the whole middleware stack (sessions, auth, time zone, CSP, axes) like any
page, so "dashboard / minimal" measures what the dashboard itself costs. Only routed when
DJANGO_BENCH_VIEWS=1 (config/urls.py includes bench/urls.py).
"""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def minimal(request):
    return HttpResponse("ok", content_type="text/plain")
