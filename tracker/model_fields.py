"""Fields the tracker's tables share."""

from django.conf import settings
from django.db import models


def owner_field(related_name: str, *, indexed: bool = True) -> models.ForeignKey:
    """The person a row belongs to; deleting the person deletes their rows.

    ``indexed=False`` where an index of the table's own starts with the owner already (its
    Meta.indexes or constraints), so a second index on the owner alone would only cost writes.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name=related_name,
        db_index=indexed,
    )
