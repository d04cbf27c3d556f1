"""Undo instead of confirmation pages: a signed token, handed out with the message after a
log, a quick log, "repeat yesterday" or a delete (of an intake entry or a symptom), that puts
back exactly what was there.

The token carries what to undo, not a server-side record: which kind of row (``k``), the ids
the write created, or the deleted row's every column. It is signed (django.core.signing, its
own salt), names its owner and expires after UNDO_SECONDS, so it cannot be forged, used by
someone else or kept for later. Undoing twice is harmless: created rows already gone are not
found again, and a row already restored (same id) is not inserted twice.

Flags and e-mail records stay consistent with the day: removing rows can only lower a day's
totals and flags, so nothing is announced; restoring a deleted entry (or a side-effect
symptom) can raise them, so the flags it newly crosses are announced and e-mailed once, as
any write's are (writes.person_write). The WarningSent rows are never deleted: they record
what was sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.db import models

from accounts.models import User
from tracker import selectors
from tracker.models import IntakeEntry, SupplementProduct, SymptomEntry
from tracker.services.writes import Written, check_room, check_symptom_room, person_write

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


# The kinds of row a token can name; an entry's token (the first kind) carries no "k".
KINDS: dict[str, type[models.Model]] = {"entry": IntakeEntry, "symptom": SymptomEntry}


def _kind(row: models.Model) -> str:
    return "symptom" if isinstance(row, SymptomEntry) else "entry"


def snapshot(entry: IntakeEntry | SymptomEntry) -> dict:
    """Every column of the row, as JSON-safe values."""
    return {
        f.attname: _encode(getattr(entry, f.attname)) for f in type(entry)._meta.concrete_fields
    }


def _restore(model: type[models.Model], data: dict):
    values = {}
    for f in model._meta.concrete_fields:
        raw = data.get(f.attname)
        values[f.attname] = (
            raw if isinstance(f, models.JSONField) or raw is None else f.to_python(raw)
        )
    return model(**values)


def _dumps(owner: User, action: str, row_kind: str, **content) -> str:
    data = {"u": owner.pk, "a": action, **content}
    if row_kind != "entry":
        data["k"] = row_kind
    return signing.dumps(data, salt=_SALT, compress=True)


def created_token(*, owner: User, entries: list[IntakeEntry] | list[SymptomEntry]) -> str:
    """Undo for rows just written (all of one kind): removes them."""
    return _dumps(owner, CREATED, _kind(entries[0]), ids=[e.pk for e in entries])


def deleted_token(*, owner: User, entry: IntakeEntry | SymptomEntry) -> str:
    """Undo for a row about to be deleted: puts it back with its id and every column."""
    return _dumps(owner, DELETED, _kind(entry), e=snapshot(entry))


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
        or data.get("k", "entry") not in KINDS
    ):
        raise UndoError("That undo link is not valid.")
    return data


# --- Undoing --------------------------------------------------------------------------------


def undo(*, owner: User, token: str) -> Written[Undone]:
    """Put back what the token's write changed, in one transaction."""
    data = read_token(token, owner=owner)
    model = KINDS[data.get("k", "entry")]
    if data["a"] == CREATED:
        return _remove_created(owner=owner, model=model, ids=data.get("ids") or [])
    return _restore_deleted(owner=owner, model=model, data=data.get("e") or {})


def _described(row: IntakeEntry | SymptomEntry) -> str:
    if isinstance(row, SymptomEntry):
        return row.get_symptom_display().lower()
    return row.item_name


def _remove_created(*, owner: User, model: type[models.Model], ids: list) -> Written[Undone]:
    ids = [i for i in ids if isinstance(i, int)]
    with person_write(owner):
        entries = list(model.objects.filter(owner=owner, pk__in=ids))
        if not entries:
            return Written(Undone("Nothing to undo: that entry is already gone.", None))
        day = entries[0].day
        model.objects.filter(owner=owner, pk__in=[e.pk for e in entries]).delete()
    what = _described(entries[0]) if len(entries) == 1 else f"{len(entries)} entries"
    return Written(Undone(f"Undone: {what} removed from {day:%d %b %Y}.", day))


def _item_still_there(*, owner: User, entry: IntakeEntry) -> bool:
    """Its product (the owner's) or food (reference or the owner's) may have been removed
    since the delete; the foreign keys would only fail at commit on PostgreSQL."""
    if entry.product_id:
        return SupplementProduct.objects.filter(pk=entry.product_id, owner=owner).exists()
    return selectors.visible_foods(user=owner).filter(pk=entry.food_id).exists()


def _restore_deleted(*, owner: User, model: type[models.Model], data: dict) -> Written[Undone]:
    if data.get("owner_id") != owner.pk or not isinstance(data.get("id"), int):
        raise UndoError("That undo link is not valid.")
    row = _restore(model, data)
    # Restoring can raise the day's totals (an entry) or its side-effect flag (a symptom).
    # A restored entry is not re-linked to a routine dose it was taken for; a food entry can
    # change the dashboard's recent foods (page_cache.mark_changed).
    day_only = getattr(row, "food_id", None) is None
    with person_write(owner, day=row.day, day_only=day_only) as crossing:
        if model.objects.filter(pk=row.pk).exists():
            return Written(Undone(f"Nothing to undo: {_described(row)} is already back.", row.day))
        if model is SymptomEntry:
            check_symptom_room(owner, row.day)
        else:
            check_room(owner, row.day)
            if not _item_still_there(owner=owner, entry=row):
                raise UndoError("That entry cannot be restored: its product or food is gone.")
        created_at = row.created_at
        row.save(force_insert=True)
        # auto_now_add stamped a new time; the restored row keeps its original one (the
        # dashboard's recent foods are ordered by it).
        model.objects.filter(pk=row.pk).update(created_at=created_at)
    message = f"Restored {_described(row)} on {row.day:%d %b %Y}."
    return Written(Undone(message, row.day), crossing.flags)
