from django.urls import path

from bench import views

urlpatterns = [path("bench/minimal", views.minimal, name="bench-minimal")]
