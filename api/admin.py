from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Staff can see who has which token and revoke one (set "revoked at"); the token itself
    is never stored, only its digest."""

    list_display = ("name", "owner", "scope", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    search_fields = ("name", "owner__username", "prefix")
    readonly_fields = ("owner", "prefix", "digest", "created_at", "last_used_at")
    fields = (
        "owner",
        "name",
        "scope",
        "prefix",
        "digest",
        "created_at",
        "last_used_at",
        "revoked_at",
    )

    def has_add_permission(self, request) -> bool:
        return False  # tokens are made by their owner, who alone sees the secret once
