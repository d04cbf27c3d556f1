"""Filled by its issue."""

urlpatterns: list = []
