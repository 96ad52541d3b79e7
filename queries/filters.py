"""Filter values from a URL query string or API call → validated conditions.

Each filter's kind (``queries.filter_kinds``) reads its own URL keys; the drill-down's
``d_<dim>`` keys (``queries.urls``) add one condition per dimension. Every message names
the filter, in the users' words, so bad input is never silent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from queries.filter_kinds import FilterError, Parsed, Period, kind_of, one_value
from queries.periods import year_earlier
from queries.spec import Dim, Report
from queries.sql import NULL_TOKEN, Condition
from queries.urls import drill_dim

__all__ = ["FilterError", "FilterValues", "parse_filters", "previous_year"]


@dataclass(frozen=True)
class FilterValues:
    conditions: list[Condition]
    query: dict[str, str] = field(default_factory=dict)  # canonical URL parameters
    drill: dict[str, str] = field(default_factory=dict)  # d_<dim> values of a drill-down
    # Month filters in 'ytd' mode: key → (column, first day, last day) of the chosen month.
    periods: dict[str, Period] = field(default_factory=dict)


def _drill_condition(dim: Dim, key: str, text: str) -> Condition:
    if text == NULL_TOKEN:
        return Condition(dim.column, "is_null")
    value: Any = text
    if dim.type in {"int", "year"}:
        try:
            value = int(text)
        except ValueError as exc:
            raise FilterError(key, f"{dim.label}: {text!r} 不是整数") from exc
    return Condition(dim.column, "=", value)


def parse_filters(report: Report, args: Mapping[str, Any], today: date | None = None
                  ) -> FilterValues:
    parsed = Parsed(today or date.today())
    conditions: list[Condition] = []
    for flt in report.filters:
        conditions += kind_of(flt).parse(report, flt, args, parsed)
    drill: dict[str, str] = {}
    dims = {d.key: d for d in report.dims}
    for key in args:
        name = drill_dim(key)
        if name is None:
            continue
        dim = dims.get(name)
        if dim is None:
            raise FilterError(key, f"未知的下钻维度 {name}")
        drill[key] = one_value(args, key, dim.label)
        conditions.append(_drill_condition(dim, key, drill[key]))
    return FilterValues(conditions, {**parsed.query, **drill}, drill, parsed.periods)


def previous_year(report: Report, values: FilterValues, today: date | None = None
                  ) -> FilterValues:
    """The same filters with every month and date moved one year earlier, ending no later
    than the data date a year earlier: this year's period holds data only up to the data
    date, so 上年同期 compares the same days (a whole December is not set against one day)."""
    args: dict[str, Any] = dict(values.query)
    for flt in report.filters:
        args.update(kind_of(flt).year_earlier(flt, values.query))
    # ``values.query`` already holds the drill-down (its d_<dim> keys, as given).
    earlier = parse_filters(report, args, today)
    if today is None:
        return earlier
    cap = year_earlier(today)

    def capped(hi: Any) -> Any:
        return cap if isinstance(hi, date) and hi > cap else hi

    conditions = [Condition(c.column, c.op, (c.value[0], capped(c.value[1])))
                  if c.op == "between" and isinstance(c.value, tuple) else c
                  for c in earlier.conditions]
    periods = {k: (col, lo, capped(hi)) for k, (col, lo, hi) in earlier.periods.items()}
    return FilterValues(conditions, earlier.query, earlier.drill, periods)
