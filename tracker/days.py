"""A person's own clock: their local calendar day and time, from their profile's time zone.

Requests run in the person's zone (accounts.middleware activates it), but services, e-mails
and background work do not always run inside their request; these read the profile itself,
so "today" means the same day everywhere.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from datetime import date

from django.utils import timezone


def person_zone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def person_today(user) -> date:
    """The person's local calendar day, whatever zone is active."""
    return timezone.localdate(timezone=person_zone(user))


def person_now(user) -> dt.time:
    """The person's local clock time, to the minute (as entries record it)."""
    return timezone.localtime(timezone=person_zone(user)).time().replace(second=0, microsecond=0)
