from django.contrib import admin
from django.urls import include, path

from config.env import env_bool

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("tracker.urls")),
]

# The load benchmark's baseline view (bench/urls.py); never routed unless asked for.
if env_bool("DJANGO_BENCH_VIEWS", False):
    urlpatterns.append(path("", include("bench.urls")))
