"""What running a report returns: column descriptions, summary and detail results, rows
as JSON-ready values, and the parts of a cache key every result shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from data.settings import Settings
from queries import mirror
from queries.filters import FilterValues
from queries.spec import Report


@dataclass(frozen=True)
class ColumnMeta:
    key: str
    label: str
    type: str


@dataclass
class SummaryResult:
    columns: list[ColumnMeta]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    group_by: tuple[str, ...]
    # The same summary one year earlier, for a chart that compares with it.
    previous_year: list[dict[str, Any]] | None = None
    # More groups than asked for (``max_groups``): ``rows`` holds the first ones.
    truncated: bool = False
    # The order of the groups, (key, asc/desc) pairs; empty = dimension order.
    sort: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DetailResult:
    columns: list[ColumnMeta]
    rows: list[dict[str, Any]]
    total: int
    next_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def plain_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def plain_rows(names: Sequence[str], raw: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows as dicts of JSON-ready values (``plain_value``), converted a column at a time: a
    column holds one type, so a summary of 25 000 groups converts in a few ms."""
    if not raw:
        return []
    columns: list[Sequence[Any]] = []
    for values in zip(*raw, strict=True):
        sample = next((v for v in values if v is not None), None)
        if isinstance(sample, Decimal):
            columns.append([None if v is None else float(v) for v in values])
        elif isinstance(sample, date):
            columns.append([None if v is None else v.isoformat() for v in values])
        else:
            columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def settings_values(report: Report, settings: Settings) -> dict[str, Any]:
    values = {name: getattr(settings, name) for name in report.setting_params}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def written_identity(settings: Settings, report: Report) -> tuple[Any, ...] | None:
    """For a report over written data, what its rows were read from (a cached result of
    an earlier copy is never served after a write)."""
    return mirror.identity(settings) if report.store == "operational" else None


def filters_key(values: FilterValues) -> str:
    # Everything the compiler reads from the filters, in a stable text form.
    return repr((values.conditions, sorted(values.periods.items()),
                 sorted(values.drill.items())))
