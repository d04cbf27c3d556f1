"""Delete uploads that waited for their "Import" click longer than they may (a day)."""

from django.core.management.base import BaseCommand

from tracker import pending_imports


class Command(BaseCommand):
    help = "Delete expired pending imports (uploads previewed but never imported)."

    def handle(self, *args, **options):
        deleted = pending_imports.clear_expired()
        self.stdout.write(f"Deleted {deleted} expired pending import(s).")
