"""Report spec + filter values + the viewer's scope → one SQL statement and its parameters.

Every SQL name comes from the catalog; every value a user typed is a named parameter
(``$p0``, ``$p1`` …). The statement is parsed into a sqlglot expression, so the same
query can be rendered for another engine (``engines``) without string surgery.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import orjson
import sqlglot
from sqlglot import exp

from queries.access import Viewer
from queries.spec import Dim, Measure, Report

NULL_TOKEN = "__null__"


@dataclass
class Params:
    values: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


@dataclass(frozen=True)
class Statement:
    expression: exp.Expression
    params: dict[str, Any]

    def sql(self, dialect: str = "duckdb") -> str:
        return self.expression.sql(dialect=dialect)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pattern_to_like(pattern: str) -> str:
    """User wildcards ``*``/``?`` become ``%``/``_``; typed ``%``, ``_``, ``\\`` stay literal."""
    return escape_like(pattern).replace("*", "%").replace("?", "_")


@dataclass(frozen=True)
class Condition:
    """One predicate of the WHERE clause: a column, an operator and the value(s)."""

    column: str
    # =, <>, <, <=, >, >=, between (inclusive), in, like, ilike, not_ilike (a NULL passes),
    # is_null, not_null, blank / not_blank (NULL or empty text), and / or (``value``
    # holds the conditions; ``column`` is unused)
    op: str
    value: Any = None


def predicate_sql(c: Condition, params: Params) -> str:
    col = c.column
    if c.op in {"and", "or"}:
        joined = f" {c.op.upper()} ".join(f"({predicate_sql(p, params)})" for p in c.value)
        return joined or "TRUE"
    if c.op == "is_null":
        return f"{col} IS NULL"
    if c.op == "not_null":
        return f"{col} IS NOT NULL"
    if c.op == "blank":
        return f"{col} IS NULL OR {col} = ''"
    if c.op == "not_blank":
        return f"{col} IS NOT NULL AND {col} <> ''"
    if c.op == "ilike":
        return f"{col} ILIKE {params.bind(c.value)} ESCAPE '\\'"
    if c.op == "not_ilike":
        return f"{col} IS NULL OR NOT ({col} ILIKE {params.bind(c.value)} ESCAPE '\\')"
    if c.op == "between":
        lo, hi = c.value
        parts = []
        if lo is not None:
            parts.append(f"{col} >= {params.bind(lo)}")
        if hi is not None:
            parts.append(f"{col} <= {params.bind(hi)}")
        return " AND ".join(parts) or "TRUE"
    if c.op == "in":
        return f"{col} IN ({', '.join(params.bind(v) for v in c.value)})"
    if c.op == "like":
        return f"{col} LIKE {params.bind(c.value)} ESCAPE '\\'"
    if c.op in {"=", "<>", "<=", ">=", "<", ">"}:
        return f"{col} {c.op} {params.bind(c.value)}"
    raise ValueError(f"unknown operator {c.op}")


def scope_sql(report: Report, viewer: Viewer, params: Params) -> str:
    scope = viewer.scope
    if scope.level == "company" or not report.scoped:
        return "TRUE"
    column, value = {
        "branch": (report.scope.branch, scope.branch_id),
        "department": (report.scope.department, scope.dept_id),
        "self": (report.scope.self_, scope.staff_id),
    }[scope.level]
    if report.scope.many:
        return f"list_contains({column}, {params.bind(value)})"
    return f"{column} = {params.bind(value)}"


def where_sql(report: Report, conditions: list[Condition], viewer: Viewer, params: Params,
              settings_values: dict[str, Any], *, detail: bool = False) -> str:
    parts = [scope_sql(report, viewer, params)]
    if detail and report.detail_where:
        parts.append(f"({report.detail_where})")
    if report.where:
        fixed = report.where
        for name in report.setting_params:
            fixed = fixed.replace(f"${name}", params.bind(settings_values[name]))
        parts.append(f"({fixed})")
    parts += [f"({predicate_sql(c, params)})" for c in conditions]
    return " AND ".join(parts)


Periods = dict[str, tuple[str, Any, Any]]


def measure_sql(m: Measure, by_key: dict[str, Measure], periods: Periods | None = None,
                params: Params | None = None) -> str:
    value = _measure_value_sql(m, by_key, periods, params)
    if m.currency is None:
        return value
    # Original-currency amounts: a sum only over rows of one currency (of the period's
    # rows, for a measure of a period).
    currency = m.currency
    if m.period is not None:
        currency = f"CASE WHEN {_period_inside_sql(m, periods, params)} THEN {m.currency} END"
    return f"CASE WHEN coalesce(min({currency}) = max({currency}), TRUE) THEN {value} END"


def _period_inside_sql(m: Measure, periods: Periods | None, params: Params | None) -> str:
    """The predicate of the rows inside ``m``'s period."""
    column, first, last = (periods or {})[m.period or ""]
    column = m.period_column or column
    assert params is not None
    if m.age is not None:
        days = f"date_diff('day', {column}, {params.bind(last)})"
        lo, hi = m.age
        return f"{days} >= {int(lo)}" + (f" AND {days} <= {int(hi)}" if hi is not None
                                          else "")
    inside = f"{column} <= {params.bind(last)}"
    if first is not None:
        inside += f" AND {column} >= {params.bind(first)}"
    return inside


