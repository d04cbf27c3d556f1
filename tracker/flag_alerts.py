"""Warnings after a write: which flags a day newly crossed, the message on the next page, and
the opt-in e-mail, sent at most once per person, day and flag.

"At most once" is the database's job, not a read-then-write: the task that sends the e-mail
(tracker.tasks.send_day_warnings, queued when the write commits, run a few minutes later)
inserts the WarningSent row FIRST, inside a savepoint, and the unique constraint (owner, day,
flag) makes the second of two simultaneous tasks fail that insert and send nothing. A
rolled-back write queues nothing; a mail server that fails after the record loses that one
e-mail (logged) rather than risk sending it twice.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib import messages
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from tracker.intake import Flag, Severity
from tracker.models import WarningSent

logger = logging.getLogger(__name__)

_MESSAGE_LEVEL = {
    Severity.NOTICE: messages.INFO,
    Severity.WARNING: messages.WARNING,
    Severity.DANGER: messages.ERROR,
}


def newly_crossed(before: Iterable[Flag], after: Iterable[Flag]) -> list[Flag]:
    """The flags present after a write that were not present before it."""
    had = {flag.code for flag in before}
    return [flag for flag in after if flag.code not in had]


def email_once(*, owner: User, day: date, flags: Iterable[Flag], day_url: str = "") -> list[Flag]:
    """Queue the e-mail about flags the day newly crossed, once the write commits.

    Returns the flags not e-mailed before (the ones the task will look at). The task
    (tracker.tasks.send_day_warnings) runs a few minutes later, re-checks that the day still
    carries each flag (an entry undone at once sends nothing), records WarningSent first and
    only then sends. Only the person's local today and yesterday are e-mailed about: an entry
    back-dated further (or an import of old days) is history, not news, and must not become a
    way to send a stranger's inbox one e-mail per past day.
    """
    if not (owner.email_warnings and owner.email):
        return []
    today = _local_today(owner)
    if day not in (today, today - timedelta(days=1)):
        return []
    flags = list(flags)
    sent = set(
        WarningSent.objects.filter(
            owner=owner, day=day, flag__in=[f.code.value for f in flags]
        ).values_list("flag", flat=True)
    )
    claimed = [flag for flag in flags if flag.code.value not in sent]
    if claimed:
        owner_id, codes = owner.pk, [flag.code.value for flag in claimed]

        def queue() -> None:  # a named function: Django logs a failing callback by its name
            from tracker.tasks import enqueue_day_warnings

            enqueue_day_warnings(owner_id=owner_id, day=day, codes=codes, url=day_url)

        # robust: a queue that fails is logged; it must not turn a saved entry into a 500.
        transaction.on_commit(queue, robust=True)
    return claimed


def _local_today(owner: User) -> date:
    try:
        zone = zoneinfo.ZoneInfo(owner.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localdate(timezone=zone)


def send_email(*, to: str, name: str, day: date, flags: list[Flag], url: str) -> None:
    context = {"name": name, "day": day, "flags": flags, "url": url}
    titles = ", ".join(flag.title.lower() for flag in flags)
    subject = f"Magnesium on {day:%d %b %Y}: {titles}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("email/day_warning.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string("email/day_warning.html", context), "text/html")
    message.send()
    logger.info("warning e-mail sent for %s: %s", day, titles)


def _source_words(flag: Flag) -> str:
    """The citation in words, without its address: a message is plain text, where a long
    address is no link and breaks across lines on a phone; the day page links it."""
    citation = flag.source
    details = ", ".join(p for p in (citation.publisher_words, citation.year) if p)
    return f"\u201c{citation.title}\u201d ({details})"


def announce(request: HttpRequest, flags: Iterable[Flag]) -> None:
    """Show each newly crossed flag on the next page, with its source."""
    for flag in flags:
        messages.add_message(
            request,
            _MESSAGE_LEVEL[flag.severity],
            f"{flag.title}: {flag.message} Source: {_source_words(flag)}.",
        )
