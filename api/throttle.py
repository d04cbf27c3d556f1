"""Requests per token per minute, counted in the ``default`` cache.

A fixed one-minute window per token: ``add`` then ``incr``, both atomic in Redis (and under
a lock in local memory), so with REDIS_URL every app server counts against the same number.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

WINDOW_SECONDS = 60


class TokenRateThrottle(BaseThrottle):
    @staticmethod
    def limit() -> int:
        return settings.API_RATE_PER_MINUTE

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        if token is None:
            return True  # nothing to count: the request is refused as unauthenticated anyway
        window = int(time.time() // WINDOW_SECONDS)
        self._ends = (window + 1) * WINDOW_SECONDS
        key = f"api-rate:{token.pk}:{window}"
        cache = caches["default"]
        cache.add(key, 0, WINDOW_SECONDS + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS + 5)
            count = 1
        return count <= self.limit()

    def wait(self) -> float | None:
        return max(1.0, getattr(self, "_ends", 0) - time.time())
