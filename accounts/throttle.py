"""Counting e-mails sent on request (password reset, sign-in link) per address and per client,
in the ``default`` cache (per worker process unless a shared cache is configured).

Without a limit anyone could have the app send a stranger's inbox an e-mail a second.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches

PER_ADDRESS = 3
PER_CLIENT = 10
WINDOW_SECONDS = 60 * 60


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]
    return f"throttle:{kind}:{digest}"


def _hit(key: str, limit: int) -> bool:
    """Count one more; False when the count was already at the limit."""
    cache = caches["default"]
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count <= limit


def allow_email(*, purpose: str, address: str, client: str | None) -> bool:
    """Whether one more ``purpose`` e-mail to ``address`` requested from ``client`` may go."""
    by_client = _hit(_key(f"{purpose}:client", client or "unknown"), PER_CLIENT)
    by_address = _hit(_key(f"{purpose}:address", address), PER_ADDRESS)
    return by_client and by_address


LIMIT_MESSAGE = (
    "Too many e-mails of this kind were asked for from here or for this address; at most "
    f"{PER_ADDRESS} an hour per address and {PER_CLIENT} an hour from one place. Try again "
    "in an hour."
)


# Wrong current passwords typed into a signed-in form (e-mail change, account deletion): a
# left-open session must not become a way to guess the password without the lock-out.
PASSWORD_CHECKS = 5


def password_checks_exhausted(user_pk: int) -> bool:
    return caches["default"].get(_key("password-check", str(user_pk)), 0) >= PASSWORD_CHECKS


def count_wrong_password(user_pk: int) -> None:
    _hit(_key("password-check", str(user_pk)), PASSWORD_CHECKS)


PASSWORD_CHECKS_MESSAGE = (
    f"{PASSWORD_CHECKS} wrong passwords in an hour: try again later, or sign out and use "
    "“Forgot your password?” on the log-in page."
)
