"""Finds due reminders and queues them for the workers (`manage.py db_worker`).

Run one (or more: they agree through the database) next to the workers; `make run` and the
Procfile start it. `--once` runs a single pass, for cron or tests.
"""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from tracker.tasks import schedule_due


class Command(BaseCommand):
    help = "Queue due reminders and re-queue notices whose task was lost, every --interval s."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between passes.")

    def handle(self, *args, once: bool = False, interval: float = 30.0, **options):
        while True:
            close_old_connections()
            queued = schedule_due()
            if queued and options["verbosity"] > 0:
                self.stdout.write(f"queued {queued} notification(s)")
            if once:
                return
            time.sleep(max(interval, 1.0))
