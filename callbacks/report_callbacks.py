"""The report pages' callbacks, registered once with pattern-matching ids.

Each callback takes the report slug from the component id, checks the signed-in
user's grant on the server (403 otherwise) and passes the server-side Viewer to the
engine. Nothing about a page is coded here: everything comes from the catalog.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from cachetools import LRUCache
from dash import ALL, MATCH, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks.triggered import triggered_report
from data.settings import Settings
from engines.base import Engine
from layouts.dates import preset_values
from layouts.grid_state import WRITE_GRID_STATE, WRITE_SUMMARY_SORT
from layouts.shell import NAV_ID
from queries import engine as reporting
from queries.filter_kinds import kind_of
from queries.grid_filters import grid_sort
from queries.options import scoped_options
from queries.spec import Report
from queries.sql import MAX_OFFSET
from queries.urls import drill_args, filter_args, page_url, without_drill

# (user, report, query, sort, filters, startRow) → keyset cursor of that block; the
# least recently used go first.
_CURSORS: LRUCache[str, str] = LRUCache(maxsize=5000)
_CURSORS_LOCK = threading.Lock()


def _value_args(report: Report, ids: list[dict[str, Any]], values: list[Any],
                typed: dict[str, str]) -> dict[str, str]:
    """URL parameters from the filter panel; ``typed`` holds the text of each date field
    exactly as typed (by "type:key"), so 2026-13-45 reaches the server and is refused."""
    filters = {f.key: f for f in report.filters}
    widgets: dict[str, Any] = {}  # filter key → its widget's value, in the panel's order
    for cid, picked in zip(ids, values, strict=True):
        key = cid["key"]
        if key not in filters:
            continue
        if cid["type"] in {"dfrom", "dto"}:  # the two fields of a range: (start, end)
            lo, hi = widgets.get(key, ("", ""))
            text = typed.get(f"{cid['type']}:{key}", (picked or "")[:10]).strip()
            widgets[key] = (lo, text) if cid["type"] == "dto" else (text, hi)
            continue
        keeps = kind_of(filters[key]).keeps_typed_text
        value = typed.get(f"flt:{key}", picked) if keeps else picked
        if value not in (None, "", []):
            widgets[key] = value
    args: dict[str, str] = {}
    for key, value in widgets.items():
        f = filters[key]
        args.update(kind_of(f).from_widget(f, value))
    return args


# The typed text of every date field on the page (Mantine keeps only the parsed date,
# and its parser turns 2026-13-45 into 2027-02-14).
READ_TYPED_DATES = """
function (clicks, submits, fromSubmits, toSubmits) {
    const any = (xs) => (xs || []).some(Boolean);
    if (!clicks && !any(submits) && !any(fromSubmits) && !any(toSubmits)) {
        return window.dash_clientside.no_update;
    }
    // Enter in a choice list picks an option; only the run button and typed fields run.
    const triggered = (window.dash_clientside.callback_context.triggered || []).filter((t) => {
        if (!t.prop_id.endsWith(".n_submit")) { return true; }
        const el = document.getElementById(t.prop_id.slice(0, -".n_submit".length));
        return !(el && el.getAttribute("aria-haspopup") === "listbox");
    });
    if (!triggered.length) {
        return window.dash_clientside.no_update;
    }
    const typed = {};
    document.querySelectorAll("input[data-dates-input]").forEach((el) => {
        try {
            const id = JSON.parse(el.id);
            typed[id.type + ":" + id.key] = el.value;
        } catch (e) { /* not one of ours */ }
    });
    return {at: Date.now(), typed: typed};
}
"""


def block_bounds(request: dict[str, Any]) -> tuple[int, int]:
    """The grid's startRow / endRow: whole numbers, at most a page of rows apart."""
    bounds: list[int] = []
    for name, default in (("startRow", 0), ("endRow", None)):
        value = request.get(name)
        if value is None:
            value = default if default is not None else bounds[0] + 100
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= MAX_OFFSET:
            raise reporting.FilterError(name, f"表格请求无效: {name} 应为 0 到 {MAX_OFFSET:,} "
                                           f"之间的整数 (收到 {str(value)[:20]!r})")
        bounds.append(value)
    start, end = bounds
    if not start < end <= start + reporting.MAX_PAGE:
        raise reporting.FilterError("endRow", f"表格请求无效: endRow 应大于 startRow 且相差不超过 "
                                           f"{reporting.MAX_PAGE:,} 行")
    return start, end


