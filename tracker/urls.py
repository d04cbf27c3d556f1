from django.urls import path

from tracker.views import home

urlpatterns = [
    path("", home.home, name="dashboard"),
    path("healthz", home.healthz, name="healthz"),
]
