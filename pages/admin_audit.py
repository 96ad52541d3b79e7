"""审计日志: sign-ins and failures, sign-outs, grant changes and exports; filterable and
exportable to CSV. Administrators only, checked on the server."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State
from flask import Response, request

import auth
from auth.audit import EVENT_LABELS, query_audit
from data.settings import Settings
from layouts.grid import LOCALE_TEXT
from pages.reports import forbidden_notice
from queries.engine import ColumnMeta
from queries.export import csv_chunks

SLUG = "admin-audit"
COLUMNS = [ColumnMeta("at", "时间 (UTC)", "text"), ColumnMeta("username", "用户", "text"),
           ColumnMeta("event_label", "事件", "text"), ColumnMeta("page", "页面", "text"),
           ColumnMeta("rows", "行数", "int"), ColumnMeta("detail", "详情", "text"),
           ColumnMeta("ip", "IP", "text")]


def _rows(settings: Settings, args: dict[str, Any]) -> list[dict[str, Any]]:
    rows = query_audit(settings.users_db, date_from=args.get("from") or None,
                       date_to=args.get("to") or None, username=args.get("user") or None,
                       event=args.get("event") or None)
    for r in rows:
        r["event_label"] = EVENT_LABELS.get(r["event"], r["event"])
    return rows


def layout(**_args: str) -> Any:
    try:
        auth.require_page(SLUG)
    except auth.Forbidden:
        return forbidden_notice("审计日志")
    return dmc.Stack(children=[
        dmc.Title("审计日志", order=3),
        dmc.Group(align="flex-end", children=[
            dmc.DatePickerInput(id="audit-dates", type="range", label="日期", value=[None, None],
                                valueFormat="YYYY-MM-DD", clearable=True, w=260),
            dmc.TextInput(id="audit-user", label="用户 (员工代码)", w=160),
            dmc.Select(id="audit-event", label="事件", clearable=True, w=160,
                       data=[{"value": k, "label": v} for k, v in EVENT_LABELS.items()]),
            dmc.Button("查询", id="audit-run"),
            dmc.Anchor("导出 CSV", id="audit-export", href="/export/admin-audit.csv",
                       refresh=True, size="sm"),
        ]),
        dag.AgGrid(id="audit-grid", rowData=[], defaultColDef={"flex": 1, "minWidth": 100},
                   columnDefs=[{"field": c.key, "headerName": c.label} for c in COLUMNS],
                   dashGridOptions={"localeText": LOCALE_TEXT}, style={"height": "65vh"}),
    ])


def register(app: Dash, settings: Settings) -> None:
    dash.register_page(SLUG, path=f"/admin/{SLUG}", title="审计日志", layout=layout)

    @app.callback(Output("audit-grid", "rowData"), Output("audit-export", "href"),
                  Input("audit-run", "n_clicks"), State("audit-dates", "value"),
                  State("audit-user", "value"), State("audit-event", "value"))
    def run(_n, dates, user, event):  # type: ignore[no-untyped-def]
        auth.require_page(SLUG)
        lo, hi = ([*(dates or []), None, None])[:2]
        args = {"from": lo, "to": hi, "user": user, "event": event}
        from urllib.parse import urlencode

        href = "/export/admin-audit.csv?" + urlencode({k: v for k, v in args.items() if v})
        return _rows(settings, args), href

    @app.server.get("/export/admin-audit.csv")
    def export_audit() -> Response:
        auth.require_page(SLUG)
        rows = _rows(settings, dict(request.args))
        auth.audit.record("export", page=SLUG, rows=len(rows), detail=dict(request.args))
        resp = Response(csv_chunks(COLUMNS, rows), mimetype="text/csv; charset=utf-8")
        resp.headers["Content-Disposition"] = "attachment; filename=audit.csv"
        return resp
