"""The store connection: one read-only DuckDB connection per process, a cursor per query.

A rebuilt store is swapped in with ``os.replace``; each query checks the file's identity
and reopens when it changed, so the swap never fails a request.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from data.settings import Settings
from queries import clickhouse_store
from queries.dialect import render

if TYPE_CHECKING:
    from queries.compile import Statement

_lock = threading.Lock()
_open: dict[Path, tuple[tuple[int, int], duckdb.DuckDBPyConnection]] = {}


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


def connection(settings: Settings) -> duckdb.DuckDBPyConnection:
    path = settings.store_path
    if not path.exists():
        raise FileNotFoundError(f"数据仓库不存在: {path.name}")
    ident = _identity(path)
    with _lock:
        current = _open.get(path)
        if current is not None and current[0] == ident:
            return current[1]
        # Limits are SET after opening: a connection config that differs from other
        # read-only handles on the same file would be refused.
        con = duckdb.connect(str(path), read_only=True)
        con.execute("SET enable_progress_bar = false")  # no bars in the server's log
        con.execute(f"SET threads = {int(settings.duckdb_threads)}")
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        _open[path] = (ident, con)
        if current is not None:  # a new store swapped in: warm it beside this request
            threading.Thread(target=_warm, args=(settings,), daemon=True).start()
        # The old connection stays with queries still running on its cursors.
        return con


def _warm(settings: Settings) -> None:
    from queries.warm import warm  # warm runs the catalog's statements through this module

    warm(settings)


def store_identity(settings: Settings) -> tuple[int, int]:
    """Changes whenever a new store is swapped in (keys caches of options and results)."""
    if settings.store_engine == "clickhouse":
        return 0, clickhouse_store.published_version(settings)
    return _identity(settings.store_path)


def fetch(settings: Settings, sql: str, params: dict[str, Any] | None = None
          ) -> tuple[list[str], list[tuple[Any, ...]]]:
    cur = connection(settings).cursor()
    try:
        result = cur.execute(sql, params or {})
        names = [d[0] for d in result.description]
        return names, result.fetchall()
    finally:
        cur.close()


def run(settings: Settings, statement: Statement) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of a catalog statement on the configured engine."""
    sql, params = render(statement.expression, statement.params, settings.store_engine)
    if settings.store_engine == "clickhouse":
        return clickhouse_store.fetch(settings, sql, params)
    return fetch(settings, sql, params)


def table_columns(settings: Settings) -> dict[str, set[str]]:
    if settings.store_engine == "clickhouse":
        _, rows = clickhouse_store.fetch(
            settings, "SELECT table, name FROM system.columns "
                      "WHERE database = currentDatabase()", {})
    else:
        _, rows = fetch(settings, "SELECT table_name, column_name FROM duckdb_columns()")
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out