def _measure_value_sql(m: Measure, by_key: dict[str, Measure], periods: Periods | None,
                       params: Params | None) -> str:
    if m.period is not None:
        inside = _period_inside_sql(m, periods, params)
        assert params is not None  # checked by _period_inside_sql, for the type checker
        # A catalog expression may use the period's end date as {asof}.
        value = m.column or ""
        if "{asof}" in value:
            value = value.replace("{asof}", params.bind((periods or {})[m.period][2]))
        # An amount of a period with rows but none inside it is 0, not empty.
        return f"coalesce(sum(CASE WHEN {inside} THEN {value} END), 0)"
    if m.kind == "count":
        # With a column: the rows where it is 1 (a ledger's plan rows, not its receipts).
        return f"count(CASE WHEN {m.column} = 1 THEN 1 END)" if m.column else "count(*)"
    if m.kind == "count_distinct":
        return f"count(DISTINCT {m.column})"
    if m.kind == "sum":
        return f"sum({m.column})"
    if m.kind == "mean":
        return f"avg({m.column})"
    # Interpolated in DOUBLE: a DECIMAL quantile would round the midpoint to its scale.
    if m.kind == "median":
        return f"quantile_cont(CAST({m.column} AS DOUBLE), 0.5)"
    if m.kind == "quantile":
        q = 0.5 if m.q is None else float(m.q)
        return f"quantile_cont(CAST({m.column} AS DOUBLE), {q})"
    if m.kind == "diff":
        num = measure_sql(by_key[m.numerator or ""], by_key, periods, params)
        den = measure_sql(by_key[m.denominator or ""], by_key, periods, params)
        return f"coalesce({num}, 0) - coalesce({den}, 0)"
    if m.kind == "ratio":
        num = measure_sql(by_key[m.numerator or ""], by_key, periods, params)
        den = measure_sql(by_key[m.denominator or ""], by_key, periods, params)
        # Nothing over something is 0, never a signed zero (0 / a negative premium).
        ratio = f"CAST({num} AS DOUBLE) / NULLIF(CAST({den} AS DOUBLE), 0) * {float(m.scale)}"
        return f"CASE WHEN {num} = 0 AND {den} <> 0 THEN 0.0 ELSE {ratio} END"
    raise ValueError(f"unknown measure kind {m.kind}")


@lru_cache(maxsize=4096)
def _parse(sql: str) -> exp.Expression:
    # The text holds placeholders, never values: the same page asked again (another
    # user, other values) is the same text. Parsing costs ~2 ms; statements are never
    # changed after this (the ClickHouse renderer works on a copy).
    return sqlglot.parse_one(sql, read="duckdb")


TOTAL_FLAG = "grand_total__"


