"""Reports over written data: the operational store's tables mirrored into an in-memory
DuckDB that also ATTACHes the analytical store (read only).

DuckDB cannot read SQLite or PostgreSQL here (no scanner extension), so each process
keeps copies: the tables are read through SQLAlchemy into Arrow and then built on, with
the analytical tables (staff, customer, policy_pnl …) resolving unqualified beside them.
Before every statement the change counter of the operational store (one indexed read)
and the analytical store's identity are compared with what the copy was built from; a
new copy is built when either moved, so a saved note is in the next query of every
worker. A running query keeps the copy it started on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlalchemy as sa
from sqlglot import exp

from data.settings import Settings
from engines.base import identity_in_request
from ops import db as ops_db
from queries.sql_parts import parse_statement

ANALYTICAL = "analytical"  # the attached store's catalog name
# Unqualified names: the copies first, then the analytical store's tables. A session
# setting: every cursor sets it again.
SEARCH_PATH = f"SET search_path = 'memory.main,{ANALYTICAL}.main'"


@dataclass(frozen=True)
class Mirrored:
    """What one feature mirrors: operational rows copied as they are, tables derived
    from them (and the analytical store) at each load, views over the analytical store
    too large to copy, and how to read its change counter (moves on every write).

    In derived and view SQL, ``{tz}`` is the time zone screens show times in."""

    copies: tuple[tuple[str, sa.Select[Any]], ...]  # (name in the mirror, rows to read)
    version: Callable[[sa.Connection], Any]
    derived: tuple[tuple[str, str], ...] = ()  # (name, SELECT), built in this order
    views: tuple[tuple[str, str], ...] = ()


def copy_of(table: sa.Table, *columns: str) -> tuple[str, sa.Select[Any]]:
    """A table copied under its own name (only ``columns`` when given)."""
    chosen = [table.c[c] for c in columns] if columns else list(table.columns)
    return table.name, sa.select(*chosen)


_sources: list[Mirrored] = []
_lock = threading.Lock()
# (store path, operational store) → (identity, connection)
_open: dict[tuple[str, str], tuple[tuple[Any, ...], duckdb.DuckDBPyConnection]] = {}


def register(source: Mirrored) -> None:
    """Mirror ``source`` from now on (each feature registers once, at import)."""
    if source not in _sources:
        _sources.append(source)
        with _lock:
            _open.clear()


def unregister(source: Mirrored) -> None:
    if source in _sources:
        _sources.remove(source)
        with _lock:
            _open.clear()


def names() -> frozenset[str]:
    """Every table the mirror holds (copies and derived)."""
    return frozenset(n for s in _sources for part in (s.copies, s.derived, s.views)
                     for n, _ in part)


def reads_mirror(text: str) -> bool:
    """The statement (its text) reads a table the mirror holds (so it runs there)."""
    held = names()
    # Most statements name none of the mirror's tables anywhere in their text: they are
    # told apart without parsing.
    if not held or not any(name in text for name in held):
        return False
    return not _tables_read(text).isdisjoint(held)


@lru_cache(maxsize=4096)
def _tables_read(text: str) -> frozenset[str]:
    return frozenset(t.name for t in parse_statement(text).find_all(exp.Table))


def _store_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def _versions(con: sa.Connection) -> tuple[Any, ...]:
    return tuple(s.version(con) for s in _sources)


def _location(settings: Settings) -> tuple[str, str, str]:
    return ("mirror", str(settings.store_path), ops_db.database_url(settings.users_db))


def identity(settings: Settings) -> tuple[Any, ...]:
    """Changes whenever the copy would: the analytical store swapped or a write made.
    Asked once per request (``engines.base.request_scope``): a request reads one copy."""
    where = _location(settings)

    # Which stores, and where they are: two work logs never share a key.
    def ask() -> tuple[Any, ...]:
        with ops_db.read(settings.users_db) as con:
            return (*where, _store_identity(settings.store_path), _versions(con))

    return identity_in_request(where, ask)


_ARROW: list[tuple[type[sa.types.TypeEngine[Any]], pa.DataType]] = [
    (sa.Boolean, pa.bool_()), (sa.BigInteger, pa.int64()), (sa.Integer, pa.int64()),
    (sa.Float, pa.float64()), (sa.DateTime, pa.timestamp("us")), (sa.Date, pa.date32()),
]


def _arrow_type(column: Any) -> pa.DataType:
    kind = column.type
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return pa.decimal128(kind.precision or 18, kind.scale if kind.scale is not None else 2)
    return next((a for t, a in _ARROW if isinstance(kind, t)), pa.string())


def _value(value: Any, kind: pa.DataType) -> Any:
    if value is None or not pa.types.is_decimal(kind):
        return value
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _copy(ops: sa.Connection, select: sa.Select[Any]) -> pa.Table:
    """Operational rows as Arrow, typed from their SQLAlchemy columns (an empty table
    keeps its columns' types)."""
    columns = list(select.selected_columns)
    rows = ops.execute(select).all()
    types = [_arrow_type(c) for c in columns]
    arrays = [pa.array([_value(r[i], types[i]) for r in rows], type=types[i])
              for i in range(len(columns))]
    return pa.table(arrays, names=[c.name for c in columns])


def _build(settings: Settings) -> tuple[tuple[Any, ...], duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    store = _store_identity(settings.store_path)
    if store is not None:
        path = str(settings.store_path).replace("'", "''")
        con.execute(f"ATTACH '{path}' AS {ANALYTICAL} (READ_ONLY)")
        con.execute(SEARCH_PATH)
    # The counter and the copies in one transaction: they describe one moment.
    with ops_db.read(settings.users_db) as ops:
        versions = _versions(ops)
        copies = {name: _copy(ops, select) for s in _sources for name, select in s.copies}
    for name, arrow in copies.items():
        con.register("__copy", arrow)
        con.execute(f"CREATE TABLE memory.main.{name} AS SELECT * FROM __copy")
        con.unregister("__copy")
    tz = settings.time_zone.replace("'", "''")
    for source in _sources:
        for name, select in source.derived:
            con.execute(f"CREATE TABLE memory.main.{name} AS {select.replace('{tz}', tz)}")
        for name, select in source.views:
            con.execute(f"CREATE VIEW memory.main.{name} AS {select.replace('{tz}', tz)}")
    return (*_location(settings), store, versions), con


def connection(settings: Settings) -> duckdb.DuckDBPyConnection:
    """This process's mirror, rebuilt first when the store or the written data moved."""
    key = (str(settings.store_path), ops_db.database_url(settings.users_db))
    current = _open.get(key)
    ident = identity(settings)
    if current is not None and current[0] == ident:
        return current[1]
    with _lock:
        current = _open.get(key)
        if current is not None and current[0] == identity(settings):
            return current[1]  # another thread built it meanwhile
        built = _build(settings)
        _open[key] = built
        return built[1]


def cursor(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A cursor of the current mirror on which unqualified names resolve (close it)."""
    cur = connection(settings).cursor()
    cur.execute(SEARCH_PATH)
    return cur


def fetch(settings: Settings, sql: str, params: dict[str, Any] | None = None
          ) -> tuple[list[str], list[tuple[Any, ...]]]:
    cur = cursor(settings)
    try:
        result = cur.execute(sql, params or {})
        return [d[0] for d in result.description], result.fetchall()
    finally:
        cur.close()


def run(settings: Settings, statement: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A catalog statement (``queries.sql.Statement``) on the mirror."""
    return fetch(settings, statement.text, statement.params)


def columns(settings: Settings) -> dict[str, set[str]]:
    """The mirror's own tables and their columns (for the catalog's name check)."""
    if not _sources:
        return {}
    _, rows = fetch(settings, "SELECT table_name, column_name FROM duckdb_columns() "
                              "WHERE database_name = 'memory'")
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def column_types(settings: Settings) -> dict[str, dict[str, str]]:
    """The mirror's own tables, their columns and types (for the filters' value types)."""
    if not _sources:
        return {}
    _, rows = fetch(settings, "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                              "WHERE database_name = 'memory'")
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        out.setdefault(table, {})[column] = str(kind)
    return out
