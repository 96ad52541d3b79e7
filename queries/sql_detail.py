"""Detail lists as statements: a keyset-paged page of rows, its cursor, the count of
rows; and the lookups of names by id and the options of a filter's list."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from queries.access import Viewer
from queries.spec import Report
from queries.sql_parts import Condition, Params, Statement, where_sql


def count_statement(report: Report, conditions: list[Condition], viewer: Viewer,
                    settings_values: dict[str, Any]) -> Statement:
    params = Params()
    sql = f"SELECT count(*) AS n FROM {report.source} " \
          f"WHERE {where_sql(report, conditions, viewer, params, settings_values, detail=True)}"
    return Statement(sql, params.values)


MAX_OFFSET = 1_000_000_000  # rows before a page: far past any book
MAX_CURSOR_VALUES = 32


@dataclass(frozen=True)
class Cursor:
    values: tuple[Any, ...]  # the last row's sort values and id
    offset: int  # rows before the next page

    def encode(self) -> str:
        raw = orjson.dumps({"v": list(self.values), "o": self.offset}, default=str)
        return base64.urlsafe_b64encode(raw).decode()

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """A cursor this server handed out; anything else (another shape, values that
        are not plain JSON scalars, an offset past any book) is a ``ValueError``."""
        try:
            data = orjson.loads(base64.urlsafe_b64decode(text.encode()))
        except (ValueError, TypeError) as exc:
            raise ValueError("cursor 参数无效") from exc
        values, offset = (data.get("v"), data.get("o")) if isinstance(data, dict) \
            else (None, None)
        if not isinstance(values, list) or len(values) > MAX_CURSOR_VALUES or not all(
                v is None or (isinstance(v, (str, int, float)) and not isinstance(v, bool))
                for v in values):
            raise ValueError("cursor 参数无效")
        if isinstance(offset, bool) or not isinstance(offset, int) \
                or not 0 <= offset <= MAX_OFFSET:
            raise ValueError("cursor 参数无效")
        if any((isinstance(v, str) and len(v) > 1000)
               or (isinstance(v, int) and not -2**63 <= v < 2**63) for v in values):
            raise ValueError("cursor 参数无效")
        return cls(tuple(values), offset)


def keyset_branches(order: list[tuple[str, str]], values: tuple[Any, ...],
                    params: Params) -> list[str]:
    """Rows strictly after ``values`` in ``order`` (mixed directions, NULLS LAST), as
    disjoint predicates each a plain AND of comparisons, so the engine can push each
    into its scan (one OR of them is evaluated row by row: 3x slower on 10 M rows).

    A NULL sorts after every value in either direction, so "after v" also takes the NULLs
    and nothing comes after a NULL but the rows that tie on it; the last column (the id)
    is never NULL, so every row is reached exactly once."""
    branches = []
    for i, (col, direction) in enumerate(order):
        if values[i] is None:
            continue  # nothing sorts after NULL in this column
        eqs = [f"{order[j][0]} IS NULL" if values[j] is None
               else f"{order[j][0]} = {params.bind(values[j])}" for j in range(i)]
        op = ">" if direction == "asc" else "<"
        branches.append(" AND ".join([*eqs, f"{col} {op} {params.bind(values[i])}"]))
        if i < len(order) - 1:  # the id column is never NULL
            branches.append(" AND ".join([*eqs, f"{col} IS NULL"]))
    return branches


def detail_statement(report: Report, columns: list[str], conditions: list[Condition],
                     viewer: Viewer, settings_values: dict[str, Any], *,
                     order: list[tuple[str, str]], limit: int, cursor: Cursor | None,
                     offset: int | None) -> Statement:
    """A page of detail rows ordered by ``order`` + the id, after ``cursor`` (keyset)."""
    params = Params()
    full_order = [*order, (report.id_column, order[-1][1] if order else "asc")]
    where = where_sql(report, conditions, viewer, params, settings_values, detail=True)
    order_sql = ", ".join(f"{c} {d.upper()} NULLS LAST" for c, d in full_order)
    source, key, n = report.source, report.id_column, int(limit)
    # Late materialisation: the page's ids come from the sort columns alone, then only
    # those rows are read in full (10 M policies: a deep page 600 -> 140 ms).
    if cursor is None:
        page = f"SELECT {key} FROM {source} WHERE {where} ORDER BY {order_sql} LIMIT {n}"
        if offset:
            page += f" OFFSET {int(offset)}"
    else:
        branches = keyset_branches(full_order, tuple(_typed(v) for v in cursor.values),
                                   params) or ["FALSE"]
        sort_cols = ", ".join(dict.fromkeys([key, *(c for c, _ in order)]))
        # Each branch is its own top-n; the union's top-n is the page.
        parts = [f"(SELECT {sort_cols} FROM {source} WHERE {where} AND {b} "
                 f"ORDER BY {order_sql} LIMIT {n})" for b in branches]
        page = f"SELECT {key} FROM ({' UNION ALL '.join(parts)}) AS after_cursor " \
               f"ORDER BY {order_sql} LIMIT {n}" if len(parts) > 1 else \
               f"SELECT {key} FROM {source} WHERE {where} AND {branches[0]} " \
               f"ORDER BY {order_sql} LIMIT {n}"
    cols = list(dict.fromkeys([key, *columns, *(c for c, _ in order)]))
    # The id is unique among a report's detail rows (a ledger's other rows share it).
    rows_of = f" AND ({report.detail_where})" if report.detail_where else ""
    sql = f"SELECT {', '.join(cols)} FROM {source} " \
          f"WHERE {key} IN ({page}){rows_of} ORDER BY {order_sql}"
    return Statement(sql, params.values)


def _typed(value: Any) -> Any:
    # Cursor values travel as JSON; ISO dates come back as dates.
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def lookup_statement(table: str, key: str, columns: list[str], ids: list[Any]) -> Statement:
    # One list parameter however many ids (a summary by customer has tens of thousands).
    params = Params()
    # A semi-join on the unnested list: hashed, not a scan of the list per row.
    sql = f"SELECT {key}, {', '.join(columns)} FROM {table} " \
          f"WHERE {key} IN (SELECT unnest({params.bind(list(ids))}))"
    return Statement(sql, params.values)


def options_statement(table: str, value: str, label: str, where: str | None,
                      code: str | None = None, *, parent: str | None = None) -> Statement:
    sql = (f"SELECT DISTINCT {value} AS value, {label} AS label, {code or 'NULL'} AS code, "
           f"{parent or 'NULL'} AS parent FROM {table}")
    if where:
        sql += f" WHERE {where}"
    sql += " ORDER BY value"
    return Statement(sql, {})
