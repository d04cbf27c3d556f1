"""The load benchmark's baseline (bench/run.py): a fixed response through the whole middleware
stack (sessions, auth, time zone, CSP, axes) like any page, so "dashboard / minimal" measures
what the dashboard itself costs. Routed only when DJANGO_BENCH_VIEWS=1 (config/urls.py)."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

minimal = require_GET(lambda request: HttpResponse("ok", content_type="text/plain"))
urlpatterns = [path("bench/minimal", minimal, name="bench-minimal")]
