from django.urls import include, path

from tracker.views import home

# Each area's views module carries its own urlpatterns.
urlpatterns = [
    path("", home.home, name="dashboard"),
    path("healthz", home.healthz, name="healthz"),
    path("", include("tracker.views.reference")),
    path("", include("tracker.views.daily")),
    path("", include("tracker.views.charts")),
    path("", include("tracker.views.transfer")),
    path("", include("tracker.views.insight")),
    path("", include("tracker.views.undo")),
    path("", include("tracker.views.cronometer")),
    path("", include("tracker.views.routine")),
    path("", include("tracker.views.profile")),
]
