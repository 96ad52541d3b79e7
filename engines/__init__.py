"""The engines that answer the reports: one ``Engine`` protocol (``engines.base``), one
module per engine holding all of that engine's facts.

``engine_for(settings)`` gives the process's engine for the configured store, built once
(``create_app`` builds it at start-up; a job process on first use). Adding an engine is
one module and one line in ``ENGINES``.
"""

from __future__ import annotations

import threading
from typing import Any

from data.settings import Settings
from engines.base import Capability, Engine, request_scope, when_new_store
from engines.clickhouse_engine import ClickHouseEngine
from engines.duckdb_engine import DuckDBEngine

ENGINES: dict[str, type[DuckDBEngine] | type[ClickHouseEngine]] = {
    "duckdb": DuckDBEngine,
    "clickhouse": ClickHouseEngine,
}

_lock = threading.Lock()
_built: dict[tuple[Any, ...], Engine] = {}


def engine_for(settings: Settings) -> Engine:
    """The engine serving ``settings``' store (one per engine and store location)."""
    key = (settings.store_engine, str(settings.store_path), settings.clickhouse_url)
    found = _built.get(key)
    if found is None:
        with _lock:
            found = _built.get(key)
            if found is None:
                kind = ENGINES.get(settings.store_engine)
                if kind is None:
                    raise ValueError(f"未知的数据引擎 {settings.store_engine}")
                found = _built[key] = kind(settings)
    return found


__all__ = ["ENGINES", "Capability", "Engine", "engine_for", "request_scope", "when_new_store"]
