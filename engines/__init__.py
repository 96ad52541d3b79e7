"""The engines that answer the reports: one ``Engine`` protocol (``engines.base``), one
module per engine holding all of that engine's facts.

``engine_for(settings)`` builds the engine for the configured store, once per process,
where the process starts (``create_app``, a job process, the ``auth.admin`` command);
everything else is handed that engine as its ``engine`` argument and never calls
``engine_for`` itself (``tests/test_engine_passed.py``). Adding an engine is one module and
one line in ``ENGINES``.
"""

from __future__ import annotations

import threading

from data.settings import Settings
from engines.base import Capability, Engine, request_scope, when_new_store
from engines.clickhouse_engine import ClickHouseEngine
from engines.duckdb_engine import DuckDBEngine

ENGINES: dict[str, type[DuckDBEngine] | type[ClickHouseEngine]] = {
    "duckdb": DuckDBEngine,
    "clickhouse": ClickHouseEngine,
}

_lock = threading.Lock()
_built: dict[Settings, Engine] = {}


def engine_for(settings: Settings) -> Engine:
    """The engine serving ``settings``' store, built once per settings (engines of one store
    share its connection)."""
    found = _built.get(settings)
    if found is None:
        with _lock:
            found = _built.get(settings)
            if found is None:
                kind = ENGINES.get(settings.store_engine)
                if kind is None:
                    raise ValueError(f"未知的数据引擎 {settings.store_engine}")
                found = _built[settings] = kind(settings)
    return found


__all__ = ["ENGINES", "Capability", "Engine", "engine_for", "request_scope", "when_new_store"]
