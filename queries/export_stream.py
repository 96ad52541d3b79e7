"""Every detail row of a report as one streamed DuckDB statement, for exports.

The engine pages a detail list 10 000 rows at a time with a name lookup and Python
masking per page: right for a screen, 50 s for a million rows. An export instead runs
one statement — lookups as LEFT JOINs, personal data masked in SQL exactly as
``queries.masking`` does, the same order and scope as the pages — and reads it in Arrow
batches turned into per-column lists of the values the engine would give (DECIMAL as
float, dates as dates). Other engines keep the engine's pages.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from engines import Capability
from engines.base import Engine
from queries import engine as reporting
from queries import mirror
from queries import sql as C
from queries.access import Viewer
from queries.spec import DECIMALS, Report

BATCH_ROWS = 20_000


@dataclass
class ColumnBatch:
    """``rows`` rows as one list per detail column (None for NULL); dates stay dates."""

    columns: list[list[Any]]
    rows: int
    dates: frozenset[int]  # positions of the columns holding ``date`` values


def cursor(engine: Engine, report: Report) -> Any:
    """A DuckDB cursor where the report's rows live (written data: the mirror)."""
    if report.store == "operational":
        return mirror.cursor(engine.settings)
    return engine.cursor()


def supported(engine: Engine) -> bool:
    return engine.supports(Capability.EXPORT_CURSOR)


def mask_sql(kind: str, column: str) -> str:
    """``queries.masking.mask_value`` in SQL: same text for every value."""
    v = f"CAST({column} AS VARCHAR)"
    masked = {
        "phone": f"CASE WHEN length({v}) >= 7 THEN left({v}, 3) || '****' || right({v}, 4) "
                 "ELSE '****' END",
        "id_no": f"CASE WHEN length({v}) > 10 THEN left({v}, 6) || "
                 f"repeat('*', length({v}) - 10) || right({v}, 4) ELSE '****' END",
        "address": f"left({v}, 6) || '****'",
    }.get(kind, "'****'")
    return f"CASE WHEN {column} IS NULL OR {v} = '' THEN {v} ELSE {masked} END"


def export_statement(report: Report, values: reporting.FilterValues, viewer: Viewer,
                     settings_values: dict[str, Any], sort: list[tuple[str, str]], *,
                     casts: dict[int, str] | None = None) -> tuple[str, dict[str, Any]]:
    """The detail rows in the pages' order; column ``x<i>`` is ``report.detail[i]``,
    wrapped in ``casts[i]`` (a template with ``{}``) when given."""
    params = C.Params()
    order = reporting.detail_order(report, sort)
    full_order = [*order, (report.id_column, order[-1][1] if order else "asc")]
    where = C.where_sql(report, values.conditions, viewer, params, settings_values,
                        detail=True)
    inner = list(dict.fromkeys([report.id_column, *(c.source_column for c in report.detail),
                                *(c for c, _ in order)]))
    joins: dict[tuple[str, str, str], str] = {}
    select = []
    for i, c in enumerate(report.detail):
        if c.lookup is None:
            expr = f"base.{c.source_column}"
        else:
            key = (c.lookup.table, c.lookup.key, c.source_column)
            alias = joins.setdefault(key, f"lk{len(joins)}")
            expr = f"{alias}.{c.lookup.column}"
        if c.personal and not viewer.personal_data:
            expr = mask_sql(c.personal, expr)
        if casts and i in casts:
            expr = casts[i].format(expr)
        select.append(f"{expr} AS x{i}")
    join_sql = " ".join(f"LEFT JOIN {table} AS {alias} ON {alias}.{key} = base.{source}"
                        for (table, key, source), alias in joins.items())
    order_sql = ", ".join(f"base.{c} {d.upper()} NULLS LAST" for c, d in full_order)
    sql = (f"SELECT {', '.join(select)} FROM (SELECT {', '.join(inner)} FROM {report.source} "
           f"WHERE {where}) AS base {join_sql} ORDER BY {order_sql}")
    return sql, params.values


def _python_column(array: pa.Array | pa.ChunkedArray) -> list[Any]:
    kind = array.type
    if pa.types.is_timestamp(kind):
        return [None if v is None else v.isoformat() for v in array.to_pylist()]
    values: list[Any] = array.to_pylist()  # pyarrow has no type stubs
    return values


# As text, DuckDB writes these types exactly as Python's str()/repr() and
# date.isoformat() do (checked on a million doubles): the CSV needs no Python formatting.
AS_TEXT = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER",
           "USMALLINT", "UTINYINT", "DOUBLE", "DATE")


def _casts(types: list[str], text: bool) -> dict[int, str]:
    casts = {}
    for i, kind in enumerate(types):
        if kind.startswith("DECIMAL"):
            # DuckDB's DECIMAL to DOUBLE rounds as Python's float(Decimal) does.
            casts[i] = "CAST(CAST({} AS DOUBLE) AS VARCHAR)" if text else "CAST({} AS DOUBLE)"
        elif text and kind in AS_TEXT:
            casts[i] = "CAST({} AS VARCHAR)"
    return casts