def summary_statement(report: Report, dims: list[Dim], conditions: list[Condition],
                      viewer: Viewer, settings_values: dict[str, Any],
                      periods: Periods | None = None, *, with_totals: bool = False,
                      max_groups: int | None = None,
                      sort: Sequence[tuple[str, str]] = ()) -> Statement:
    """The groups of ``dims``; ``with_totals`` adds the grand total from the same scan
    (a row whose ``grand_total__`` is 1, via GROUPING SETS). ``sort``: (dimension or
    measure key, asc/desc) pairs ordering the groups before ``max_groups`` cuts them, so
    the first groups are the top ones over all groups (NULLs last); then dimension order."""
    params = Params()
    by_key = {m.key: m for m in report.measures}
    exprs = {m.key: measure_sql(m, by_key, periods, params) for m in report.measures}
    measures = [f"{exprs[m.key]} AS {m.key}" for m in report.measures]
    where = where_sql(report, conditions, viewer, params, settings_values)
    if dims and max_groups is not None and dims[0].many:
        sql = _top_groups_sql(report, dims, exprs, where, sort, max_groups, with_totals) \
            if sort else _first_groups_sql(report, dims, measures, where, max_groups,
                                           with_totals)
        return Statement(_parse(sql), params.values)
    select = [f"{d.column} AS {d.key}" for d in dims]
    if dims and with_totals:
        select.append(f"grouping({dims[0].column}) AS {TOTAL_FLAG}")
    select += measures
    sql = f"SELECT {', '.join(select)} FROM {report.source} WHERE {where}"
    if dims:
        # Group by the columns, not the aliases: an alias may equal a source column.
        columns = ", ".join(d.column for d in dims)
        positions = ", ".join(str(i + 1) for i in range(len(dims)))
        group = f"GROUPING SETS (({columns}), ())" if with_totals else columns
        sql += f" GROUP BY {group} ORDER BY "
        total_first = f"{TOTAL_FLAG} DESC, " if with_totals else ""
        ordered = _sort_positions(report, dims, sort, with_totals)
        if max_groups is not None:
            # The totals row first, then one group more than shown: it tells "more".
            sql += f"{total_first}{ordered}{positions} " \
                   f"LIMIT {int(max_groups) + 1 + int(with_totals)}"
        else:
            sql += f"{total_first if ordered else ''}{ordered}{positions}"
    return Statement(_parse(sql), params.values)


def _sort_positions(report: Report, dims: list[Dim], sort: Sequence[tuple[str, str]],
                    with_totals: bool) -> str:
    """``sort`` as ORDER BY positions of the summary's select list (positions, not
    aliases: a measure's alias may be a source column's name), each NULLS LAST, with a
    trailing ", " when there is any. Keys were checked by the engine."""
    where = {d.key: i + 1 for i, d in enumerate(dims)}
    first_measure = len(dims) + 1 + int(bool(dims) and with_totals)
    where.update({m.key: first_measure + i for i, m in enumerate(report.measures)})
    parts = [f"{where[key]} {'DESC' if direction == 'desc' else 'ASC'} NULLS LAST"
             for key, direction in sort]
    return "".join(f"{p}, " for p in parts)


