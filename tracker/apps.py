from django.apps import AppConfig


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"

    def ready(self):
        from accounts.signals import profile_changed

        profile_changed.connect(_mark_pages_stale, dispatch_uid="tracker.page_cache.profile")


def _mark_pages_stale(sender, user, **kwargs) -> None:
    """A profile or e-mail change (accounts/signals.py): the person's cached pages show it,
    so they are stale; this also locks the person and stops at a deleted account."""
    from tracker import page_cache

    page_cache.mark_changed(user)
