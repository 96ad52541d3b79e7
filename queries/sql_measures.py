"""A measure as SQL: aggregates, amounts of a period, differences and ratios, amounts in
an original currency."""

from __future__ import annotations

from typing import Any

from queries.spec import Measure
from queries.sql_parts import Params, column_sql

Periods = dict[str, tuple[str, Any, Any]]


# Measures that aggregate one column as it is. Quantiles are interpolated in DOUBLE: a
# DECIMAL quantile would round the midpoint to its scale.
COLUMN_AGGREGATES = {
    "count_distinct": "count(DISTINCT {col})",
    "sum": "sum({col})",
    "mean": "avg({col})",
    "median": "quantile_cont(CAST({col} AS DOUBLE), 0.5)",
}


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
    if m.kind in COLUMN_AGGREGATES:
        return column_sql(COLUMN_AGGREGATES[m.kind], str(m.column))
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
