"""Detail lists: keyset-paged rows in a checked order, looked-up names, masked personal
fields, the total, and every row page by page for an export."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from engines.base import Engine
from queries import grid_filters
from queries import sql as C
from queries.access import Viewer
from queries.cache import results_cache
from queries.filters import FilterError, FilterValues
from queries.links import KEY_SUFFIX, customer_link
from queries.lookups import lookup_rows
from queries.masking import mask_value
from queries.results import (
    ColumnMeta,
    DetailResult,
    filters_key,
    plain_value,
    settings_values,
    written_identity,
)
from queries.spec import Col, Report
from queries.store import run

MAX_PAGE = 10_000
CACHED_PAGE_ROWS = 1_000


def detail_order(report: Report, sort: Sequence[tuple[str, str]],
                 viewer: Viewer | None = None) -> list[tuple[str, str]]:
    """The grid's sort as source columns; a personal column the viewer sees masked is
    refused (``viewer`` None only where the sort was checked for the viewer already)."""
    return grid_filters.detail_order(report, sort, viewer)


def with_column_filters(report: Report, values: FilterValues,
                        column_filters: Mapping[str, Any] | None,
                        viewer: Viewer) -> FilterValues:
    """The page's filters plus the grid's column filters: an export holds the rows shown."""
    extra = grid_filters.column_conditions(report, column_filters, viewer)
    return replace(values, conditions=[*values.conditions, *extra]) if extra else values


def detail_columns(report: Report) -> list[ColumnMeta]:
    return [ColumnMeta(c.key, c.label, c.type) for c in report.detail]


def _apply_lookups(engine: Engine, report: Report, rows: list[dict[str, Any]]) -> None:
    # One statement per lookup table: the insured's and the applicant's names alike.
    groups: dict[tuple[str, str], list[Col]] = {}
    for c in report.detail:
        if c.lookup is not None:
            groups.setdefault((c.lookup.table, c.lookup.key), []).append(c)
    for (table, key), cols in groups.items():
        ids = sorted({r[f"__{c.source_column}"] for c in cols for r in rows
                      if r[f"__{c.source_column}"] is not None})
        # A customer's name brings its code along: the key of its page's link.
        columns = list(dict.fromkeys(
            [c.lookup.column for c in cols if c.lookup]
            + (["customer_code"] if any(customer_link(c) == "lookup" for c in cols) else [])))
        at = {name: i for i, name in enumerate(columns)}
        found = lookup_rows(engine, table, key, columns, ids)
        for r in rows:
            for c in cols:
                hit = found.get(r[f"__{c.source_column}"])
                r[c.key] = hit[at[c.lookup.column]] if hit and c.lookup else None
                if customer_link(c) == "lookup":
                    r[c.key + KEY_SUFFIX] = hit[at["customer_code"]] if hit else None


def run_detail(engine: Engine, report: Report, values: FilterValues, viewer: Viewer, *,
               sort: Sequence[tuple[str, str]] = (), limit: int = 100,
               cursor: str | None = None, offset: int | None = None,
               column_filters: Mapping[str, Any] | None = None,
               with_total: bool = True) -> DetailResult:
    """A page of detail rows (cached per store, filters, scope, sort and position).
    Bad sort, column filters, cursor or offset raise ``FilterError`` naming them."""
    limit = max(1, min(int(limit), MAX_PAGE))
    order = detail_order(report, sort, viewer)
    values = with_column_filters(report, values, column_filters, viewer)
    parsed = checked_cursor(report, order, cursor) if cursor else None
    if offset is not None and not 0 <= int(offset) <= C.MAX_OFFSET:
        raise FilterError("offset", f"起始行须在 0 到 {C.MAX_OFFSET:,} 之间")
    if limit > CACHED_PAGE_ROWS:
        # Export pages: read once, too big to keep.
        return _compute_detail(engine, report, values, viewer, order, limit=limit, parsed=parsed,
                               offset=offset, with_total=with_total)
    key = ("detail", report.slug, filters_key(values), repr(settings_values(report,
                                                                            engine.settings)),
           tuple(order), limit, parsed, offset, with_total, written_identity(engine.settings,
                                                                             report))
    return results_cache(engine.settings).get_or_compute(
        engine, viewer, key,
        lambda: _compute_detail(engine, report, values, viewer, order, limit=limit, parsed=parsed,
                                offset=offset, with_total=with_total))


def checked_cursor(report: Report, order: list[tuple[str, str]], text: str) -> C.Cursor:
    """The cursor of a page of this list in this order: one value per sort column and
    the id, each of its column's kind (a cursor of another list or order is refused)."""
    try:
        cursor = C.Cursor.decode(text)
    except ValueError as exc:
        raise FilterError("cursor", "cursor 参数无效") from exc
    columns = [c for c, _ in order]
    if len(cursor.values) != len(columns) + 1 or not isinstance(cursor.values[-1], int):
        raise FilterError("cursor", "cursor 参数无效: 不属于此排序的清单")
    types = {c.source_column: c.type for c in report.detail if c.lookup is None}
    for column, value in zip(columns, cursor.values, strict=False):
        kind = types.get(column)
        if value is None or kind is None:
            continue
        if (kind in grid_filters.NUMERIC) != isinstance(value, (int, float)):
            raise FilterError("cursor", "cursor 参数无效")
        if kind == "date":
            try:
                date.fromisoformat(str(value))
            except ValueError as exc:
                raise FilterError("cursor", "cursor 参数无效") from exc
    return cursor


