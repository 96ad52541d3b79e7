"""The DuckDB engine: the store is one file, opened read-only once per process, a cursor
per query.

A rebuilt store is swapped in with ``os.replace``; each query checks the file's identity
and reopens when it changed, so the swap never fails a request. Statements run as the
catalog wrote them (DuckDB is the catalog's dialect).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb

from data.settings import Settings
from engines.base import (
    Capability,
    Log,
    Row,
    Rows,
    Statement,
    StoreIdentity,
    identity_in_request,
    new_store_opened,
)

_lock = threading.Lock()
# One connection per file and process, whichever engine object asks: DuckDB refuses a
# second handle on a file with another configuration.
_open: dict[Path, tuple[StoreIdentity, duckdb.DuckDBPyConnection]] = {}


def file_identity(path: Path) -> StoreIdentity:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


def _open_file(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file now at ``path``. ``duckdb.connect(path)`` would
    hand back the instance already open on that path (DuckDB caches instances by path),
    i.e. the store swapped out; so the file is opened through a hard link of its own,
    removed once open (the open file keeps the data), where the folder allows it."""
    st = os.stat(path)
    link = path.with_name(f".{path.name}.open-{st.st_ino}-{st.st_mtime_ns}-{os.getpid()}")
    try:
        os.link(path, link)
    except OSError:
        return duckdb.connect(str(path), read_only=True)
    try:
        return duckdb.connect(str(link), read_only=True)
    finally:
        link.unlink(missing_ok=True)


class DuckDBEngine:
    name = "duckdb"
    capabilities = frozenset({Capability.EXPORT_CURSOR, Capability.LOCAL_FILE})

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.store_path

    def connection(self) -> duckdb.DuckDBPyConnection:
        path = self.path
        if not path.exists():
            raise FileNotFoundError(f"数据仓库不存在: {path.name}")
        ident = file_identity(path)
        with _lock:
            current = _open.get(path)
            if current is not None and current[0] == ident:
                return current[1]
            # Limits are SET after opening: a connection config that differs from other
            # read-only handles on the same file would be refused.
            con = _open_file(path)
            con.execute("SET enable_progress_bar = false")  # no bars in the server's log
            con.execute(f"SET threads = {int(self.settings.duckdb_threads)}")
            con.execute(f"SET memory_limit = '{self.settings.duckdb_memory_limit}'")
            _open[path] = (ident, con)
            if current is not None:  # a new store swapped in: warm it beside this request
                new_store_opened(self)
            # The old connection stays with queries still running on its cursors.
            return con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.connection().cursor()

    def render(self, statement: Statement) -> str:
        return statement.text  # DuckDB runs the catalog's text as written

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> Rows:
        cur = self.cursor()
        try:
            result = cur.execute(sql, params or {})
            names = [d[0] for d in result.description]
            return names, result.fetchall()
        finally:
            cur.close()

    def run(self, statement: Statement) -> Rows:
        return self.fetch(self.render(statement), statement.params)

    def stream(self, statement: Statement, batch_rows: int) -> Iterator[Sequence[Row]]:
        cur = self.cursor()
        try:
            cur.execute(self.render(statement), statement.params)
            while batch := cur.fetchmany(batch_rows):
                yield batch
        finally:
            cur.close()

    def column_types(self) -> dict[str, dict[str, str]]:
        _, rows = self.fetch("SELECT table_name, column_name, data_type FROM duckdb_columns()")
        out: dict[str, dict[str, str]] = {}
        for table, column, kind in rows:
            out.setdefault(table, {})[column] = str(kind)
        return out

    def table_columns(self) -> dict[str, set[str]]:
        return {t: set(cols) for t, cols in self.column_types().items()}

    def identity(self) -> StoreIdentity:
        return identity_in_request(self.store_location(), lambda: file_identity(self.path))

    def store_location(self) -> tuple[Any, ...]:
        return (self.name, str(self.path))

    def store_key(self) -> tuple[Any, ...]:
        return (*self.store_location(), self.identity())

    def has_store(self) -> bool:
        return self.path.exists()

    def publish(self, store: Path, log: Log) -> None:
        # The importer swapped the file in; the next query opens it.
        if store != self.path:
            raise ValueError(f"这个引擎读取 {self.path.name}, 不是 {store.name}")

    def ensure_published(self, store: Path, log: Log) -> None:
        return None

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities


def close_all() -> None:
    with _lock:
        for _, con in _open.values():
            con.close()
        _open.clear()
