"""Names and codes beside ids: lookup tables read whole when small, in chunks otherwise;
the options of a filter's list."""

from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache, cached

from engines.base import Engine
from queries import mirror
from queries import sql as C
from queries.spec import Dim, Report
from queries.store import run, store_key

LOOKUP_CHUNK = 500_000  # ids per statement (ClickHouse refuses arrays over 1 M)


# A lookup table this small (branches, departments, staff, agents) is read whole once
# per store and kept: a summary's labels then cost no second statement.
SMALL_LOOKUP_ROWS = 50_000


def _lookup_key(engine: Engine, table: str, key: str, columns: list[str]
                ) -> tuple[Any, ...]:
    # The store and, for a table of written data, the mirror's copy it was read from.
    return (*store_key(engine), table, key, tuple(columns),
            mirror.identity(engine.settings) if table in mirror.names() else None)


@cached(LRUCache(maxsize=256), key=_lookup_key, lock=threading.Lock())
def _small_lookup(engine: Engine, table: str, key: str, columns: list[str]
                  ) -> dict[Any, tuple[Any, ...]] | None:
    """Every row of ``table`` as {id: (columns…)}, or None when it is not small."""
    count = C.Statement(f"SELECT count(*) FROM {table}", {})
    if int(run(engine, count)[1][0][0]) > SMALL_LOOKUP_ROWS:
        return None
    every = C.Statement(f"SELECT {key}, {', '.join(columns)} FROM {table}", {})
    return {r[0]: tuple(r[1:]) for r in run(engine, every)[1]}


def lookup_rows(engine: Engine, table: str, key: str, columns: list[str],
                ids: list[Any]) -> dict[Any, tuple[Any, ...]]:
    """``columns`` of ``table`` for each id, as {id: (values…)}."""
    whole = _small_lookup(engine, table, key, columns)
    if whole is not None:
        return {i: whole[i] for i in ids if i in whole}
    found: dict[Any, tuple[Any, ...]] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        st = C.lookup_statement(table, key, columns, ids[start:start + LOOKUP_CHUNK])
        found.update((r[0], tuple(r[1:])) for r in run(engine, st)[1])
    return found


def dim_labels(engine: Engine, dims: list[Dim], rows: list[dict[str, Any]]) -> None:
    for d in dims:
        if d.lookup is None:
            continue
        ids = sorted({r[d.key] for r in rows if r[d.key] is not None})
        code = d.lookup.code
        names = lookup_rows(engine, d.lookup.table, d.lookup.key,
                            [d.lookup.column, *([code] if code else [])], ids)
        for r in rows:
            hit = names.get(r[d.key])
            r[f"{d.key}_label"] = hit[0] if hit else None
            if code:
                r[f"{d.key}_code"] = hit[1] if hit else None


def filter_options(engine: Engine, report: Report, filter_key: str
                   ) -> list[tuple[str, str]]:
    return [(v, lbl) for v, lbl, _ in filter_option_rows(engine, report, filter_key)]


def filter_option_rows(engine: Engine, report: Report, filter_key: str
                       ) -> list[tuple[str, str, str | None]]:
    """(value, label as users know it, value of the parent filter it belongs to)."""
    flt = next(f for f in report.filters if f.key == filter_key)
    if flt.options is None:
        return []
    if flt.options.static:
        return [(v, lbl, None) for v, lbl in flt.options.static]
    o = flt.options
    st = C.options_statement(o.table or "", o.value or "", o.label or o.value or "", o.where,
                             o.code, parent=o.parent[1] if o.parent else None)
    return [(str(v), f"{code or v} {lbl}" if lbl != v else str(v),
             None if parent is None else str(parent))
            for v, lbl, code, parent in run(engine, st)[1]]
