"""The engine boundary: one statement built from the catalog, rendered per engine.

Statements are sqlglot expressions in DuckDB's dialect (``queries.compile``). DuckDB runs
them as they are. For ClickHouse the renderer rewrites the tree so that the same meaning
gives the same figures — plain transpiling does not (see docs/SCALE.md):

- ``$p0`` placeholders become server-side typed parameters ``{p0:Type}``; the type comes
  from the value the catalog's filter coerced (dates are ``Date32``: ``Date`` silently
  turns 1950-01-01 into 1970-01-01);
- every division is done in Float64 (``Decimal / Decimal`` keeps scale 2 and truncates);
- ``sum``/``avg``/``min``/``max`` over no rows are NULL as on DuckDB (``…OrNull``);
- ``quantile_cont`` is ``quantileExactInclusive`` (``quantile`` and ``median`` sample);
- ``LIKE … ESCAPE '\\'`` drops the clause: backslash is ClickHouse's only escape.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlglot import exp

Engine = Literal["duckdb", "clickhouse"]

# Settings every ClickHouse query runs with, for DuckDB's semantics.
CLICKHOUSE_QUERY_SETTINGS: dict[str, Any] = {
    # A measure named like a column (``sum(premium) AS premium``) must not shadow the
    # column in WHERE, as ClickHouse's aliases otherwise do.
    "prefer_column_name_to_alias": 1,
    # Outer joins fill missing columns with NULL, not 0 or ''.
    "join_use_nulls": 1,
    # GROUPING SETS fill the columns a set leaves out with NULL (the grand-total row).
    "group_by_use_nulls": 1,
}


def clickhouse_type(value: Any) -> str:
    """The ClickHouse type of a bound value (already coerced by the catalog's filter)."""
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64"
    if isinstance(value, float):
        # Compared with Decimal money columns; Float64 vs Decimal is refused there.
        return "Decimal(38, 10)"
    if isinstance(value, Decimal):
        return "Decimal(38, 10)"
    if isinstance(value, datetime):
        return "DateTime64(6)"
    if isinstance(value, date):
        return "Date32"
    if isinstance(value, list | tuple):
        inner = {clickhouse_type(v) for v in value if v is not None} or {"String"}
        if len(inner) != 1:
            raise ValueError(f"mixed types in a list parameter: {sorted(inner)}")
        return f"Array({inner.pop()})"
    if value is None:
        return "Nullable(String)"
    return "String"


def clickhouse_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, list | tuple):
        return [clickhouse_value(v) for v in value]
    return value


_OR_NULL = {exp.Sum: "sumOrNull", exp.Avg: "avgOrNull", exp.Min: "minOrNull",
            exp.Max: "maxOrNull"}


def _float64(node: exp.Expression) -> exp.Expression:
    # Nullable: a NULL operand (no premium) must stay NULL, not fail the cast.
    return exp.Cast(this=node, to=exp.DataType.build("Nullable(Float64)", dialect="clickhouse"))


def _rewrite_for_clickhouse(node: exp.Expression, types: dict[str, str]) -> exp.Expression:
    if isinstance(node, exp.Placeholder):
        name = node.name
        return exp.Placeholder(this=exp.var(name),
                               kind=exp.DataType.build(types[name], dialect="clickhouse"))
    if isinstance(node, exp.Escape):
        return node.this
    if isinstance(node, exp.In) and node.args.get("query") is not None:
        # On a cluster the subquery (a detail page's ids) runs once, over every shard:
        # a plain IN would run it per shard, or be refused for a Distributed table.
        node.set("is_global", True)
        return node
    if isinstance(node, exp.Div):
        return exp.Div(this=_float64(node.this), expression=_float64(node.expression))
    if isinstance(node, exp.PercentileCont | exp.Quantile):
        q = node.expression if node.expression is not None else exp.Literal.number(0.5)
        # Its argument must be a float (Decimal is refused); DuckDB interpolates alike.
        return exp.CombinedParameterizedAgg(this="quantileExactInclusiveOrNull",
                                            expressions=[q], params=[_float64(node.this)])
    if isinstance(node, exp.Median):
        return exp.CombinedParameterizedAgg(this="quantileExactInclusiveOrNull",
                                            expressions=[exp.Literal.number(0.5)],
                                            params=[_float64(node.this)])
    for kind, name in _OR_NULL.items():
        if type(node) is kind:
            return exp.CombinedAggFunc(this=name, expressions=[node.this])
    return node


def _transform_bottom_up(tree: exp.Expression, types: dict[str, str]) -> exp.Expression:
    # Children first, so a rewritten node (a division, an aggregate) keeps rewritten
    # operands; sqlglot's own transform does not descend into a replaced node.
    for node in reversed(list(tree.walk(bfs=False))):
        new = _rewrite_for_clickhouse(node, types)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def _text(expression: exp.Expression, engine: Engine, types: dict[str, str]) -> str:
    """The expression's text for ``engine``, kept on the expression: parsed statements
    are cached per text (queries/compile.py), so a page asked again renders once."""
    rendered: dict[tuple[str, tuple[tuple[str, str], ...]], str] = \
        expression.meta.setdefault("rendered", {})
    key = (engine, tuple(sorted(types.items())))
    text = rendered.get(key)
    if text is None:
        tree = expression if engine == "duckdb" else \
            _transform_bottom_up(expression.copy(), types)
        text = rendered[key] = tree.sql(dialect=engine)
    return text


def render(expression: exp.Expression, params: dict[str, Any], engine: Engine
           ) -> tuple[str, dict[str, Any]]:
    """SQL text and parameters of ``expression`` for ``engine``; values never in the text."""
    if engine == "duckdb":
        return _text(expression, engine, {}), params
    if engine != "clickhouse":
        raise ValueError(f"unknown engine {engine}")
    types = {name: clickhouse_type(value) for name, value in params.items()}
    values = {name: clickhouse_value(value) for name, value in params.items()}
    return _text(expression, engine, types), values
