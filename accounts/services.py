from django.db import transaction

from accounts.models import User


def delete_account(*, user: User) -> None:
    """Remove the person and every row of theirs, in one transaction.

    Entries protect their product and food from deletion (history must never lose what it
    refers to), so the entries go first; everything else follows through CASCADE.
    """
    with transaction.atomic():
        user.entries.all().delete()
        user.delete()
