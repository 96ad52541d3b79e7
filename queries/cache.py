"""Results cache: a summary or a detail page computed once per store, report, filters
and data scope.

The key always holds the viewer's scope and personal-data flag, so a result is never
shared across scopes, and the store's identity (file identity for DuckDB, published
version for ClickHouse), so swapping a store in makes every older entry unreachable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from data.settings import Settings
from queries.access import Viewer
from queries.store import store_identity

T = TypeVar("T")


class ResultCache:
    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._data: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._store: tuple[Any, ...] | None = None
        self.hits = self.misses = 0

    def get_or_compute(self, settings: Settings, viewer: Viewer, key: tuple[Any, ...],
                       compute: Callable[[], T]) -> T:
        if self.entries <= 0:
            return compute()
        store = (settings.store_engine, str(settings.store_path), settings.clickhouse_url,
                 store_identity(settings))
        full = (store, viewer.scope.cache_key, viewer.personal_data, *key)
        with self._lock:
            if store != self._store:
                # A new store: nothing computed on the old one may be served.
                self._data.clear()
                self._store = store
            if full in self._data:
                self._data.move_to_end(full)
                self.hits += 1
                return self._data[full]  # type: ignore[no-any-return]
            self.misses += 1
        value = compute()
        with self._lock:
            self._data[full] = value
            while len(self._data) > self.entries:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_caches: dict[int, ResultCache] = {}


def results_cache(settings: Settings) -> ResultCache:
    size = settings.results_cache_entries
    found = _caches.get(size)
    if found is None:
        found = _caches.setdefault(size, ResultCache(size))
    return found
