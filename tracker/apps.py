from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created


class TrackerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker"

    def ready(self):
        from accounts.signals import profile_changed

        profile_changed.connect(_mark_pages_stale, dispatch_uid="tracker.page_cache.profile")
        connection_created.connect(_plan_for_memory, dispatch_uid="tracker.random_page_cost")


def _mark_pages_stale(sender, user, **kwargs) -> None:
    """A profile or e-mail change (accounts/signals.py): the person's cached pages show it,
    so they are stale; this also locks the person and stops at a deleted account."""
    from tracker import page_cache

    page_cache.mark_changed(user)


def _plan_for_memory(sender, connection, **kwargs) -> None:
    """PostgreSQL's default planner costs assume spinning disks (random_page_cost 4): with
    them, the day's entries joined to the foods hash all 1,140 foods (1.1 ms) instead of
    looking up the few it needs by key (0.4 ms). A tracker's tables fit in memory or sit on
    an SSD, where a random read costs about what a sequential one does. Set per connection,
    so a shared pgbouncer or a server-wide setting is left alone; DJANGO_PG_RANDOM_PAGE_COST
    empty keeps the server's own value."""
    cost = settings.PG_RANDOM_PAGE_COST
    if connection.vendor == "postgresql" and cost:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('random_page_cost', %s, false)", [cost])
