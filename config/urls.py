from django.contrib import admin
from django.urls import include, path, re_path

from api.endpoints import api, not_found
from config.env import env_bool

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/tokens/", include("api.views")),
    path("accounts/", include("accounts.urls")),
    # The REST API (api/endpoints.py); any other /api/ address answers JSON too.
    path("api/", not_found, name="api-not-found"),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", not_found, name="api-not-found"),
    path("", include("tracker.urls")),
]

# The load benchmark's baseline view (bench/urls.py); never routed unless asked for.
if env_bool("DJANGO_BENCH_VIEWS", False):
    urlpatterns.append(path("", include("bench.urls")))