@contextmanager
def arrow_reader(engine: Engine, report: Report, values: reporting.FilterValues,
                 viewer: Viewer, sort: Sequence[tuple[str, str]] = (), *,
                 batch_rows: int = BATCH_ROWS, text: bool = False
                 ) -> Iterator[pa.RecordBatchReader]:
    """The detail rows as Arrow batches, column ``i`` being ``report.detail[i]``:
    DECIMAL as DOUBLE; ``text``: numbers and dates as the text the engine's values print
    as (for CSV), otherwise as numbers and dates."""
    sv = reporting.settings_values(report, engine.settings)
    cur = cursor(engine, report)
    try:
        sql, params = export_statement(report, values, viewer, sv, list(sort))
        types = [str(t) for t in cur.sql(sql, params=params).types]  # bound, not run
        casts = _casts(types, text)
        if casts:
            sql, params = export_statement(report, values, viewer, sv, list(sort), casts=casts)
        yield cur.sql(sql, params=params).to_arrow_reader(batch_rows)
    finally:
        cur.close()


def iter_batches(engine: Engine, report: Report, values: reporting.FilterValues,
                 viewer: Viewer, sort: Sequence[tuple[str, str]] = (), *,
                 batch_rows: int = BATCH_ROWS, text: bool = False
                 ) -> Iterator[ColumnBatch]:
    """Batches of every detail row as Python lists (see ``arrow_reader``)."""
    with arrow_reader(engine, report, values, viewer, sort, batch_rows=batch_rows,
                      text=text) as reader:
        dates = frozenset(i for i, f in enumerate(reader.schema) if pa.types.is_date(f.type))
        for batch in reader:
            if batch.num_rows:
                yield ColumnBatch([_python_column(col) for col in batch.columns],
                                  batch.num_rows, dates)


# A spreadsheet reads text starting with one of these as a formula: such text gets a
# leading apostrophe in CSV (``queries.export.csv_text`` does the same in Python).
FORMULA_STARTS_SQL = "'=', '+', '-', '@', chr(9), chr(13)"
NUMERIC_TYPES = frozenset({*DECIMALS, "year", "date"})
COPY_CHUNK = 1 << 16


def csv_text_sql(expr: str) -> str:
    # Empty text as NULL: written as an empty field, as Python's csv module does.
    return (f"CASE WHEN {expr} = '' THEN NULL WHEN left({expr}, 1) IN ({FORMULA_STARTS_SQL}) "
            f"THEN chr(39) || {expr} ELSE {expr} END")


def copy_csv(engine: Engine, report: Report, values: reporting.FilterValues,
             viewer: Viewer, sort: Sequence[tuple[str, str]] = ()) -> Iterator[bytes]:
    """The detail rows as CSV bytes (no header) written by DuckDB's ``COPY`` into a pipe
    and read from it as they come: numbers and dates as the engine's values print, text
    safe from formula injection, NULL as an empty field. Constant memory; closing the
    iterator stops the statement."""
    sv = reporting.settings_values(report, engine.settings)
    cur = cursor(engine, report)
    try:
        sql, params = export_statement(report, values, viewer, sv, list(sort))
        types = [str(t) for t in cur.sql(sql, params=params).types]  # bound, not run
        casts = _casts(types, text=True)
        for i, c in enumerate(report.detail):
            if c.type not in NUMERIC_TYPES:
                casts[i] = csv_text_sql(casts.get(i, "CAST({} AS VARCHAR)").replace("{}", "{0}"))
        sql, params = export_statement(report, values, viewer, sv, list(sort), casts=casts)
    except BaseException:
        cur.close()
        raise
    folder = Path(tempfile.mkdtemp(prefix="csv-"))
    pipe = folder / "rows.csv"
    os.mkfifo(pipe, 0o600)
    # Our own write end keeps reads blocking until COPY has opened the pipe; it is
    # closed when the statement ends, so the last read sees the end of the rows.
    read_end = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    write_end = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
    os.set_blocking(read_end, True)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            # Line ends as Python's csv module writes them (the header, other engines).
            cur.execute(f"COPY ({sql}) TO '{pipe}' "
                        "(FORMAT csv, HEADER false, NEW_LINE '\\r\\n')", params)
        except BaseException as exc:  # raised again by the reader
            failed.append(exc)
        finally:
            os.close(write_end)

    worker = threading.Thread(target=run, daemon=True, name="csv-copy")
    worker.start()
    return _read_pipe(read_end, folder, worker, cur, failed)


def _read_pipe(read_end: int, folder: Path, worker: threading.Thread,
               cur: Any, failed: list[BaseException]) -> Iterator[bytes]:
    try:
        while chunk := os.read(read_end, COPY_CHUNK):
            yield chunk
        worker.join()
        if failed:
            raise failed[0]
    finally:
        if worker.is_alive():  # the reader went away: stop the statement
            cur.interrupt()
        os.close(read_end)
        worker.join()
        cur.close()
        shutil.rmtree(folder, ignore_errors=True)


def excel_dates(column: list[Any]) -> list[Any]:
    """Dates (or ISO date text) as Excel serial day numbers."""
    epoch = date(1899, 12, 30).toordinal()
    out: list[Any] = []
    for v in column:
        if v is None or v == "":
            out.append(None)
        elif isinstance(v, date):
            out.append(v.toordinal() - epoch)
        else:
            out.append(date.fromisoformat(str(v)[:10]).toordinal() - epoch)
    return out


__all__ = ["ColumnBatch", "arrow_reader", "copy_csv", "excel_dates", "export_statement",
           "iter_batches", "mask_sql", "supported"]
