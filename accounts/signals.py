"""Signals the accounts app sends; it knows nothing of the apps that listen.

``profile_changed``: sent with ``sender=User`` and ``user`` (a User or its id) inside the
transaction of a change to the person's profile or e-mail address, before the write where
the caller can (the admin sends it after its save). A receiver (tracker/apps.py: the
person's cached pages are now stale) may lock the person's row and raise
``accounts.errors.AccountGone`` when the account no longer exists, which rolls the change
back; so it is sent with ``send``, never ``send_robust``.
"""

from django.dispatch import Signal

profile_changed = Signal()


def send_profile_changed(user) -> None:
    """Tell the listeners that ``user``'s profile is about to change (call it inside the
    transaction, before the write)."""
    from accounts.models import User

    profile_changed.send(sender=User, user=user)
