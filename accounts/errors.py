"""Errors that the request cycle turns into a clean answer (accounts.middleware)."""


class AccountGone(Exception):
    """The signed-in person's account was deleted while this request was on its way: its
    write found no row to lock (tracker.page_cache.mark_changed) and was rolled back."""
