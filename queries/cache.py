"""Results cache: a summary or a detail page computed once per store, report, filters
and data scope.

The key always holds the viewer's scope and personal-data flag, so a result is never
shared across scopes, and the store's identity (file identity for DuckDB, published
version for ClickHouse), so swapping a store in makes every older entry unreachable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from cachetools import LRUCache

from data.settings import Settings
from engines.base import Engine
from queries.access import Viewer
from queries.store import store_key

T = TypeVar("T")


def result_cells(value: Any) -> int:
    """About how many values a result holds (its memory): rows times columns."""
    rows = getattr(value, "rows", None) or []
    earlier = getattr(value, "previous_year", None) or []
    width = len(rows[0]) if rows else len(earlier[0]) if earlier else 1
    return 1 + (len(rows) + len(earlier)) * width


class ResultCache:
    def __init__(self, entries: int, max_cells: int = 2_000_000) -> None:
        self.entries = entries
        # Bounded by size too: one summary by handler holds 25 000 rows (~40 MB as
        # Python dicts); by count alone a worker's cache could grow past its memory.
        # The least recently used result goes first, by either bound.
        self.max_cells = max_cells
        self._data: LRUCache[tuple[Any, ...], Any] = LRUCache(max_cells, getsizeof=result_cells)
        self._lock = threading.Lock()
        self._store: tuple[Any, ...] | None = None
        self.hits = self.misses = 0

    @property
    def cells(self) -> int:
        """The values (rows x columns) the cache holds now."""
        return int(self._data.currsize)

    def get_or_compute(self, engine: Engine, viewer: Viewer, key: tuple[Any, ...],
                       compute: Callable[[], T]) -> T:
        if self.entries <= 0:
            return compute()
        store = store_key(engine)
        full = (store, viewer.scope.cache_key, viewer.personal_data, *key)
        with self._lock:
            if store != self._store:
                # A new store: nothing computed on the old one may be served.
                self._data.clear()
                self._store = store
            if full in self._data:
                self.hits += 1
                return self._data[full]  # type: ignore[no-any-return]
            self.misses += 1
        value = compute()
        if result_cells(value) > self.max_cells // 4:
            return value  # too big to keep: it would push out many small ones
        with self._lock:
            if full not in self._data:
                self._data[full] = value
                while len(self._data) > self.entries:
                    self._data.popitem()
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_caches: dict[tuple[int, int], ResultCache] = {}


def results_cache(settings: Settings) -> ResultCache:
    size = (settings.results_cache_entries, settings.results_cache_cells)
    found = _caches.get(size)
    if found is None:
        found = _caches.setdefault(size, ResultCache(*size))
    return found
