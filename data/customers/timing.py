"""Seconds per step of a customer resolution, logged as it goes and kept in its figures:
the profile that shows which step grows faster than the book."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("data.build")


@contextmanager
def timed(stats: dict[str, Any], name: str) -> Iterator[None]:
    """Time the block: ``stats[name + '_s']`` gets its wall seconds (added to what the
    name already holds); the log gets wall and CPU seconds (CPU of every thread: on a
    shared machine the wall time alone misleads)."""
    started, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        wall = time.perf_counter() - started
        key = f"{name}_s"
        stats[key] = round(stats.get(key, 0.0) + wall, 2)
        log.info("customer step %-24s %6.1f s  cpu %6.1f s", name, wall,
                 time.process_time() - cpu)
