from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        (
            "Profile",
            {
                "fields": (
                    "sex",
                    "date_of_birth",
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
