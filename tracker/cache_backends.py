"""A local-memory cache bounded by bytes as well as by entries.

Django's LocMemCache only counts entries (MAX_ENTRIES), so a thousand 8 MB pages would be
8 GB in one worker. This one also keeps the total size of the stored (pickled) values under
``OPTIONS["MAX_BYTES"]``, dropping the least recently used values first, and never stores a
single value above ``OPTIONS["MAX_VALUE_BYTES"]`` (it is simply not cached).
"""

from __future__ import annotations

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache

_sizes: dict[str, dict[str, int]] = {}
_totals: dict[str, list[int]] = {}

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_VALUE_BYTES = 1024 * 1024


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
