"""The value types of the store's columns, read from the store at start-up: a filter's
text becomes the value its column holds (an integer code as an int), as the schema says,
never guessed from the column's name.

The app (``create_app``), an export job and the tests' session name the store with
``serve_from``; its types are read then, or on first use when the store came later (a
first import). The mirror of written data (``queries.mirror``) adds its tables' types.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Literal

from engines.base import Engine
from queries import mirror

ValueType = Literal["int", "decimal", "float", "date", "timestamp", "bool", "text"]

_lock = threading.Lock()
_types: dict[tuple[str, str], ValueType] = {}
_source: list[Engine] = []  # the store whose types are read on first use

_INT = re.compile(r"^(U?INT\d*|U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|U?HUGEINT)$")


_FLOATS = frozenset({"DOUBLE", "FLOAT", "REAL", "FLOAT32", "FLOAT64"})
_BOOLS = frozenset({"BOOLEAN", "BOOL"})
# Tried in order on the upper-case type; the first that holds names the kind.
_KINDS: tuple[tuple[Callable[[str], bool], ValueType], ...] = (
    (lambda t: _INT.match(t) is not None, "int"),
    (lambda t: t.startswith("DECIMAL"), "decimal"),
    (lambda t: t in _FLOATS, "float"),
    (lambda t: t.startswith("DATE") and not t.startswith("DATETIME"), "date"),
    (lambda t: t.startswith(("TIMESTAMP", "DATETIME")), "timestamp"),
    (lambda t: t in _BOOLS, "bool"),
)


def value_type(engine_type: str) -> ValueType:
    """A column type as DuckDB or ClickHouse spell it → the kind of value it holds."""
    t = engine_type.strip().upper()
    if t.startswith(("NULLABLE(", "LOWCARDINALITY(")):
        return value_type(t[t.index("(") + 1:-1])
    return next((kind for holds, kind in _KINDS if holds(t)), "text")


def capture_tables(types: Mapping[str, Mapping[str, str]]) -> None:
    """Add (or replace) the types of these tables' columns (engine spelling)."""
    with _lock:
        for table, columns in types.items():
            for column, kind in columns.items():
                _types[(table, column)] = value_type(kind)


def capture(engine: Engine) -> dict[str, set[str]]:
    """Read every column's type from the store ``engine`` serves; returns the tables'
    columns (for the catalog's start-up check)."""
    types = {**engine.column_types(), **mirror.column_types(engine.settings)}
    capture_tables(types)
    return {table: set(columns) for table, columns in types.items()}


def serve_from(engine: Engine) -> None:
    """The store of this process: its types are read now if it exists, else on first use."""
    _source[:] = [engine]
    if engine.has_store():
        capture(engine)


def is_served() -> bool:
    """Whether this process has named its store (``serve_from``)."""
    return bool(_source)


def column_type(table: str, column: str) -> ValueType | None:
    """The type of ``table.column``; None for a column no captured store holds."""
    if not _types:
        if not _source:
            raise RuntimeError("no store named for the column types "
                               "(queries.store_types.serve_from at start-up)")
        capture(_source[0])
    return _types.get((table, column))
