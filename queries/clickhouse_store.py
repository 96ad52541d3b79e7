"""ClickHouse through clickhouse-connect, for a server (``http(s)://…``) or embedded
(``chdb:///path``): the same client API and parameter binding in both forms.

An embedded path can be opened by one process at a time, so several web workers need a
server; the app says so at start-up (``app.py``).
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlparse

from data.settings import Settings
from queries.dialect import CLICKHOUSE_QUERY_SETTINGS

_lock = threading.Lock()
_clients: dict[tuple[str, int], Any] = {}
DEFAULT_DATABASE = "insurance"


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


def client(settings: Settings) -> Any:
    # One client per process (a forked worker must not share its parent's).
    key = (settings.clickhouse_url, os.getpid())
    with _lock:
        found = _clients.get(key)
        if found is None:
            found = server_client(settings.clickhouse_url,
                                  database_of(settings.clickhouse_url))
            _clients[key] = found
        return found


def close_all() -> None:
    with _lock:
        for c in _clients.values():
            c.close()
        _clients.clear()


def fetch(settings: Settings, sql: str, params: dict[str, Any]
          ) -> tuple[list[str], list[tuple[Any, ...]]]:
    c = client(settings)
    # The embedded engine is one handle; a server client pools HTTP connections.
    guard = _lock if is_embedded(settings.clickhouse_url) else _NoLock()
    with guard:
        result = c.query(sql, parameters=params, settings=CLICKHOUSE_QUERY_SETTINGS)
        return list(result.column_names), [tuple(r) for r in result.result_rows]


META_TABLE = "store_meta"


def published_version(settings: Settings) -> int:
    """The version the last publish wrote (a swap changes it)."""
    _, rows = fetch(settings, f"SELECT max(version) FROM {META_TABLE}", {})
    return int(rows[0][0] or 0)


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
