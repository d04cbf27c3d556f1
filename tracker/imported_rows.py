"""Rows of other apps' exports already imported, by a fingerprint of each row.

Importing the same Cronometer file again (or a later export that repeats earlier days) adds
only rows not seen before: each imported row leaves its key here, in the import's own
transaction, and the unique constraint stops two imports of one file at once from both
writing it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportedRow(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imported_rows"
    )
    source = models.CharField(max_length=20)  # "cronometer"
    key = models.CharField(max_length=64)  # sha256 hex of the row's identifying cells
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "tracker"
        constraints = [
            models.UniqueConstraint(fields=["owner", "source", "key"], name="one_import_per_row")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.key[:12]} ({self.owner_id})"


def seen_keys(*, owner, source: str, keys: list[str], batch: int = 500) -> set[str]:
    """Which of ``keys`` this person has imported before (batched: SQLite caps parameters)."""
    seen: set[str] = set()
    for start in range(0, len(keys), batch):
        seen.update(
            ImportedRow.objects.filter(
                owner=owner, source=source, key__in=keys[start : start + batch]
            ).values_list("key", flat=True)
        )
    return seen
