"""The report pages' callbacks, registered once with pattern-matching ids.

Each callback takes the report slug from the component id, checks the signed-in
user's grant on the server (403 otherwise) and passes the server-side Viewer to the
engine. Nothing about a page is coded here: everything comes from the catalog.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson
from dash import ALL, MATCH, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

import auth
from data.settings import Settings
from layouts.report_page import CONTROL_KEYS, url_for
from layouts.shell import NAV_ID
from queries import engine
from queries.catalog import CATALOG
from queries.spec import Report

# (user, report, query, sort, filters, startRow) → keyset cursor of that block.
_CURSORS: OrderedDict[str, str] = OrderedDict()
_MAX_CURSORS = 5000


def _report(slug: str) -> Report:
    report = CATALOG.get(slug)
    if report is None:
        raise auth.Forbidden("未知报表")
    auth.require_page(slug)
    return report


def _value_args(report: Report, ids: list[dict[str, Any]], values: list[Any],
                op_ids: list[dict[str, Any]], ops: list[Any]) -> dict[str, str]:
    kinds = {f.key: f.kind for f in report.filters}
    args: dict[str, str] = {}
    for cid, value in zip(ids, values, strict=True):
        key, kind = cid["key"], kinds.get(cid["key"])
        if value in (None, "", []):
            continue
        if kind == "date_range":
            lo, hi = ([*list(value), None, None])[:2]
            args[f"{key}_from"], args[f"{key}_to"] = (lo or "")[:10], (hi or "")[:10]
        elif kind == "month":
            args[key] = str(value)[:7]
        elif kind == "date":
            args[key] = str(value)[:10]
        elif kind == "multi":
            args[key] = ",".join(str(v) for v in value)
        elif kind == "number_range":
            lo, _, hi = str(value).partition("~")
            args[f"{key}_min"], args[f"{key}_max"] = lo.strip(), hi.strip()
        else:
            args[key] = str(value).strip()
    for cid, op in zip(op_ids, ops, strict=True):
        if cid["key"] in args and op:
            args[f"{cid['key']}_op"] = op
    return args


def register(app: Dash, settings: Settings) -> None:
    @app.callback(
        Output({"type": "nav-request", "report": MATCH}, "data"),
        Input({"type": "run", "report": MATCH}, "n_clicks"),
        State({"type": "flt", "report": MATCH, "key": ALL}, "value"),
        State({"type": "flt", "report": MATCH, "key": ALL}, "id"),
        State({"type": "fltop", "report": MATCH, "key": ALL}, "value"),
        State({"type": "fltop", "report": MATCH, "key": ALL}, "id"),
        State({"type": "groupby", "report": MATCH}, "value"),
        State({"type": "summary-choice", "report": MATCH}, "value"),
        prevent_initial_call=True,
    )
    def run_query(n_clicks, values, ids, ops, op_ids, group_by, summary):  # type: ignore[no-untyped-def]
        report = _report(ctx.triggered_id["report"])
        if not n_clicks:
            raise PreventUpdate
        args = _value_args(report, ids, values, op_ids, ops)
        if report.free_dims and group_by:
            args["group_by"] = ",".join(group_by)
        if summary and not report.free_dims:
            args["summary"] = summary
        args["run"] = "1"
        return url_for(report, args)

    @app.callback(
        Output({"type": "nav-request", "report": MATCH}, "data", allow_duplicate=True),
        Input({"type": "summary-grid", "report": MATCH}, "cellClicked"),
        State({"type": "summary-grid", "report": MATCH}, "virtualRowData"),
        State({"type": "summary-keys", "report": MATCH}, "data"),
        State({"type": "page-query", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def drill_down(cell, rows, keys, query):  # type: ignore[no-untyped-def]
        report = _report(ctx.triggered_id["report"])
        if not cell or rows is None or cell.get("rowPinned") or cell.get("rowIndex") is None:
            raise PreventUpdate
        index = cell["rowIndex"]
        if index >= len(rows):
            raise PreventUpdate
        row = rows[index]
        args = {k: v for k, v in (query or {}).items() if not k.startswith("d_")}
        for key in keys or []:
            args[f"d_{key}"] = "__null__" if row.get(key) is None else str(row[key])
        return url_for(report, {**args, "level": "detail", "run": "1"})

    @app.callback(
        Output({"type": "nav-request", "report": MATCH}, "data", allow_duplicate=True),
        Input({"type": "chart-by", "report": MATCH}, "value"),
        State({"type": "page-query", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def chart_by(dim, query):  # type: ignore[no-untyped-def]
        report = _report(ctx.triggered_id["report"])
        if not dim or (query or {}).get("chart_by") == dim:
            raise PreventUpdate
        return url_for(report, {**(query or {}), "chart_by": dim})

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

    @app.callback(
        Output({"type": "detail-grid", "report": MATCH}, "getRowsResponse"),
        Output({"type": "detail-count", "report": MATCH}, "children"),
        Input({"type": "detail-grid", "report": MATCH}, "getRowsRequest"),
        State({"type": "page-query", "report": MATCH}, "data"),
        prevent_initial_call=True,
    )
    def detail_rows(request, query):  # type: ignore[no-untyped-def]
        slug = ctx.triggered_id["report"]
        report = _report(slug)
        viewer = auth.require_page(slug)
        if not request:
            raise PreventUpdate
        args = {k: v for k, v in (query or {}).items() if k not in CONTROL_KEYS}
        try:
            values = engine.parse_filters(report, args, settings.today)
            start = int(request.get("startRow") or 0)
            end = int(request.get("endRow") or start + 100)
            sort = [(s["colId"], s["sort"]) for s in request.get("sortModel") or []]
            filters = request.get("filterModel") or {}
            base = orjson.dumps([viewer.user_id, slug, args, sort, filters],
                                option=orjson.OPT_SORT_KEYS).decode()
            cursor = _CURSORS.get(f"{base}|{start}")
            result = engine.run_detail(settings, report, values, viewer, sort=sort,
                                       limit=end - start, cursor=cursor,
                                       offset=None if cursor else start,
                                       column_filters=filters)
        except engine.FilterError as exc:
            return {"rowData": [], "rowCount": 0}, f"查询条件有误: {exc.message}"
        if result.next_cursor:
            _CURSORS[f"{base}|{end}"] = result.next_cursor
            while len(_CURSORS) > _MAX_CURSORS:
                _CURSORS.popitem(last=False)
        count = f"共 {result.total:,} 条"
        return {"rowData": result.rows, "rowCount": result.total}, count if start == 0 \
            else no_update
