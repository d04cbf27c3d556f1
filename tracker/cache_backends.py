"""A local-memory cache bounded by bytes as well as by entries.

Django's LocMemCache only counts entries (MAX_ENTRIES), so a thousand 8 MB pages would be
8 GB in one worker. This one also keeps the total size of the stored (pickled) values under
``OPTIONS["MAX_BYTES"]``, dropping the least recently used values first, and never stores a
single value above ``OPTIONS["MAX_VALUE_BYTES"]`` (it is simply not cached).
"""

from __future__ import annotations

import logging
import pickle

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_sizes: dict[str, dict[str, int]] = {}
_totals: dict[str, list[int]] = {}

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_VALUE_BYTES = 1024 * 1024
# A page kept in Redis without a timeout of its own still goes after a day.
DEFAULT_REDIS_TTL = 24 * 60 * 60


class BoundedLocMemCache(LocMemCache):
    def __init__(self, name, params):
        super().__init__(name, params)
        options = params.get("OPTIONS", {})
        self.max_bytes = int(options.get("MAX_BYTES", DEFAULT_MAX_BYTES))
        self.max_value_bytes = int(options.get("MAX_VALUE_BYTES", DEFAULT_MAX_VALUE_BYTES))
        self._sizes = _sizes.setdefault(name, {})
        self._total = _totals.setdefault(name, [0])  # a list: shared and mutable

    @property
    def total_bytes(self) -> int:
        return self._total[0]

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        size = len(value)
        self._delete(key)
        if size > self.max_value_bytes or size > self.max_bytes:
            return  # too large to keep: the page is rendered each time instead
        while self._cache and self._total[0] + size > self.max_bytes:
            old, _ = self._cache.popitem()  # the least recently used
            self._forget(old)
        super()._set(key, value, timeout)
        self._sizes[key] = size
        self._total[0] += size

    def _forget(self, key) -> None:
        self._expire_info.pop(key, None)
        self._total[0] -= self._sizes.pop(key, 0)

    def _delete(self, key):
        deleted = super()._delete(key)
        if deleted:
            self._total[0] -= self._sizes.pop(key, 0)
        return deleted

    def _cull(self):
        if self._cull_frequency == 0:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
            self._total[0] = 0
            return
        for _ in range(len(self._cache) // self._cull_frequency):
            key, _ = self._cache.popitem()
            self._forget(key)

    def incr(self, key, delta=1, version=None):
        raise NotImplementedError("the page cache stores pages, not counters")

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
            self._total[0] = 0


class BoundedRedisCache(RedisCache):
    """Django's Redis cache that keeps no value above ``OPTIONS["MAX_VALUE_BYTES"]`` and never
    stores one without a TTL.

    The total is bounded by the Redis server itself (``maxmemory`` with the ``allkeys-lru``
    policy, README: "Several app servers"): this guard does not depend on that setting, so a
    misconfigured server still holds no huge page and nothing forever.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.max_value_bytes = int(options.pop("MAX_VALUE_BYTES", DEFAULT_MAX_VALUE_BYTES))
        super().__init__(server, {**params, "OPTIONS": options})
        if self.default_timeout is None:
            self.default_timeout = DEFAULT_REDIS_TTL

    def _fits(self, value) -> bool:
        size = len(value) if isinstance(value, bytes | str) else len(pickle.dumps(value))
        return size <= self.max_value_bytes

    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        if timeout is None:
            timeout = DEFAULT_REDIS_TTL
        return super().get_backend_timeout(timeout)

    def get(self, key, default=None, version=None):
        # Redis unreachable: a miss, and the page is rendered (/healthz reports the outage).
        try:
            return super().get(key, default, version)
        except RedisError:
            logger.warning("page cache: Redis unavailable", exc_info=True)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            if not self._fits(value):
                self.delete(key, version=version)
                return
            super().set(key, value, timeout, version)
        except RedisError:
            logger.warning("page cache: Redis unavailable", exc_info=True)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if not self._fits(value):
            return False
        return super().add(key, value, timeout, version)

    def clear(self):
        """Only this cache's keys (its KEY_PREFIX), never the whole Redis database that Django's
        own clear() would empty: the rate limits and sessions may share it."""
        clear_own_keys(self)
        return True


def clear_own_keys(cache) -> None:
    """Empty ``cache``; a Redis one only of the keys under its KEY_PREFIX (Django's clear()
    would FLUSHDB the whole database, another deployment's keys included)."""
    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    pattern = f"{cache.key_prefix}:*" if cache.key_prefix else "*"
    keys = list(client.scan_iter(match=pattern, count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
