"""The ClickHouse engine, through clickhouse-connect, for a server (``http(s)://…``) or
embedded (``chdb:///path``): the same client API and parameter binding in both forms.

The store reaches ClickHouse by publishing (``engines.clickhouse_publish``): a DuckDB
store is copied in and swapped atomically, and ``store_meta`` names its version. An
embedded path can be opened by one process at a time, so several web workers need a
server; the app says so at start-up.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from data.settings import Settings
from engines import clickhouse_sql
from engines.base import Capability, Log, Row, Rows, Statement, StoreIdentity, identity_in_request

_lock = threading.Lock()
_clients: dict[tuple[str, int], Any] = {}
DEFAULT_DATABASE = "insurance"
META_TABLE = "store_meta"


def is_embedded(url: str) -> bool:
    return url.startswith("chdb:")


def database_of(url: str) -> str:
    """The database named in the URL (``http://host:8123/db``), else ``insurance``.

    For ``chdb:///path`` the whole path is the engine's directory, not a database.
    """
    if is_embedded(url):
        return DEFAULT_DATABASE
    name = urlparse(url).path.strip("/")
    return name or DEFAULT_DATABASE


def server_client(url: str, database: str | None = None) -> Any:
    """A new client on ``url`` (no database selected unless given)."""
    import clickhouse_connect

    if not url:
        raise ValueError("未设置 CLICKHOUSE_URL")
    if is_embedded(url):
        return clickhouse_connect.get_client(dsn=url, database=database)
    parsed = urlparse(url)
    return clickhouse_connect.get_client(
        host=parsed.hostname or "localhost", port=parsed.port,
        username=parsed.username or "default", password=parsed.password or "",
        secure=parsed.scheme == "https", database=database,
        autogenerate_session_id=False)


def close_all() -> None:
    with _lock:
        for c in _clients.values():
            c.close()
        _clients.clear()


class ClickHouseEngine:
    name = "clickhouse"
    capabilities: frozenset[Capability] = frozenset()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.clickhouse_url

    def client(self) -> Any:
        # One client per process (a forked worker must not share its parent's).
        key = (self.url, os.getpid())
        with _lock:
            found = _clients.get(key)
            if found is None:
                found = _clients[key] = server_client(self.url, database_of(self.url))
            return found

    def _guard(self) -> AbstractContextManager[Any]:
        # The embedded engine is one handle; a server client pools HTTP connections.
        return _lock if is_embedded(self.url) else nullcontext()

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> Rows:
        c = self.client()
        with self._guard():
            result = c.query(sql, parameters=params or {},
                             settings=clickhouse_sql.QUERY_SETTINGS)
            return list(result.column_names), [tuple(r) for r in result.result_rows]

    def run(self, statement: Statement) -> Rows:
        return self.fetch(*clickhouse_sql.render(statement))

    def stream(self, statement: Statement, batch_rows: int) -> Iterator[Sequence[Row]]:
        sql, params = clickhouse_sql.render(statement)
        if is_embedded(self.url):
            # Read whole, handed out in batches: the embedded engine is one handle, and a
            # stream held open between batches would stall every other query on it.
            rows = self.fetch(sql, params)[1]
            for start in range(0, len(rows), batch_rows):
                yield rows[start:start + batch_rows]
            return
        with self.client().query_row_block_stream(
                sql, parameters=params, settings=clickhouse_sql.QUERY_SETTINGS) as blocks:
            for block in blocks:
                for start in range(0, len(block), batch_rows):
                    yield [tuple(r) for r in block[start:start + batch_rows]]

    def column_types(self) -> dict[str, dict[str, str]]:
        _, rows = self.fetch("SELECT table, name, type FROM system.columns "
                             "WHERE database = currentDatabase()")
        out: dict[str, dict[str, str]] = {}
        for table, column, kind in rows:
            out.setdefault(table, {})[column] = str(kind)
        return out

    def table_columns(self) -> dict[str, set[str]]:
        return {t: set(cols) for t, cols in self.column_types().items()}

    def published_version(self) -> int:
        """The version the last publish wrote (a swap changes it)."""
        _, rows = self.fetch(f"SELECT max(version) FROM {META_TABLE}")
        return int(rows[0][0] or 0)

    def identity(self) -> StoreIdentity:
        return identity_in_request(self.store_location(), lambda: (0, self.published_version()))

    def store_location(self) -> tuple[Any, ...]:
        return (self.name, self.url)

    def store_key(self) -> tuple[Any, ...]:
        return (*self.store_location(), self.identity())

    def has_store(self) -> bool:
        return True  # published at start-up (``ensure_published``), or the start fails

    def publish(self, store: Path, log: Log) -> None:
        from engines.clickhouse_publish import publish

        publish(store, self.url, log=log)

    def ensure_published(self, store: Path, log: Log) -> None:
        from engines.clickhouse_publish import ensure_published

        ensure_published(self.url, store, log)

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def cursor(self) -> Any:
        raise NotImplementedError("ClickHouse 引擎没有 DuckDB 游标 (Capability.EXPORT_CURSOR)")
