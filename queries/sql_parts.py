"""The parts every catalog statement is made of: bound parameters, the parsed statement,
conditions as predicates, and the viewer's scope and the report's fixed filters as the
WHERE clause. Every SQL name comes from the catalog; every value a user typed is a named
parameter (``$p0``, ``$p1`` …)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from queries import borrowed
from queries.access import Viewer
from queries.spec import Report

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
    """A statement's text in DuckDB's SQL (placeholders, never values) and its bound
    parameters. DuckDB runs the text as written; the parsed tree is made only for an
    engine that rewrites it (ClickHouse) or a check that reads it: parsing and writing a
    statement back cost more than many a summary's query."""

    text: str
    params: dict[str, Any]

    @property
    def expression(self) -> exp.Expr:
        return _parse(self.text)

    def sql(self, dialect: str = "duckdb") -> str:
        return self.text if dialect == "duckdb" else self.expression.sql(dialect=dialect)


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


# Operators that need no value: the predicate over the column alone.
COLUMN_PREDICATES = {
    "is_null": "{col} IS NULL",
    "not_null": "{col} IS NOT NULL",
    "blank": "{col} IS NULL OR {col} = ''",
    "not_blank": "{col} IS NOT NULL AND {col} <> ''",
}


def column_sql(template: str, column: str) -> str:
    """``template`` with every ``{col}`` replaced by ``column`` (a catalog expression,
    which may hold braces of its own: no ``str.format``)."""
    return template.replace("{col}", column)


# Predicates of one bound value: ``{v}`` is its placeholder.
VALUE_PREDICATES = {
    "ilike": "{col} ILIKE {v} ESCAPE '\\'",
    "not_ilike": "{col} IS NULL OR NOT ({col} ILIKE {v} ESCAPE '\\')",
    "like": "{col} LIKE {v} ESCAPE '\\'",
    **{op: "{col} " + op + " {v}" for op in ("=", "<>", "<=", ">=", "<", ">")},
}


def _between_sql(col: str, value: tuple[Any, Any], params: Params) -> str:
    lo, hi = value
    parts = []
    if lo is not None:
        parts.append(f"{col} >= {params.bind(lo)}")
    if hi is not None:
        parts.append(f"{col} <= {params.bind(hi)}")
    return " AND ".join(parts) or "TRUE"


def predicate_sql(c: Condition, params: Params) -> str:
    col = c.column
    if c.op in {"and", "or"}:
        joined = f" {c.op.upper()} ".join(f"({predicate_sql(p, params)})" for p in c.value)
        return joined or "TRUE"
    if c.op == "semi":  # a borrowed column (queries/borrowed.py): on the table holding it
        lookup, on_table, on_null = c.value
        inside = f"{col} IN (SELECT {lookup.key} FROM {lookup.table} " \
                 f"WHERE {predicate_sql(on_table, params)})"
        return inside if on_null is None else \
            f"{inside} OR ({col} IS NULL AND ({predicate_sql(on_null, params)}))"
    if c.op in COLUMN_PREDICATES:
        return column_sql(COLUMN_PREDICATES[c.op], col)
    if c.op in VALUE_PREDICATES:
        # The placeholder first: the column (a catalog expression) may hold braces.
        return column_sql(VALUE_PREDICATES[c.op].replace("{v}", params.bind(c.value)), col)
    if c.op == "between":
        return _between_sql(col, c.value, params)
    if c.op == "in":
        return f"{col} IN ({', '.join(params.bind(v) for v in c.value)})"
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
    parts += [f"({predicate_sql(c, params)})"
              for c in borrowed.semi_joins(report.source, conditions)]
    return " AND ".join(parts)


@lru_cache(maxsize=4096)
def _parse(sql: str) -> exp.Expr:
    # The text holds placeholders, never values: the same page asked again (another
    # user, other values) is the same text. Statements are never changed after this (the
    # ClickHouse renderer works on a copy).
    return sqlglot.parse_one(sql, read="duckdb")


parse_statement = _parse  # for statements written outside the catalog (queries/search.py)
