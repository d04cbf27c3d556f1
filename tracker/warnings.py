"""Warnings after a write: which flags a day newly crossed, the message on the next page, and
the opt-in e-mail, sent at most once per person, day and flag.

"At most once" is the database's job, not a read-then-write: the WarningSent row is inserted
FIRST, inside a savepoint, and the unique constraint (owner, day, flag) makes the second of two
simultaneous requests fail that insert and send nothing. The e-mail itself goes out only when
the surrounding transaction commits, so a rolled-back write never e-mails anyone; a mail
server that fails after the commit loses that one e-mail (logged) rather than risk sending it
twice.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable
from datetime import date, timedelta

from django.contrib import messages
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
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
    """Record each flag for (owner, day) and e-mail the ones not recorded before, in one e-mail.

    Returns the flags this call claimed (and will e-mail once the transaction commits).
    Only the person's local today and yesterday are e-mailed about: an entry back-dated
    further (or an import of old days) is history, not news, and must not become a way to
    send a stranger's inbox one e-mail per past day.
    """
    if not (owner.email_warnings and owner.email):
        return []
    today = _local_today(owner)
    if day not in (today, today - timedelta(days=1)):
        return []
    claimed: list[Flag] = []
    for flag in flags:
        try:
            # A savepoint: a lost race rolls back only this insert, not the caller's write.
            with transaction.atomic():
                WarningSent.objects.create(owner=owner, day=day, flag=flag.code.value)
        except IntegrityError:
            continue  # already e-mailed for this day, or another request just did
        claimed.append(flag)
    if claimed:
        to, name = owner.email, owner.username

        def send() -> None:  # a named function: Django logs a failing callback by its name
            _send(to=to, name=name, day=day, flags=claimed, url=day_url)

        # robust: a failing mail server is logged; it must not turn a saved entry into a 500.
        transaction.on_commit(send, robust=True)
    return claimed


def _local_today(owner: User) -> date:
    try:
        zone = zoneinfo.ZoneInfo(owner.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localdate(timezone=zone)


def _send(*, to: str, name: str, day: date, flags: list[Flag], url: str) -> None:
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
