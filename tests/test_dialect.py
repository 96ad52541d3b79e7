"""Rendering a statement per engine: typed ClickHouse placeholders, subqueries run once
over a cluster, and the rendered text reused for the same statement, never mixed up."""

from __future__ import annotations

from datetime import date
from typing import Any

from data.settings import Settings
from engines import clickhouse_sql
from engines.duckdb_engine import DuckDBEngine
from queries.sql import Statement, _parse


def render(text: str, params: dict[str, Any], engine: str) -> tuple[str, dict[str, Any]]:
    statement = Statement(text, params)
    if engine == "clickhouse":
        return clickhouse_sql.render(statement)
    return DuckDBEngine(Settings()).render(statement), params

SQL = "SELECT policy_id FROM policy_pnl WHERE start_date >= $p0 AND policy_id IN " \
      "(SELECT policy_id FROM policy_pnl WHERE branch_id = $p1 LIMIT 5)"


def test_placeholders_take_their_type_from_the_value() -> None:
    dated, _ = render(SQL, {"p0": date(1950, 1, 1), "p1": 3}, "clickhouse")
    texted, values = render(SQL, {"p0": "2024-01-01", "p1": "3"}, "clickhouse")
    assert "{p0: Date32}" in dated and "{p1: Int64}" in dated
    assert "{p0: String}" in texted and "{p1: String}" in texted
    assert values == {"p0": "2024-01-01", "p1": "3"}
    assert "GLOBAL IN" in dated  # the page's ids are picked once, over every shard


def test_same_statement_renders_once_and_stays_itself() -> None:
    expression = _parse(SQL)
    assert _parse(SQL) is expression  # parsed once per text
    first, _ = render(SQL, {"p0": date(2024, 1, 1), "p1": 3}, "duckdb")
    again, params = render(SQL, {"p0": date(2025, 1, 1), "p1": 4}, "duckdb")
    # DuckDB runs the text as written: no parse, the same text for any values.
    assert first == again == SQL and "GLOBAL" not in first
    assert params == {"p0": date(2025, 1, 1), "p1": 4}  # values are never in the text
    other = SQL.replace("LIMIT 5", "LIMIT 6")
    assert "LIMIT 6" in render(other, {"p0": 1, "p1": 2}, "duckdb")[0]
    # The ClickHouse rewrite works on a copy: the cached statement is unchanged.
    ch_first, _ = render(SQL, {"p0": date(2024, 1, 1), "p1": 3}, "clickhouse")
    assert _parse(SQL) is expression and "GLOBAL" not in expression.sql(dialect="duckdb")
    assert render(SQL, {"p0": date(2025, 1, 1), "p1": 4}, "clickhouse")[0] == ch_first
