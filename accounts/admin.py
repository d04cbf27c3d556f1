from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User
from tracker import page_cache


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        (
            "Profile",
            {
                "fields": (
                    "sex",
                    "date_of_birth",
                    "authority",
                    "life_stage",
                    "has_kidney_disease",
                    "has_heart_condition",
                    "timezone",
                    "target_override_mg",
                    "email_warnings",
                )
            },
        ),
    )
    list_display = ("username", "email", "sex", "timezone", "is_staff")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:  # the profile shows on every cached page (tracker/page_cache.py)
            page_cache.mark_changed(obj)
