from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import PROFILE_FIELDS, User
from accounts.signals import send_profile_changed


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        (
            "Profile",
            {"fields": PROFILE_FIELDS},
        ),
    )
    list_display = ("username", "email", "sex", "timezone", "is_staff")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:  # the profile shows on every cached page (accounts/signals.py)
            send_profile_changed(obj)
