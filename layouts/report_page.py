"""A report page, generated from its declaration: filters, summary or detail, exports.

The page is a function of its URL: filters, the summary choice, group-bys and the
drill-down all live in the query string, so a view can be bookmarked and shared and
the browser's back button returns from a drill-down to its summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import dcc, html

from layouts.charts import chart, chart_choices, is_band, missing_label
from layouts.dates import date_input, date_range_input, month_input
from layouts.export_panel import export_button, export_panel
from layouts.grid import LOCALE_TEXT, column_defs
from layouts.grid_state import initial_state
from layouts.notices import late_date_notice, scope_notice
from layouts.saved_views import column_chooser
from layouts.summary_sort import (
    requested_sort,
    server_order,
    shown_sort,
    sortable_columns,
    state_of,
)
from queries.access import SCOPE_LABELS, Viewer
from queries.filter_kinds import kind_of
from queries.filters import FilterError, FilterValues, parse_filters
from queries.grid_filters import filterable_columns
from queries.links import customer_link
from queries.options import cached_options, scoped_options
from queries.page_data import detail_head, sort_words, summary_dims, summary_rows
from queries.spec import Chart, Filter, Report, Summary
from queries.urls import bound_keys, export_url, page_url, summary_args

if TYPE_CHECKING:  # the engine is handed through to queries/, never called here
    from engines.base import Engine

CODE_HINT = "可用 * 代表任意多个字符、? 代表一个字符; 不区分大小写, 如 Q* 或 QA?"


def _select_input(engine: Engine, report: Report, f: Filter, args: Mapping[str, str],
                  common: dict[str, Any], *, viewer: Viewer | None) -> Any:
    parent = f.options.parent if f.options else None
    data = scoped_options(engine, report, f, viewer, (args.get(parent[0]) or "").split(",")
                          if parent and args.get(parent[0]) else ()) if viewer else \
        [{"value": v, "label": lbl} for v, lbl in cached_options(engine, report, f.key)]
    # A shared link's values outside the user's scope are not offered (the page
    # says so above the results).
    offered = {d["value"] for d in data}
    chosen = [v for v in (args.get(f.key) or "").split(",") if v in offered]
    return dmc.MultiSelect(data=data, value=chosen, searchable=True, clearable=True,
                           placeholder="全部", maxDropdownHeight=280, **common)


def _text_input(f: Filter, args: Mapping[str, str], kind: Any, common: dict[str, Any]) -> Any:
    if kind.widget == "code":
        # One field: a * or ? makes it a pattern ($), otherwise an exact code (=).
        return dmc.TextInput(value=args.get(f.key) or "", placeholder="如 QAA 或 Q*",
                             styles={"input": {"textTransform": "uppercase"}},
                             **{**common, "description": f.help or CODE_HINT})
    if kind.widget == "number_range":
        lo, hi = (args.get(k) or "" for k in bound_keys(f.key))
        return dmc.TextInput(value=f"{lo}~{hi}" if lo or hi else "",
                             placeholder=kind.placeholder, **common)
    return dmc.TextInput(value=args.get(f.key) or "", placeholder=kind.placeholder, **common)


def filter_input(engine: Engine, report: Report, f: Filter, args: Mapping[str, str], *,
                 error: str | None = None, viewer: Viewer | None = None) -> Any:
    fid = {"type": "flt", "report": report.slug, "key": f.key}
    label = f.label + (" *" if f.required else "")
    common = {"id": fid, "label": label, "description": f.help or None, "size": "sm",
              "error": error}
    kind = kind_of(f)  # its widget: one of the shapes drawn here
    if kind.widget == "date_range":
        return date_range_input(report, f, args, engine.settings.today, label, error=error)
    if kind.widget == "month":
        return month_input(f, args, engine.settings.today, common)
    if kind.widget == "date":
        return date_input(f, args, engine.settings.today, common)
    if kind.widget == "select":
        return _select_input(engine, report, f, args, common, viewer=viewer)
    return _text_input(f, args, kind, common)


def filter_panel(engine: Engine, report: Report, args: Mapping[str, str],
                 error: FilterError | None = None, viewer: Viewer | None = None) -> Any:
    def span(f: Filter) -> dict[str, int]:
        wide = kind_of(f).widget == "date_range"
        return {"base": 12, "sm": 12 if wide else 6, "lg": 6 if wide else 3}

    controls: list[Any] = [
        dmc.GridCol(filter_input(engine, report, f, args,
                                 error=error.message if error and error.filter_key == f.key
                                       else None, viewer=viewer), span=span(f))
        for f in report.filters]
    # Both choosers always exist (one hidden) so the run callback finds its inputs.
    extra: list[Any] = []
    if not report.free_dims:
        extra.append(dmc.MultiSelect(id={"type": "groupby", "report": report.slug}, data=[],
                                     value=[], style={"display": "none"}))
    if report.free_dims or len(report.summaries) < 2:
        extra.append(dmc.SegmentedControl(id={"type": "summary-choice", "report": report.slug},
                                          data=[report.summaries[0].key],
                                          value=report.summaries[0].key,
                                          style={"display": "none"}))
    if report.free_dims:
        dims = {d.key: d for d in report.dims}
        chosen = [g for g in (args.get("group_by") or "").split(",") if g in dims]
        extra.append(dmc.MultiSelect(
            id={"type": "groupby", "report": report.slug}, label="汇总维度 (可多选)",
            data=[{"value": k, "label": dims[k].label} for k in report.free_dims],
            value=chosen or list(report.summaries[0].dimensions), size="sm", maw=520))
    elif len(report.summaries) > 1:
        extra.append(dmc.SegmentedControl(
            id={"type": "summary-choice", "report": report.slug},
            data=[{"value": s.key, "label": s.label} for s in report.summaries],
            value=args.get("summary") or report.summaries[0].key))
    return dmc.Paper(withBorder=True, p="md", radius="md", children=[
        dmc.Grid(gutter="sm", children=controls),
        dmc.Group(mt="md", justify="space-between", children=[
            dmc.Group(extra),
            dmc.Group(gap="xs", children=[
                dmc.Text("在任一筛选框中按回车也可查询", size="xs", c="dimmed"),
                dmc.Button("查询", id={"type": "run", "report": report.slug}, n_clicks=0)]),
        ]),
        dcc.Store(id={"type": "run-request", "report": report.slug}),
    ])


def export_menu(report: Report, args: Mapping[str, str], level: str) -> Any:
    query = {**{k: v for k, v in args.items() if k != "run"}, "level": level}
    # A detail list can reach a million rows: its Excel is a background job with progress.
    excel = export_button(report.slug) if level == "detail" else dmc.Anchor(
        "Excel", href=export_url(report.slug, "xlsx", query), size="sm", refresh=True,
        id={"type": "export-xlsx", "report": report.slug})
    label = "导出 (按表格当前的排序和列筛选):" if level == "detail" else "导出:"
    return dmc.Group(gap="xs", children=[
        dmc.Text(label, size="sm", c="dimmed"), excel,
        # On a detail list the CSV link follows the grid's sort and column filters.
        dmc.Anchor("CSV", href=export_url(report.slug, "csv", query), size="sm", refresh=True,
                   **({"id": {"type": "export-csv", "report": report.slug}}
                      if level == "detail" else {})),
    ])


def _dim_formatters(report: Report, defs: list[dict[str, Any]],
                    group_by: tuple[str, ...]) -> None:
    """Grouped values as users read them: 无代理人 / 空 for none, bands without ordinals."""
    dims = {d.key: d for d in report.dims}
    for d in defs:
        key = d["field"].removesuffix("_label")
        if key in group_by and key in dims:
            band = "true" if is_band(dims[key]) else "false"
            d["valueFormatter"] = {
                "function": f"fmtGroup(params, '{missing_label(key)}', {band})"}


def summary_view(engine: Engine, report: Report, values: FilterValues,
                 viewer: Viewer, args: Mapping[str, str]) -> Any:
    summary_key = args.get("summary")
    group_by = [g for g in (args.get("group_by") or "").split(",") if g] \
        if report.free_dims else []
    dims = summary_dims(report, summary_key, group_by or None)
    server_sort, by_name = requested_sort(args, [d.key for d in dims])
    result = summary_rows(engine, report, values, viewer, args, sort=server_sort)
    summary = None if report.free_dims else next(
        (s for s in report.summaries if s.key == summary_key), report.summaries[0])
    chart_by = args.get("chart_by") if args.get("chart_by") in result.group_by else None
    if report.free_dims and result.group_by:
        summary = Summary("free", "", result.group_by,
                          _cube_chart(report, chart_by or result.group_by[0]))
    # A dimension shown by name hides its id; the totals label goes in the first shown one.
    hidden = {d for d in result.group_by if f"{d}_label" in {c.key for c in result.columns}}
    first_shown = next((c.key for c in result.columns if c.key not in hidden), None)
    totals = {**result.totals, **({first_shown: "合计"} if first_shown else {})}
    # A summary by insured can have 100 k groups: the screen gets the first ones, the
    # export (same filters) gets them all.
    shown = result.rows
    # The server sorts the groups (layouts/summary_sort.py): a click re-asks it.
    defs = column_defs(result.columns, hidden=hidden, sortable=sortable_columns(result),
                       alerts={m.key: m.alert for m in report.measures if m.alert})
    server_order(defs, result)
    sort_shown = shown_sort(result, by_name)
    sorted_by = state_of(sort_shown)
    _dim_formatters(report, defs, result.group_by)
    # The column holding 合计 takes text whatever its type (a date column inferred as a
    # date would draw the label empty).
    for d in defs:
        if d["field"] == first_shown:
            d["cellDataType"] = False
    grid = dag.AgGrid(
        id={"type": "summary-grid", "report": report.slug},
        columnDefs=defs,
        rowData=shown,
        dashGridOptions={"pinnedBottomRowData": [totals], "localeText": LOCALE_TEXT,
                         "rowStyle": {"cursor": "pointer"},
                         **({"initialState": sorted_by} if sorted_by else {}),
                         **({"domLayout": "autoHeight"} if len(result.rows) <= 15 else {})},
        columnSize="autoSize",
        eventListeners={"sortChanged": ["summarySortChanged(params, setEventData)"]},
        style={"width": "100%", **({} if len(result.rows) <= 15 else {"height": "480px"})},
    )
    # The cube's chart can be drawn by any of the chosen group-bys.
    chooser = None
    if report.free_dims and len(result.group_by) > 1:
        chooser = dmc.Group(gap="xs", children=[
            dmc.Text("图表按:", size="sm", c="dimmed"),
            dmc.SegmentedControl(id={"type": "chart-by", "report": report.slug}, size="xs",
                                 data=chart_choices(report, result.group_by),
                                 value=chart_by or result.group_by[0])])
    sort_text = ",".join(f"{k}:{d}" for k, d in sort_shown)
    # The drawn sort on the element too: what a page (or a test) can wait on after
    # asking the server for another order.
    drawn: dict[str, Any] = {"data-summary-sort": sort_text}
    return html.Div(**drawn, children=[
        dmc.Group(justify="space-between", mb="xs", children=[
            dmc.Text(_groups_note(report, dims, result) + "; 点击一行查看明细清单; 点击列标题排序",
                     size="sm", c="dimmed", id={"type": "summary-note", "report": report.slug}),
            export_menu(report, args, "summary"),
        ]),
        chooser,
        chart(summary, result, report),
        grid,
        dcc.Store(id={"type": "summary-keys", "report": report.slug},
                  data=list(result.group_by)),
        dcc.Store(id={"type": "summary-sort", "report": report.slug}, data=sort_text),
    ])


def _groups_note(report: Report, dims: list[Any], result: Any) -> str:
    n = len(result.rows)
    if not result.truncated:
        return f"共 {n:,} 组"
    order = f"按{sort_words(report, dims, result.sort)}" if result.sort else "按汇总维度顺序"
    return f"{order}显示前 {n:,} 个 (超过 {n:,} 组; 合计含全部组, 全部请导出或加筛选条件)"


def _cube_chart(report: Report, dim_key: str) -> Chart:
    # The cube's chart is drawn by one group-by (the first unless the user picks another).
    measures = tuple(m.key for m in report.measures if m.type == "money")[:2]
    return Chart("bar", dim_key, measures)


def detail_view(engine: Engine, report: Report, values: FilterValues,
                viewer: Viewer, args: Mapping[str, str]) -> Any:
    head = detail_head(engine, report, values, viewer)
    crumbs = head.crumbs
    back = summary_args(args)
    # Not a looked-up name, nor a personal column the viewer sees masked.
    sortable = filterable_columns(report, viewer)
    columns = head.columns
    # The sort, column filters and columns of a copied link (layouts.grid_state).
    state = initial_state(args, {c.key for c in columns}, sortable)
    defs = column_defs(columns, sortable=sortable, filterable=sortable,
                       alerts={c.key: c.alert for c in report.detail if c.alert},
                       links=detail_links(report),
                       widths={c.key: c.width for c in report.detail if c.width})
    # The identifying column stays on the left while the user scrolls across.
    defs[0].update(pinned="left", lockPinned=True)
    grid = dag.AgGrid(
        id={"type": "detail-grid", "report": report.slug},
        columnDefs=defs,
        rowModelType="infinite",
        defaultColDef={"minWidth": 110},
        dashGridOptions={"cacheBlockSize": 100, "maxBlocksInCache": 50, "rowBuffer": 0,
                         "infiniteInitialRowCount": 1, "localeText": LOCALE_TEXT,
                         **({"initialState": state} if state else {})},
        style={"height": "62vh", "width": "100%"},
    )
    breadcrumb = dmc.Breadcrumbs(separator="›", children=[
        dmc.Anchor("← 返回汇总", href=page_url(report.slug, back), id="drill-back"),
        *[dmc.Text(c, size="sm") for c in crumbs or ["全部明细"]],
    ])
    hidden = set(state.get("columnVisibility", {}).get("hiddenColIds", []))
    order = state.get("columnOrder", {}).get("orderedColIds", [])
    labels = {c.key: c.label for c in columns}
    chooser = column_chooser(report.slug, [(k, labels[k]) for k in dict.fromkeys(
        [columns[0].key, *order, *labels])], hidden)
    return html.Div([
        dmc.Group(justify="space-between", mb="xs", children=[
            breadcrumb, dmc.Group(gap="md", children=[
                chooser, export_menu(report, args, "detail")])]),
        export_panel(report.slug),
        dmc.Text(id={"type": "detail-count", "report": report.slug}, size="sm", c="dimmed",
                 mb=4),
        grid,
    ])


def detail_links(report: Report) -> dict[str, str]:
    """Columns opening a record's page: policy and claim numbers, customers' names."""
    links: dict[str, str] = {c.key: c.link for c in report.detail if c.link}
    links.update({c.key: "customer" for c in report.detail if customer_link(c)})
    return links


def report_page(engine: Engine, report: Report, viewer: Viewer,
                args: Mapping[str, str], toolbar: Any = None) -> Any:
    """``toolbar``: drawn beside the title (the page's saved views)."""
    header = dmc.Stack(gap=4, children=[
        dmc.Group(justify="space-between", children=[
            dmc.Title(f"{report.number} {report.title}", order=3), toolbar]),
        dmc.Text(f"数据范围: {SCOPE_LABELS[viewer.scope.level]}"
                 + ("" if viewer.personal_data else " · 个人信息已脱敏"), size="xs", c="dimmed"),
        *[dmc.Text(n, size="sm", c="gray.7") for n in report.notes],
    ])
    body: Any = dmc.Text("请设置查询条件后点击“查询”; 在任一筛选框中按回车也可查询。",
                         c="dimmed", size="sm")
    error: FilterError | None = None
    notices: list[Any] = []
    if args.get("run"):
        try:
            values = parse_filters(report, args, engine.settings.today)
            notices = [scope_notice(engine, report, viewer, args),
                       late_date_notice(report, values.query, engine.settings.today)]
            body = detail_view(engine, report, values, viewer, args) \
                if args.get("level") == "detail" else \
                summary_view(engine, report, values, viewer, args)
        except FilterError as exc:
            error = exc
            body = dmc.Alert(exc.message, title="查询条件有误", color="red",
                             id={"type": "filter-error", "report": report.slug})
    return dmc.Stack(gap="md", children=[
        dcc.Store(id={"type": "nav-request", "report": report.slug}),
        dcc.Store(id={"type": "page-query", "report": report.slug}, data=dict(args)),
        header,
        filter_panel(engine, report, args, error, viewer),
        *[n for n in notices if n is not None],
        html.Div(body, id={"type": "results", "report": report.slug}),
    ])
