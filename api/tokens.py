"""Personal access tokens: made, found and revoked (writes with their rules).

A token is ``mgt_`` + 32 random bytes (URL-safe base64). Only its SHA-256 digest is stored,
which is enough for a random secret of that length: there is nothing to guess, and a hash
that is fast keeps every API request cheap.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from api.models import ApiToken
from tracker.text import control_character

TOKEN_PREFIX = "mgt_"  # noqa: S105 - a marker, not a secret
MAX_ACTIVE_TOKENS = 20
# "Last used" is written at most this often per token: not one UPDATE per API request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(*, owner: User, name: str, scope: str) -> NewToken:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the app that will use it."})
    bad = control_character(name)
    if bad:
        raise ValidationError({"name": f"The name holds a control character ({bad})."})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": "Choose read only or read and write."})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # Lock the person so two simultaneous requests cannot both pass the count.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        active = ApiToken.objects.filter(owner=owner, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                {"name": f"You have {MAX_ACTIVE_TOKENS} tokens; revoke one you no longer use."}
            )
        token = ApiToken(
            owner=owner,
            name=name,
            scope=scope,
            prefix=secret[: len(TOKEN_PREFIX) + 4],
            digest=digest_of(secret),
        )
        token.full_clean()
        token.save()
    return NewToken(token, secret)


def revoke_token(*, token: ApiToken) -> None:
    """Revoked tokens stay listed (with when) so a person can see what was cut off."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


def find_token(secret: str) -> ApiToken | None:
    """The live token for ``secret`` (its owner loaded), or None; records its use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.select_related("owner")
        .filter(digest=digest_of(secret), revoked_at__isnull=True, owner__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
