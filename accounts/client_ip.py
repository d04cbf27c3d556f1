"""The client's address, behind as many reverse proxies as the deployment says it runs.

Behind a proxy every connection comes from the proxy's own address, so a lock-out or rate
limit keyed on REMOTE_ADDR would treat every person as one client: five wrong passwords from
anyone would lock the real owner out. Each trusted proxy appends the address it saw to
X-Forwarded-For; with ``TRUSTED_PROXY_COUNT`` = N the client is the N-th entry from the right.
Entries further left were written by the client itself and are never trusted. Used by
django-axes (``AXES_CLIENT_IP_CALLABLE``) and by the e-mail rate limits (accounts/throttle.py).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(text: str) -> str | None:
    text = text.strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return _valid(remote) or remote or None
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < count:
        # Fewer entries than proxies: the request did not come through all of them.
        return _valid(remote) or remote or None
    return _valid(forwarded[-count]) or _valid(remote) or remote or None
