"""Uploads waiting between the import preview and the "Import" click.

They used to wait in the session row (up to 5 MB, for the session's two weeks), which every
request of that session read and wrote back. Now each waits in a row of its own, with an
expiry; the session only remembers which one (a few bytes). The row is also what makes an
import happen exactly once: ``claim`` is one conditional UPDATE, so of two simultaneous
confirms (a double click, two tabs) exactly one gets it and writes, and the other is told
the file was already imported.

Expired rows go when the same person uploads again, and with
``manage.py clear_pending_imports`` (README, "Running in production").
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

PENDING_IMPORT_HOURS = 24


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PendingImport(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_imports"
    )
    name = models.CharField(max_length=255, blank=True)
    text = models.TextField()
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Set, in the import's own transaction, by the one confirm that imports it; the row is
    # kept until it expires so that a second click is told the file is already imported.
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "tracker"
        indexes = [models.Index(fields=["owner", "-created_at"], name="pending_owner_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner_id}, {self.created_at:%Y-%m-%d %H:%M})"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


def store(*, owner, name: str, text: str) -> PendingImport:
    """Keep a new upload for ``owner``, replacing their earlier ones and removing anyone's
    expired ones."""
    now = timezone.now()
    clear_expired(now=now)
    PendingImport.objects.filter(owner=owner).delete()
    return PendingImport.objects.create(
        owner=owner,
        name=name[:255],
        text=text,
        digest=digest_of(text),
        created_at=now,
        expires_at=now + timedelta(hours=PENDING_IMPORT_HOURS),
    )


def waiting(*, owner, pk: object) -> PendingImport | None:
    """The person's upload ``pk`` when it still waits (not expired)."""
    if not isinstance(pk, int):
        return None
    return PendingImport.objects.filter(owner=owner, pk=pk, expires_at__gt=timezone.now()).first()


def claim(pending: PendingImport) -> bool:
    """Take the upload for importing, inside the import's transaction; False when another
    request has it or had it.

    One conditional UPDATE: on PostgreSQL a second confirm waits on the row lock until the
    first one's transaction ends, then finds it imported (or, if that import failed and
    rolled back, takes it itself). On SQLite the UPDATE is the transaction's first
    statement, so it waits for the write lock instead of failing with "database is locked".
    """
    now = timezone.now()
    taken = PendingImport.objects.filter(pk=pending.pk, imported_at__isnull=True).update(
        imported_at=now
    )
    return bool(taken)


def discard(*, owner, session, key: str) -> None:
    """Forget the upload the session points to under ``key`` and delete it if not imported."""
    ref = session.pop(key, None)
    if isinstance(ref, dict) and isinstance(ref.get("id"), int):
        PendingImport.objects.filter(owner=owner, pk=ref["id"], imported_at__isnull=True).delete()


def clear_expired(*, now=None) -> int:
    deleted, _ = PendingImport.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
