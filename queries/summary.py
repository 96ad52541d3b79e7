"""Summaries: the grouped dimensions, the groups with their totals in one scan, their
order, and the same summary a year earlier for a chart that compares with it."""

from __future__ import annotations

from collections.abc import Sequence

from engines.base import Engine
from queries import openings
from queries import sql as C
from queries.access import Viewer
from queries.cache import results_cache
from queries.filters import FilterError, FilterValues, previous_year
from queries.lookups import dim_labels
from queries.results import (
    ColumnMeta,
    SummaryResult,
    filters_key,
    plain_rows,
    settings_values,
    written_identity,
)
from queries.spec import Dim, Report, Summary
from queries.store import run


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
SUMMARY_GROUPS_SHOWN = openings.OPENING_GROUPS


def run_summary(engine: Engine, report: Report, values: FilterValues, viewer: Viewer,
                summary_key: str | None = None, *,
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
    key = ("summary", report.slug, filters_key(values), repr(settings_values(report,
                                                                             engine.settings)),
           summary_key, tuple(group_by or ()), max_groups, written_identity(engine.settings,
                                                                            report),
           tuple(order))
    return results_cache(engine.settings).get_or_compute(
        engine, viewer, key,
        lambda: _compute_summary(engine, report, values, viewer, summary_key, group_by=group_by,
                                 max_groups=max_groups, sort=order))


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


def _compute_summary(engine: Engine, report: Report, values: FilterValues,
                     viewer: Viewer, summary_key: str | None, *,
                     group_by: Sequence[str] | None,
                     max_groups: int | None = None,
                     sort: Sequence[tuple[str, str]] = ()) -> SummaryResult:
    dims = summary_dims(report, summary_key, group_by)
    sv = settings_values(report, engine.settings)
    names, raw = run(engine, groups_statement(engine, report, dims, values, viewer, sv=sv,
                                                max_groups=max_groups, sort=sort))
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
    dim_labels(engine, dims, rows)
    summary = None if group_by else next(
        (s for s in report.summaries if s.key == summary_key), report.summaries[0])
    columns = summary_columns(report, dims, summary)
    shown = {c.key for c in columns}
    result = SummaryResult(columns, rows, {k: v for k, v in totals.items() if k in shown},
                           tuple(d.key for d in dims), truncated=truncated,
                           sort=list(sort))
    if summary is not None and summary.chart and summary.chart.compare == "previous_year":
        earlier = previous_year(report, values, engine.settings.today)
        st = C.summary_statement(report, dims, earlier.conditions, viewer, sv,
                                 periods=earlier.periods)
        names, raw = run(engine, st)
        result.previous_year = plain_rows(names, raw)
        dim_labels(engine, dims, result.previous_year)
    return result


def groups_statement(engine: Engine, report: Report, dims: list[Dim], values: FilterValues,
                     viewer: Viewer, *, sv: dict[str, object], max_groups: int | None,
                     sort: Sequence[tuple[str, str]]) -> C.Statement:
    """Groups and the grand total in one scan of the rollup; a page's opening screen of
    one group per person or policy, or any order of an opening's groups kept whole, from
    the table that kept it at load time."""
    def statement(groups: int | None) -> C.Statement:
        return C.summary_statement(report, dims, values.conditions, viewer, sv,
                                   periods=values.periods, with_totals=True,
                                   max_groups=groups, sort=sort)

    if max_groups is None or not dims or not sort or max_groups > openings.OPENING_GROUPS:
        return statement(max_groups)
    ranked = statement(openings.OPENING_GROUPS) if dims[0].many else None
    kept = openings.stored_opening(engine, ranked, max_groups) if ranked else None
    if kept is None:  # another order: the opening kept whole, when it was
        kept = openings.stored_opening(engine, every_group_statement(report, dims, values,
                                                                     viewer, sv), max_groups)
    if kept is None:
        return ranked if ranked and max_groups == openings.OPENING_GROUPS \
            else statement(max_groups)
    return C.stored_groups_statement(*kept, report=report, dims=dims, sort=sort,
                                     max_groups=max_groups)


def every_group_statement(report: Report, dims: list[Dim], values: FilterValues,
                          viewer: Viewer, sv: dict[str, object]) -> C.Statement:
    """Every group and the totals, in no particular order: the statement whose answer a
    load keeps whole (``queries.openings.COMPLETE_GROUPS``)."""
    return C.summary_statement(report, dims, values.conditions, viewer, sv,
                               periods=values.periods, with_totals=True)
