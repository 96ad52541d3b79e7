"""Running reports: parse filters, summaries with totals, keyset-paged details, drill-downs.

Called by the pages' callbacks, the JSON API and the exports alike, always with the
server-side ``Viewer``: its data scope goes into every statement, its personal-data
flag decides masking.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import sqlglot

from data.settings import Settings
from queries import grid_filters, mirror
from queries import sql as C
from queries.access import Viewer
from queries.cache import results_cache
from queries.filters import FilterError, FilterValues, parse_filters, previous_year
from queries.links import KEY_SUFFIX, customer_link
from queries.masking import mask_value
from queries.spec import Col, Dim, Report, Summary
from queries.store import run, store_key
from queries.urls import drill_args

__all__ = [
    "ColumnMeta", "DetailResult", "FilterError", "FilterValues", "SummaryResult",
    "drill_names", "drill_values", "filter_option_rows", "filter_options", "iter_detail_rows",
    "parse_filters",
    "run_detail", "run_summary",
]

MAX_PAGE = 10_000
CACHED_PAGE_ROWS = 1_000


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


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def plain_rows(names: Sequence[str], raw: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows as dicts of JSON-ready values (``_plain``), converted a column at a time: a
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


def summary_dims(report: Report, summary_key: str | None,
                 group_by: Sequence[str] | None) -> list[Dim]:
    by_key = {d.key: d for d in report.dims}
    if group_by:
        allowed = set(report.free_dims) or {k for s in report.summaries for k in s.dimensions}
        bad = [g for g in group_by if g not in allowed]
        if bad:
            raise FilterError("group_by", f"不能按 {', '.join(bad)} 汇总")
        return [by_key[g] for g in group_by]
    summary = next((s for s in report.summaries if s.key == summary_key), report.summaries[0])
    return [by_key[k] for k in summary.dimensions]


LOOKUP_CHUNK = 500_000  # ids per statement (ClickHouse refuses arrays over 1 M)


# A lookup table this small (branches, departments, staff, agents) is read whole once
# per store and kept: a summary's labels then cost no second statement.
SMALL_LOOKUP_ROWS = 50_000
_small_lookups: dict[tuple[Any, ...], dict[Any, tuple[Any, ...]] | None] = {}


def _small_lookup(settings: Settings, table: str, key: str, columns: list[str]
                  ) -> dict[Any, tuple[Any, ...]] | None:
    """Every row of ``table`` as {id: (columns…)}, or None when it is not small."""
    ident = (*store_key(settings), table, key, tuple(columns),
             mirror.identity(settings) if table in mirror.names() else None)
    if ident not in _small_lookups:
        if len(_small_lookups) > 256:
            _small_lookups.clear()  # old stores' entries
        count = C.Statement(sqlglot.parse_one(f"SELECT count(*) FROM {table}"), {})
        whole = None
        if int(run(settings, count)[1][0][0]) <= SMALL_LOOKUP_ROWS:
            every = C.Statement(sqlglot.parse_one(
                f"SELECT {key}, {', '.join(columns)} FROM {table}"), {})
            whole = {r[0]: tuple(r[1:]) for r in run(settings, every)[1]}
        _small_lookups[ident] = whole
    return _small_lookups[ident]


def lookup_rows(settings: Settings, table: str, key: str, columns: list[str],
                ids: list[Any]) -> dict[Any, tuple[Any, ...]]:
    """``columns`` of ``table`` for each id, as {id: (values…)}."""
    whole = _small_lookup(settings, table, key, columns)
    if whole is not None:
        return {i: whole[i] for i in ids if i in whole}
    found: dict[Any, tuple[Any, ...]] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        st = C.lookup_statement(table, key, columns, ids[start:start + LOOKUP_CHUNK])
        found.update((r[0], tuple(r[1:])) for r in run(settings, st)[1])
    return found


def _dim_labels(settings: Settings, dims: list[Dim], rows: list[dict[str, Any]]) -> None:
    for d in dims:
        if d.lookup is None:
            continue
        ids = sorted({r[d.key] for r in rows if r[d.key] is not None})
        code = d.lookup.code
        names = lookup_rows(settings, d.lookup.table, d.lookup.key,
                            [d.lookup.column, *([code] if code else [])], ids)
        for r in rows:
            hit = names.get(r[d.key])
            r[f"{d.key}_label"] = hit[0] if hit else None
            if code:
                r[f"{d.key}_code"] = hit[1] if hit else None


def summary_columns(report: Report, dims: list[Dim], summary: Summary | None = None
                    ) -> list[ColumnMeta]:
    cols: list[ColumnMeta] = []
    for d in dims:
        # A dimension known by a code shows it, not its internal id (rows keep the id for
        # drilling down).
        if d.lookup is not None and d.lookup.code:
            cols.append(ColumnMeta(f"{d.key}_code", f"{d.label}代码", "code"))
        else:
            cols.append(ColumnMeta(d.key, d.label, d.type))
        if d.lookup is not None:
            cols.append(ColumnMeta(f"{d.key}_label", f"{d.label}名称", "text"))
    shown = set(summary.measures) if summary and summary.measures else None
    cols += [ColumnMeta(m.key, m.label, m.type) for m in report.measures
             if shown is None or m.key in shown]
    return cols


# A screen's worth of groups: pages and the API show at most this many by default (a
# summary by insured holds millions; exports give them all).
SUMMARY_GROUPS_SHOWN = 5_000


def run_summary(settings: Settings, report: Report, values: FilterValues, viewer: Viewer,
                summary_key: str | None = None,
                group_by: Sequence[str] | None = None,
                max_groups: int | None = None,
                sort: Sequence[tuple[str, str]] | None = None) -> SummaryResult:
    """The summary rows and totals (cached per store, filters and scope; read-only).
    ``max_groups``: at most that many groups, the first in ``sort`` order over all
    groups (a screen's worth); the totals still cover every row. ``sort`` None: the
    summary's default (``default_summary_sort``); empty: dimension order. A key that is
    not a shown dimension or a measure raises ``FilterError``."""
    dims = summary_dims(report, summary_key, group_by)
    order = summary_sort(report, dims, sort) if sort is not None \
        else default_summary_sort(report, dims)
    key = ("summary", report.slug, _filters_key(values), repr(settings_values(report, settings)),
           summary_key, tuple(group_by or ()), max_groups, written_identity(settings, report),
           tuple(order))
    return results_cache(settings).get_or_compute(
        settings, viewer, key,
        lambda: _compute_summary(settings, report, values, viewer, summary_key, group_by,
                                 max_groups, order))


def main_measure(report: Report) -> str:
    """The measure a summary of very many groups is ranked by: the first amount in CNY
    (an original-currency amount is empty across currencies), else the first measure."""
    money = [m.key for m in report.measures if m.type == "money" and m.currency is None]
    return (money or [report.measures[0].key])[0]


def default_summary_sort(report: Report, dims: Sequence[Dim]) -> list[tuple[str, str]]:
    """One group per person, policy, receipt … (a leading ``many`` dimension): the top
    groups by the main measure, not the first codes; other summaries: dimension order."""
    return [(main_measure(report), "desc")] if dims and dims[0].many else []


def summary_sort(report: Report, dims: Sequence[Dim], sort: Sequence[tuple[str, str]]
                 ) -> list[tuple[str, str]]:
    """The checked sort of a summary: measures and the grouped dimensions (a dimension's
    code column sorts by the dimension; its looked-up name does not sort)."""
    # Shown column key → the key sorted by.
    keys = {m.key: m.key for m in report.measures}
    keys.update({f"{d.key}_code": d.key for d in dims if d.lookup and d.lookup.code})
    keys.update({d.key: d.key for d in dims})
    out: list[tuple[str, str]] = []
    for key, direction in sort:
        if key not in keys:
            raise FilterError("sort", f"汇总不能按 {key[:40]!r} 排序: 可按汇总维度或指标排序")
        if direction not in {"asc", "desc"}:
            raise FilterError("sort", f"排序方向只能是 asc 或 desc (收到 {direction[:10]!r})")
        if all(keys[key] != k for k, _ in out):
            out.append((keys[key], direction))
    return out


def sort_words(report: Report, dims: Sequence[Dim], sort: Sequence[tuple[str, str]]) -> str:
    """A summary's order as users read it: "签单保费降序, 归属支公司升序"."""
    labels = {m.key: m.label for m in report.measures} | {d.key: d.label for d in dims}
    return "、".join(f"{labels.get(k, k)}{'降序' if d == 'desc' else '升序'}" for k, d in sort)


def written_identity(settings: Settings, report: Report) -> tuple[Any, ...] | None:
    """For a report over written data, what its rows were read from (a cached result of
    an earlier copy is never served after a write)."""
    return mirror.identity(settings) if report.store == "operational" else None


def _filters_key(values: FilterValues) -> str:
    # Everything the compiler reads from the filters, in a stable text form.
    return repr((values.conditions, sorted(values.periods.items()),
                 sorted(values.drill.items())))


def _compute_summary(settings: Settings, report: Report, values: FilterValues,
                     viewer: Viewer, summary_key: str | None,
                     group_by: Sequence[str] | None,
                     max_groups: int | None = None,
                     sort: Sequence[tuple[str, str]] = ()) -> SummaryResult:
    dims = summary_dims(report, summary_key, group_by)
    sv = settings_values(report, settings)
    # Groups and the grand total in one scan of the rollup.
    st = C.summary_statement(report, dims, values.conditions, viewer, sv, values.periods,
                             with_totals=True, max_groups=max_groups, sort=sort)
    names, raw = run(settings, st)
    rows, totals = [], {}
    for row in plain_rows(names, raw):
        if not dims:
            totals = row
        elif row.pop(C.TOTAL_FLAG):
            totals = {m.key: row[m.key] for m in report.measures}
        else:
            rows.append(row)
    truncated = max_groups is not None and len(rows) > max_groups
    rows = rows[:max_groups] if truncated else rows
    _dim_labels(settings, dims, rows)
    summary = None if group_by else next(
        (s for s in report.summaries if s.key == summary_key), report.summaries[0])
    columns = summary_columns(report, dims, summary)
    shown = {c.key for c in columns}
    result = SummaryResult(columns, rows, {k: v for k, v in totals.items() if k in shown},
                           tuple(d.key for d in dims), truncated=truncated,
                           sort=list(sort))
    if summary is not None and summary.chart and summary.chart.compare == "previous_year":
        earlier = previous_year(report, values, settings.today)
        st = C.summary_statement(report, dims, earlier.conditions, viewer, sv,
                                 earlier.periods)
        names, raw = run(settings, st)
        result.previous_year = plain_rows(names, raw)
        _dim_labels(settings, dims, result.previous_year)
    return result


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


def _apply_lookups(settings: Settings, report: Report, rows: list[dict[str, Any]]) -> None:
    groups: dict[tuple[str, str, str], list[Col]] = {}
    for c in report.detail:
        if c.lookup is not None:
            groups.setdefault((c.lookup.table, c.lookup.key, c.source_column), []).append(c)
    for (table, key, source), cols in groups.items():
        ids = sorted({r[f"__{source}"] for r in rows if r[f"__{source}"] is not None})
        linked = [c for c in cols if customer_link(c) == "lookup"]
        # A customer's name brings its code along: the key of its page's link.
        columns = [c.lookup.column for c in cols if c.lookup] + (["customer_code"]
                                                                 if linked else [])
        found = lookup_rows(settings, table, key, columns, ids)
        for r in rows:
            hit = found.get(r[f"__{source}"])
            for i, c in enumerate(cols):
                r[c.key] = hit[i] if hit else None
            for c in linked:
                r[c.key + KEY_SUFFIX] = hit[-1] if hit else None


def run_detail(settings: Settings, report: Report, values: FilterValues, viewer: Viewer, *,
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
        return _compute_detail(settings, report, values, viewer, order, limit, parsed,
                               offset, with_total)
    key = ("detail", report.slug, _filters_key(values), repr(settings_values(report, settings)),
           tuple(order), limit, parsed, offset, with_total, written_identity(settings, report))
    return results_cache(settings).get_or_compute(
        settings, viewer, key,
        lambda: _compute_detail(settings, report, values, viewer, order, limit, parsed,
                                offset, with_total))


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


def _compute_detail(settings: Settings, report: Report, values: FilterValues,
                    viewer: Viewer, order: list[tuple[str, str]], limit: int,
                    parsed: C.Cursor | None, offset: int | None,
                    with_total: bool) -> DetailResult:
    conditions = values.conditions
    sv = settings_values(report, settings)
    code_columns = {c.key: customer_link(c) for c in report.detail
                    if customer_link(c) not in (None, "lookup")}
    sources = list(dict.fromkeys([*(c.source_column for c in report.detail),
                                  *(v for v in code_columns.values() if v)]))
    st = C.detail_statement(report, sources, conditions, viewer, sv, order, limit, parsed,
                            offset)
    names, raw = run(settings, st)
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
    _apply_lookups(settings, report, rows)
    out = []
    for r in rows:
        clean = {}
        for c in report.detail:
            value = r.get(c.key)
            if c.personal and not viewer.personal_data:
                value = mask_value(c.personal, value)
            clean[c.key] = _plain(value)
            if customer_link(c) is not None:
                clean[c.key + KEY_SUFFIX] = r.get(c.key + KEY_SUFFIX)
        out.append(clean)
    next_cursor = None
    if len(base) == limit:
        last = base[-1]
        keys = [c for c, _ in order] + [report.id_column]
        start = parsed.offset if parsed else (offset or 0)
        next_cursor = C.Cursor(tuple(_plain(last[k]) for k in keys), start + limit).encode()
    total = -1
    if with_total:
        ct = C.count_statement(report, conditions, viewer, sv)
        total = int(run(settings, ct)[1][0][0])
    return DetailResult(detail_columns(report), out, total, next_cursor)


def iter_detail_rows(settings: Settings, report: Report, values: FilterValues,
                     viewer: Viewer, sort: Sequence[tuple[str, str]] = (),
                     page: int = MAX_PAGE) -> Iterator[dict[str, Any]]:
    """Every detail row the filters select, page by page (constant memory)."""
    cursor = None
    while True:
        result = run_detail(settings, report, values, viewer, sort=sort, limit=page,
                            cursor=cursor, with_total=False)
        yield from result.rows
        if result.next_cursor is None:
            return
        cursor = result.next_cursor


def drill_values(report: Report, values: FilterValues, summary_row: Mapping[str, Any],
                 group_by: Sequence[str]) -> FilterValues:
    """The summary row's dimension values become equality filters of the detail."""
    return parse_filters(report, {**values.query, **drill_args(group_by, summary_row)})


def drill_names(settings: Settings, report: Report, values: FilterValues, viewer: Viewer
                ) -> dict[str, str]:
    """The names of the drilled dimensions that have one (dimension key → "code name"),
    for the breadcrumb. Looked up only when the viewer's own detail list holds rows: a
    value outside the scope gets no name, never that of another branch's customer or
    staff member."""
    dims = {d.key: d for d in report.dims}
    drilled = [(dims[key[2:]], value) for key, value in values.drill.items()
               if value != C.NULL_TOKEN and dims[key[2:]].lookup is not None]
    if not drilled or not run_detail(settings, report, values, viewer, limit=1,
                                     with_total=False).rows:
        return {}
    names = {}
    for dim, value in drilled:
        assert dim.lookup is not None
        key = int(value) if dim.type in {"int", "year"} else value
        code = [dim.lookup.code] if dim.lookup.code else []
        hit = lookup_rows(settings, dim.lookup.table, dim.lookup.key,
                          [*code, dim.lookup.column], [key]).get(key)
        if hit:
            # With a code: "C000000005 廖成", as the summary shows it.
            names[dim.key] = " ".join(str(v) for v in hit if v is not None)
    return names


def filter_options(settings: Settings, report: Report, filter_key: str
                   ) -> list[tuple[str, str]]:
    return [(v, lbl) for v, lbl, _ in filter_option_rows(settings, report, filter_key)]


def filter_option_rows(settings: Settings, report: Report, filter_key: str
                       ) -> list[tuple[str, str, str | None]]:
    """(value, label as users know it, value of the parent filter it belongs to)."""
    flt = next(f for f in report.filters if f.key == filter_key)
    if flt.options is None:
        return []
    if flt.options.static:
        return [(v, lbl, None) for v, lbl in flt.options.static]
    o = flt.options
    st = C.options_statement(o.table or "", o.value or "", o.label or o.value or "", o.where,
                             o.code, o.parent[1] if o.parent else None)
    return [(str(v), f"{code or v} {lbl}" if lbl != v else str(v),
             None if parent is None else str(parent))
            for v, lbl, code, parent in run(settings, st)[1]]