def _register_run_query(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output({"type": "nav-request", "report": MATCH}, "data"),
        Input({"type": "run-request", "report": MATCH}, "data"),
        State({"type": "flt", "report": MATCH, "key": ALL}, "value"),
        State({"type": "flt", "report": MATCH, "key": ALL}, "id"),
        State({"type": "dfrom", "report": MATCH, "key": ALL}, "value"),
        State({"type": "dfrom", "report": MATCH, "key": ALL}, "id"),
        State({"type": "dto", "report": MATCH, "key": ALL}, "value"),
        State({"type": "dto", "report": MATCH, "key": ALL}, "id"),
        State({"type": "groupby", "report": MATCH}, "value"),
        State({"type": "summary-choice", "report": MATCH}, "value"),
        prevent_initial_call=True,
    )
    # Dash passes one positional argument per Input and State, in their order.
    def run_query(request, values, ids, lows, low_ids, highs, high_ids, group_by,  # type: ignore[no-untyped-def]  # noqa: PLR0917
                  summary):
        report = triggered_report()[0]
        if not request:
            raise PreventUpdate
        args = _value_args(report, [*ids, *low_ids, *high_ids], [*values, *lows, *highs],
                           request.get("typed") or {})
        if report.free_dims and group_by:
            args["group_by"] = ",".join(group_by)
        if summary and not report.free_dims:
            args["summary"] = summary
        args["run"] = "1"
        return page_url(report.slug, args)


def _register_narrow_departments(app: Dash, engine: Engine) -> None:
    @app.callback(
        Output({"type": "flt", "report": MATCH, "key": "dept"}, "data"),
        Input({"type": "flt", "report": MATCH, "key": "branch"}, "value"),
        prevent_initial_call=True,
    )
    def narrow_departments(branches):  # type: ignore[no-untyped-def]
        report, viewer = triggered_report()
        dept = next((f for f in report.filters if f.key == "dept" and f.options
                     and f.options.parent and f.options.parent[0] == "branch"), None)
        if dept is None:
            raise PreventUpdate
        return scoped_options(engine, report, dept, viewer, branches or ())


def _register_pick_preset(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output({"type": "dfrom", "report": MATCH, "key": MATCH}, "value"),
        Output({"type": "dto", "report": MATCH, "key": MATCH}, "value"),
        Input({"type": "preset", "report": MATCH, "key": MATCH, "name": ALL}, "n_clicks"),
        State({"type": "dfrom", "report": MATCH, "key": MATCH}, "value"),
        State({"type": "dto", "report": MATCH, "key": MATCH}, "value"),
        prevent_initial_call=True,
    )
    def pick_preset(clicks, lo, hi):  # type: ignore[no-untyped-def]
        triggered_report()  # refuses an unknown or ungranted page
        if not any(clicks or []):
            raise PreventUpdate
        return preset_values(ctx.triggered_id["name"], settings.today, lo, hi)


