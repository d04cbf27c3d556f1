"""Undo instead of confirmation pages: a signed token, handed out with the message after a
log, a quick log, "repeat yesterday" or a delete, that puts back exactly what was there.

The token carries what to undo, not a server-side record: the ids the write created, or the
deleted entry's every column. It is signed (django.core.signing, its own salt), names its
owner and expires after UNDO_SECONDS, so it cannot be forged, used by someone else or kept
for later. Undoing twice is harmless: created entries already gone are not found again, and
an entry already restored (same id) is not inserted twice.

Flags and e-mail records stay consistent with the day: removing entries can only lower a
day's totals, so nothing is announced; restoring a deleted entry can raise them, so the flags
it newly crosses are announced and e-mailed once, as any write's are (writes.person_write).
The WarningSent rows are never deleted: they record what was sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.db import models

from accounts.models import User
from tracker import selectors
from tracker.models import IntakeEntry, SupplementProduct
from tracker.services.writes import Written, check_room, person_write

UNDO_SECONDS = 5 * 60
"""How long the Undo button works: long enough to notice a slip, short enough that an old
page's button cannot rewrite a day the person has since moved on from."""

_SALT = "tracker.undo"
CREATED = "created"
DELETED = "deleted"


class UndoError(Exception):
    """The token is forged, expired or someone else's; the message says so in people's words."""


@dataclass(frozen=True)
class Undone:
    message: str
    day: dt.date | None


# --- Tokens ---------------------------------------------------------------------------------


def _encode(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value  # str, int, None, the label's dict


def snapshot(entry: IntakeEntry) -> dict:
    """Every column of the entry, as JSON-safe values."""
    return {
        f.attname: _encode(getattr(entry, f.attname)) for f in IntakeEntry._meta.concrete_fields
    }


def _restore(data: dict) -> IntakeEntry:
    values = {}
    for f in IntakeEntry._meta.concrete_fields:
        raw = data.get(f.attname)
        values[f.attname] = (
            raw if isinstance(f, models.JSONField) or raw is None else f.to_python(raw)
        )
    return IntakeEntry(**values)


def created_token(*, owner: User, entries: list[IntakeEntry]) -> str:
    return signing.dumps(
        {"u": owner.pk, "a": CREATED, "ids": [e.pk for e in entries]}, salt=_SALT, compress=True
    )


def deleted_token(*, owner: User, entry: IntakeEntry) -> str:
    return signing.dumps(
        {"u": owner.pk, "a": DELETED, "e": snapshot(entry)}, salt=_SALT, compress=True
    )


def read_token(token: str, *, owner: User) -> dict:
    """The token's content when it is genuine, unexpired and the owner's, else UndoError."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=UNDO_SECONDS)
    except signing.SignatureExpired:
        raise UndoError("Too late to undo: use Edit or Delete on the day instead.")
    except signing.BadSignature:
        raise UndoError("That undo link is not valid.")
    if (
        not isinstance(data, dict)
        or data.get("u") != owner.pk
        or data.get("a")
        not in (
            CREATED,
            DELETED,
        )
    ):
        raise UndoError("That undo link is not valid.")
    return data


# --- Undoing --------------------------------------------------------------------------------


def undo(*, owner: User, token: str) -> Written[Undone]:
    """Put back what the token's write changed, in one transaction."""
    data = read_token(token, owner=owner)
    if data["a"] == CREATED:
        return _remove_created(owner=owner, ids=data.get("ids") or [])
    return _restore_deleted(owner=owner, data=data.get("e") or {})


def _remove_created(*, owner: User, ids: list) -> Written[Undone]:
    ids = [i for i in ids if isinstance(i, int)]
    with person_write(owner):
        entries = list(IntakeEntry.objects.filter(owner=owner, pk__in=ids))
        if not entries:
            return Written(Undone("Nothing to undo: that entry is already gone.", None))
        day = entries[0].day
        IntakeEntry.objects.filter(owner=owner, pk__in=[e.pk for e in entries]).delete()
    what = entries[0].item_name if len(entries) == 1 else f"{len(entries)} entries"
    return Written(Undone(f"Undone: {what} removed from {day:%d %b %Y}.", day))


def _item_still_there(*, owner: User, entry: IntakeEntry) -> bool:
    """Its product (the owner's) or food (reference or the owner's) may have been removed
    since the delete; the foreign keys would only fail at commit on PostgreSQL."""
    if entry.product_id:
        return SupplementProduct.objects.filter(pk=entry.product_id, owner=owner).exists()
    return selectors.visible_foods(user=owner).filter(pk=entry.food_id).exists()


def _restore_deleted(*, owner: User, data: dict) -> Written[Undone]:
    if data.get("owner_id") != owner.pk or not isinstance(data.get("id"), int):
        raise UndoError("That undo link is not valid.")
    entry = _restore(data)
    with person_write(owner, day=entry.day) as crossing:
        if IntakeEntry.objects.filter(pk=entry.pk).exists():
            return Written(Undone("Nothing to undo: that entry is already back.", entry.day))
        check_room(owner, entry.day)
        if not _item_still_there(owner=owner, entry=entry):
            raise UndoError("That entry cannot be restored: its product or food is gone.")
        created_at = entry.created_at
        entry.save(force_insert=True)
        # auto_now_add stamped a new time; the restored entry keeps its original one (the
        # dashboard's recent foods are ordered by it).
        IntakeEntry.objects.filter(pk=entry.pk).update(created_at=created_at)
    message = f"Restored {entry.item_name} on {entry.day:%d %b %Y}."
    return Written(Undone(message, entry.day), crossing.flags)
