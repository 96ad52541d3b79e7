"""How a catalog statement (DuckDB's dialect) reads on ClickHouse with the same figures —
plain transpiling does not give them (see docs/SCALE.md):

- ``$p0`` placeholders become server-side typed parameters ``{p0:Type}``; the type comes
  from the value the catalog's filter coerced (dates are ``Date32``: ``Date`` silently
  turns 1950-01-01 into 1970-01-01);
- every division is done in Float64 (``Decimal / Decimal`` keeps scale 2 and truncates);
- ``sum``/``avg``/``min``/``max`` over no rows are NULL as on DuckDB (``…OrNull``);
- ``quantile_cont`` is ``quantileExactInclusive`` (``quantile`` and ``median`` sample);
- ``LIKE … ESCAPE '\\'`` drops the clause: backslash is ClickHouse's only escape.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlglot import exp

from engines.base import Statement, rendered_text

# Settings every ClickHouse query runs with, for DuckDB's semantics.
QUERY_SETTINGS: dict[str, Any] = {
    # A measure named like a column (``sum(premium) AS premium``) must not shadow the
    # column in WHERE, as ClickHouse's aliases otherwise do.
    "prefer_column_name_to_alias": 1,
    # Outer joins fill missing columns with NULL, not 0 or ''.
    "join_use_nulls": 1,
    # GROUPING SETS fill the columns a set leaves out with NULL (the grand-total row).
    "group_by_use_nulls": 1,
}


# The first that matches: a bool is an int, a datetime a date. A float is compared with
# Decimal money columns, and Float64 vs Decimal is refused there.
_SCALAR_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "Bool"), (int, "Int64"), ((float, Decimal), "Decimal(38, 10)"),
    (datetime, "DateTime64(6)"), (date, "Date32"))


def clickhouse_type(value: Any) -> str:
    """The ClickHouse type of a bound value (already coerced by the catalog's filter)."""
    if value is None:
        return "Nullable(String)"
    if isinstance(value, list | tuple):
        inner = {clickhouse_type(v) for v in value if v is not None} or {"String"}
        if len(inner) != 1:
            raise ValueError(f"mixed types in a list parameter: {sorted(inner)}")
        return f"Array({inner.pop()})"
    return next((name for kind, name in _SCALAR_TYPES if isinstance(value, kind)), "String")


def clickhouse_value(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, list | tuple):
        return [clickhouse_value(v) for v in value]
    return value


_OR_NULL: dict[type[exp.Expression], str] = {
    exp.Sum: "sumOrNull", exp.Avg: "avgOrNull", exp.Min: "minOrNull", exp.Max: "maxOrNull"}


def _float64(node: exp.Expression) -> exp.Expression:
    # Nullable: a NULL operand (no premium) must stay NULL, not fail the cast.
    return exp.Cast(this=node, to=exp.DataType.build("Nullable(Float64)", dialect="clickhouse"))


def _unescaped(node: exp.Expression) -> exp.Expression | None:
    if not isinstance(node, exp.Escape):
        return None
    inner: exp.Expression = node.this
    return inner


def _global_in(node: exp.Expression) -> exp.Expression | None:
    if not (isinstance(node, exp.In) and node.args.get("query") is not None):
        return None
    # On a cluster the subquery (a detail page's ids) runs once, over every shard:
    # a plain IN would run it per shard, or be refused for a Distributed table.
    node.set("is_global", True)
    return node


def _float_division(node: exp.Expression) -> exp.Expression | None:
    if not isinstance(node, exp.Div):
        return None
    return exp.Div(this=_float64(node.this), expression=_float64(node.expression))


def _exact_quantile(node: exp.Expression) -> exp.Expression | None:
    if isinstance(node, exp.PercentileCont | exp.Quantile):
        q = node.expression if node.expression is not None else exp.Literal.number(0.5)
    elif isinstance(node, exp.Median):
        q = exp.Literal.number(0.5)
    else:
        return None
    # Its argument must be a float (Decimal is refused); DuckDB interpolates alike.
    return exp.CombinedParameterizedAgg(this="quantileExactInclusiveOrNull",
                                        expressions=[q], params=[_float64(node.this)])


def _or_null_aggregate(node: exp.Expression) -> exp.Expression | None:
    name = _OR_NULL.get(type(node))
    return None if name is None else exp.CombinedAggFunc(this=name, expressions=[node.this])


# Each answers a node it rewrites, or None; the node types they take do not overlap.
_REWRITES: tuple[Callable[[exp.Expression], exp.Expression | None], ...] = (
    _unescaped, _global_in, _float_division, _exact_quantile, _or_null_aggregate)


def _rewrite_for_clickhouse(node: exp.Expression, types: dict[str, str]) -> exp.Expression:
    if isinstance(node, exp.Placeholder):
        name = node.name
        return exp.Placeholder(this=exp.var(name),
                               kind=exp.DataType.build(types[name], dialect="clickhouse"))
    for rewrite in _REWRITES:
        new = rewrite(node)
        if new is not None:
            return new
    return node


def _transform_bottom_up(tree: exp.Expr, types: dict[str, str]) -> exp.Expr:
    # Children first, so a rewritten node (a division, an aggregate) keeps rewritten
    # operands; sqlglot's own transform does not descend into a replaced node.
    for node in reversed(list(tree.walk(bfs=False))):
        assert isinstance(node, exp.Expression)
        new = _rewrite_for_clickhouse(node, types)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree


def render(statement: Statement) -> tuple[str, dict[str, Any]]:
    """SQL text and parameters of ``statement`` for ClickHouse; values never in the text."""
    params = statement.params
    types = {name: clickhouse_type(value) for name, value in params.items()}
    values = {name: clickhouse_value(value) for name, value in params.items()}
    expression = statement.expression
    text = rendered_text(expression, ("clickhouse", *sorted(types.items())),
                         lambda: _transform_bottom_up(expression.copy(), types)
                         .sql(dialect="clickhouse"))
    return text, values