def _top_groups_sql(report: Report, dims: list[Dim], exprs: dict[str, str], where: str,
                    sort: Sequence[tuple[str, str]], max_groups: int,
                    with_totals: bool) -> str:
    """The top ``max_groups`` + 1 groups in ``sort`` order when the leading dimension has
    very many values: a first pass ranks every group by the sorted measures alone (a
    fraction of the work of all measures), the second computes every measure only for
    the groups of the leading values that pass found (a superset of the top groups, so
    the same order picks them); the totals come from a plain aggregate of every row."""
    n = int(max_groups) + 1
    keys = [f"{d.column} AS {d.key}" for d in dims]
    ranked = [f"{exprs[k]} AS sort_{i}" for i, (k, _) in enumerate(sort) if k in exprs]
    positions = {d.key: str(i + 1) for i, d in enumerate(dims)}
    rank_order = []
    for key, direction in sort:
        if key in exprs:
            key_position = str(len(dims) + 1 + [k for k, _ in sort if k in exprs].index(key))
        else:
            key_position = positions[key]
        rank_order.append(f"{key_position} {'DESC' if direction == 'desc' else 'ASC'} "
                          "NULLS LAST")
    columns = ", ".join(d.column for d in dims)
    first = dims[0].column
    top = f"SELECT {', '.join([*keys, *ranked])} FROM {report.source} WHERE {where} " \
          f"GROUP BY {columns} ORDER BY {', '.join([*rank_order, *positions.values()])} " \
          f"LIMIT {n}"
    measures = [f"{e} AS {k}" for k, e in exprs.items()]
    groups = f"SELECT {', '.join(keys)}, 0 AS {TOTAL_FLAG}, {', '.join(measures)} " \
             f"FROM {report.source} WHERE {where} AND ({first} IN (SELECT {dims[0].key} " \
             f"FROM ({top}) AS top_keys) OR {first} IS NULL) GROUP BY {columns}"
    parts = [groups]
    if with_totals:
        parts.append(f"SELECT {', '.join(f'NULL AS {d.key}' for d in dims)}, "
                     f"1 AS {TOTAL_FLAG}, {', '.join(measures)} "
                     f"FROM {report.source} WHERE {where}")
    order = _sort_positions(report, dims, sort, True)
    total_first = f"{TOTAL_FLAG} DESC, " if with_totals else ""
    return f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS top_groups " \
           f"ORDER BY {total_first}{order}{', '.join(positions.values())} " \
           f"LIMIT {n + int(with_totals)}"


def _first_groups_sql(report: Report, dims: list[Dim], measures: list[str], where: str,
                      max_groups: int, with_totals: bool) -> str:
    """The first ``max_groups`` + 1 groups when the leading dimension has very many values:
    in dimension order those groups lie within the rows of its first ``max_groups`` + 1
    values (NULL sorts last and is kept), so only those rows are aggregated; the totals
    come from a plain aggregate of every row."""
    first, n = dims[0].column, int(max_groups) + 1
    columns = ", ".join(d.column for d in dims)
    keys = f"SELECT DISTINCT {first} AS first_key FROM {report.source} WHERE {where} " \
           f"ORDER BY 1 LIMIT {n}"
    groups = f"SELECT {', '.join(f'{d.column} AS {d.key}' for d in dims)}, " \
             f"0 AS {TOTAL_FLAG}, {', '.join(measures)} FROM {report.source} " \
             f"WHERE {where} AND ({first} IN (SELECT first_key FROM ({keys}) AS first_keys) " \
             f"OR {first} IS NULL) GROUP BY {columns}"
    parts = [groups]
    if with_totals:
        parts.append(f"SELECT {', '.join(f'NULL AS {d.key}' for d in dims)}, "
                     f"1 AS {TOTAL_FLAG}, {', '.join(measures)} "
                     f"FROM {report.source} WHERE {where}")
    positions = ", ".join(str(i + 1) for i in range(len(dims)))
    total_first = f"{TOTAL_FLAG} DESC, " if with_totals else ""
    return f"SELECT * FROM ({' UNION ALL '.join(parts)}) AS first_groups " \
           f"ORDER BY {total_first}{positions} LIMIT {n + int(with_totals)}"


def count_statement(report: Report, conditions: list[Condition], viewer: Viewer,
                    settings_values: dict[str, Any]) -> Statement:
    params = Params()
    sql = f"SELECT count(*) AS n FROM {report.source} " \
          f"WHERE {where_sql(report, conditions, viewer, params, settings_values, detail=True)}"
    return Statement(_parse(sql), params.values)


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
                     viewer: Viewer, settings_values: dict[str, Any],
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
    return Statement(_parse(sql), params.values)


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
    return Statement(_parse(sql), params.values)


def options_statement(table: str, value: str, label: str, where: str | None,
                      code: str | None = None, parent: str | None = None) -> Statement:
    sql = (f"SELECT DISTINCT {value} AS value, {label} AS label, {code or 'NULL'} AS code, "
           f"{parent or 'NULL'} AS parent FROM {table}")
    if where:
        sql += f" WHERE {where}"
    sql += " ORDER BY value"
    return Statement(_parse(sql), {})