def _compute_detail(engine: Engine, report: Report, values: FilterValues,
                    viewer: Viewer, order: list[tuple[str, str]], *, limit: int,
                    parsed: C.Cursor | None, offset: int | None,
                    with_total: bool) -> DetailResult:
    conditions = values.conditions
    sv = settings_values(report, engine.settings)
    code_columns = {c.key: customer_link(c) for c in report.detail
                    if customer_link(c) not in (None, "lookup")}
    sources = list(dict.fromkeys([*(c.source_column for c in report.detail),
                                  *(v for v in code_columns.values() if v)]))
    st = C.detail_statement(report, sources, conditions, viewer, sv, order=order, limit=limit,
                            cursor=parsed, offset=offset)
    names, raw = run(engine, st)
    base = [dict(zip(names, r, strict=True)) for r in raw]
    rows: list[dict[str, Any]] = []
    for b in base:
        row = {f"__{k}": v for k, v in b.items()}
        for c in report.detail:
            if c.lookup is None:
                row[c.key] = b[c.source_column]
        for key, code in code_columns.items():
            row[key + KEY_SUFFIX] = b[code or ""]
        rows.append(row)
    _apply_lookups(engine, report, rows)
    out = []
    for r in rows:
        clean = {}
        for c in report.detail:
            value = r.get(c.key)
            if c.personal and not viewer.personal_data:
                value = mask_value(c.personal, value)
            clean[c.key] = plain_value(value)
            if customer_link(c) is not None:
                clean[c.key + KEY_SUFFIX] = r.get(c.key + KEY_SUFFIX)
        out.append(clean)
    next_cursor = None
    if len(base) == limit:
        last = base[-1]
        keys = [c for c, _ in order] + [report.id_column]
        start = parsed.offset if parsed else (offset or 0)
        next_cursor = C.Cursor(tuple(plain_value(last[k]) for k in keys), start + limit).encode()
    total = -1
    if with_total:
        ct = C.count_statement(report, conditions, viewer, sv)
        total = int(run(engine, ct)[1][0][0])
    return DetailResult(detail_columns(report), out, total, next_cursor)


def iter_detail_rows(engine: Engine, report: Report, values: FilterValues,
                     viewer: Viewer, sort: Sequence[tuple[str, str]] = (), *,
                     page: int = MAX_PAGE) -> Iterator[dict[str, Any]]:
    """Every detail row the filters select, page by page (constant memory)."""
    cursor = None
    while True:
        result = run_detail(engine, report, values, viewer, sort=sort, limit=page,
                            cursor=cursor, with_total=False)
        yield from result.rows
        if result.next_cursor is None:
            return
        cursor = result.next_cursor
