"""审计日志: sign-ins and failures, sign-outs, grant changes and exports, as an
administrator reads them (local time, page titles, user names, details in Chinese);
filterable by user, event and date and exportable to CSV. Administrators only, checked
on the server."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State
from flask import Response, request

import auth
from auth.audit import EVENT_LABELS
from auth.audit_view import audit_rows, user_options
from data.settings import Settings
from layouts.grid import LOCALE_TEXT
from pages.reports import forbidden_notice
from queries.engine import ColumnMeta
from queries.export import csv_chunks

SLUG = "admin-audit"
COLUMNS = [ColumnMeta("at", "时间", "text"), ColumnMeta("user", "用户", "text"),
           ColumnMeta("event_label", "事件", "text"), ColumnMeta("page_title", "页面", "text"),
           ColumnMeta("rows", "行数", "int"), ColumnMeta("detail_text", "详情", "text"),
           ColumnMeta("ip", "IP 地址", "text")]
WIDTHS = {"at": 165, "user": 150, "event_label": 96, "page_title": 170, "rows": 80,
          "ip": 120}


def layout(**_args: str) -> Any:
    try:
        auth.require_page(SLUG)
    except auth.Forbidden:
        return forbidden_notice("审计日志")
    settings: Settings = auth.current_settings()
    columns = [{"field": c.key, "headerName": c.label, "tooltipField": c.key,
                **({"width": WIDTHS[c.key], "flex": 0} if c.key in WIDTHS else
                   {"flex": 1, "minWidth": 320})}
               for c in COLUMNS]
    columns[4].update(type="rightAligned", valueFormatter={
        "function": "params.value == null ? '' : params.value.toLocaleString('en-US')"})
    return dmc.Stack(children=[
        dmc.Title("审计日志", order=3),
        dmc.Text(f"时间为本地时间 ({settings.time_zone}); 按日期筛选亦按本地日期。", size="sm",
                 c="dimmed"),
        dmc.Group(align="flex-end", children=[
            dmc.DatePickerInput(id="audit-dates", type="range", label="日期", value=[None, None],
                                valueFormat="YYYY-MM-DD", clearable=True, w=260,
                                allowSingleDateInRange=True),
            dmc.Select(id="audit-user", label="用户", data=user_options(settings),
                       searchable=True, clearable=True, w=240, limit=100,
                       nothingFoundMessage="没有该用户"),
            dmc.Select(id="audit-event", label="事件", clearable=True, w=160,
                       data=[{"value": k, "label": v} for k, v in EVENT_LABELS.items()]),
            dmc.Button("查询", id="audit-run"),
            dmc.Anchor("导出 CSV", id="audit-export", href="/export/admin-audit.csv",
                       refresh=True, size="sm"),
        ]),
        dag.AgGrid(id="audit-grid", rowData=[], columnDefs=columns,
                   defaultColDef={"resizable": True, "sortable": True},
                   dashGridOptions={"localeText": LOCALE_TEXT, "tooltipShowDelay": 300},
                   style={"height": "65vh"}),
    ])


def _args(dates: Any, user: Any, event: Any) -> dict[str, Any]:
    lo, hi = ([*(dates or []), None, None])[:2]
    return {"from": lo, "to": hi or lo, "user": user, "event": event}


def register(app: Dash, settings: Settings) -> None:
    dash.register_page(SLUG, path=f"/admin/{SLUG}", title="审计日志", layout=layout)

    @app.callback(Output("audit-grid", "rowData"), Output("audit-export", "href"),
                  Input("audit-run", "n_clicks"), State("audit-dates", "value"),
                  State("audit-user", "value"), State("audit-event", "value"))
    def run(_n, dates, user, event):  # type: ignore[no-untyped-def]
        auth.require_page(SLUG)
        args = _args(dates, user, event)
        href = "/export/admin-audit.csv?" + urlencode({k: v for k, v in args.items() if v})
        return audit_rows(auth.current_settings(), args), href

    @app.server.get("/export/admin-audit.csv")
    def export_audit() -> Response:
        auth.require_page(SLUG)
        args = {k: request.args.get(k) for k in ("from", "to", "user", "event")}
        rows = audit_rows(auth.current_settings(), args, limit=1_000_000)
        auth.audit.record("export", page=SLUG, rows=len(rows),
                          detail={k: v for k, v in args.items() if v})
        resp = Response(csv_chunks(COLUMNS, rows), mimetype="text/csv; charset=utf-8")
        resp.headers["Content-Disposition"] = "attachment; filename=audit.csv"
        return resp
