from django.db import transaction

from accounts.models import User


def delete_account(*, user: User) -> bool:
    """Remove the person and every row of theirs, in one transaction; False when the account
    was already gone.

    The person's row is locked first (SELECT ... FOR UPDATE): each write of theirs locks the
    same row before it touches anything (the page-cache version raise), so a write either
    finishes before the deletion starts or, after it, finds no account and is rolled back;
    the two never deadlock. Entries protect their product and food from deletion (history
    must never lose what it refers to), so the entries go first; everything else follows
    through CASCADE.
    """
    with transaction.atomic():
        if not User.objects.select_for_update().filter(pk=user.pk).exists():
            return False
        user.entries.all().delete()
        user.delete()
    return True