def _register_drill_down(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output({"type": "nav-request", "report": MATCH}, "data", allow_duplicate=True),
        Input({"type": "summary-grid", "report": MATCH}, "cellClicked"),
        State({"type": "summary-grid", "report": MATCH}, "virtualRowData"),
        State({"type": "summary-keys", "report": MATCH}, "data"),
        State({"type": "page-query", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def drill_down(cell, rows, keys, query):  # type: ignore[no-untyped-def]
        report = triggered_report()[0]
        if not cell or rows is None or cell.get("rowPinned") or cell.get("rowIndex") is None:
            raise PreventUpdate
        index = cell["rowIndex"]
        if index >= len(rows):
            raise PreventUpdate
        row = rows[index]
        args = {**without_drill(query or {}), **drill_args(keys or [], row)}
        return page_url(report.slug, {**args, "level": "detail", "run": "1"})


def _register_chart_by(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output({"type": "nav-request", "report": MATCH}, "data", allow_duplicate=True),
        Input({"type": "chart-by", "report": MATCH}, "value"),
        State({"type": "page-query", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def chart_by(dim, query):  # type: ignore[no-untyped-def]
        report = triggered_report()[0]
        if not dim or (query or {}).get("chart_by") == dim:
            raise PreventUpdate
        return page_url(report.slug, {**(query or {}), "chart_by": dim})


def _register_relay_navigation(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output(NAV_ID, "href"),
        Input({"type": "nav-request", "report": ALL}, "data"),
        prevent_initial_call=True,
    )
    def relay_navigation(requests):  # type: ignore[no-untyped-def]
        wanted = [r for r in requests if r]
        if not wanted:
            raise PreventUpdate
        return wanted[0]


def _register_detail_rows(app: Dash, engine: Engine) -> None:
    @app.callback(
        Output({"type": "detail-grid", "report": MATCH}, "getRowsResponse"),
        Output({"type": "detail-count", "report": MATCH}, "children"),
        Input({"type": "detail-grid", "report": MATCH}, "getRowsRequest"),
        State({"type": "page-query", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def detail_rows(request, query):  # type: ignore[no-untyped-def]
        report, viewer = triggered_report()
        slug = report.slug
        if not request:
            raise PreventUpdate
        args = filter_args(query) if isinstance(query, dict) else {}
        try:
            values = reporting.parse_filters(report, args, engine.settings.today)
            if not isinstance(request, dict):
                raise reporting.FilterError("getRowsRequest", "表格请求无效")
            start, end = block_bounds(request)
            sort = grid_sort(request.get("sortModel"))
            filters = request.get("filterModel") or {}
            # json, not orjson: the browser's model may hold numbers past 64 bits.
            base = json.dumps([viewer.user_id, slug, args, sort, filters], sort_keys=True,
                              ensure_ascii=False, default=str)
            with _CURSORS_LOCK:
                cursor = _CURSORS.get(f"{base}|{start}")
            result = reporting.run_detail(engine, report, values, viewer, sort=sort,
                                       limit=end - start, cursor=cursor,
                                       offset=None if cursor else start,
                                       column_filters=filters)
        except reporting.FilterError as exc:
            return {"rowData": [], "rowCount": 0}, f"查询条件有误: {exc.message}"
        if result.next_cursor:
            with _CURSORS_LOCK:
                _CURSORS[f"{base}|{end}"] = result.next_cursor
        count = f"共 {result.total:,} 条"
        return {"rowData": result.rows, "rowCount": result.total}, count if start == 0 \
            else no_update


def register(app: Dash, engine: Engine) -> None:
    app.clientside_callback(
        READ_TYPED_DATES,
        Output({"type": "run-request", "report": MATCH}, "data"),
        Input({"type": "run", "report": MATCH}, "n_clicks"),
        Input({"type": "flt", "report": MATCH, "key": ALL}, "n_submit"),
        Input({"type": "dfrom", "report": MATCH, "key": ALL}, "n_submit"),
        Input({"type": "dto", "report": MATCH, "key": ALL}, "n_submit"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        WRITE_SUMMARY_SORT,
        Output({"type": "nav-request", "report": MATCH}, "data", allow_duplicate=True),
        Input({"type": "summary-grid", "report": MATCH}, "eventData"),
        State({"type": "summary-sort", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        WRITE_GRID_STATE,
        Output({"type": "detail-grid", "report": MATCH}, "id"),
        Input({"type": "detail-grid", "report": MATCH}, "columnState"),
        Input({"type": "detail-grid", "report": MATCH}, "filterModel"),
        State({"type": "detail-grid", "report": MATCH}, "id"),
        prevent_initial_call=True,
    )
    _register_run_query(app, engine.settings)
    _register_narrow_departments(app, engine)
    _register_pick_preset(app, engine.settings)
    _register_drill_down(app, engine.settings)
    _register_chart_by(app, engine.settings)
    _register_relay_navigation(app, engine.settings)
    _register_detail_rows(app, engine)
