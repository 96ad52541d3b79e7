"""7.3 报备计划管理: the plans waiting for this user's decision (those submitted to them;
for a 支公司经理 or 总经理 also those of the branch / company waiting elsewhere), each with
its customers, the notes written under it and its steps; approve, or return with a
comment the employee sees. Decided plans of the scope below."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

import auth
from ops import worklog_entries as entries
from ops import worklog_plans as plans
from ops.worklog_fields import WorklogError, money_text
from pages.worklog_common import (
    MINUTES,
    client_ip,
    customer_badge,
    grid,
    money_column,
    ok,
    page_layout,
    refused,
    section,
)
from queries.access import Viewer

SLUG = "worklog-review"
QUEUE = [
    {"field": "author_name", "headerName": "填写人", "maxWidth": 120},
    {"field": "kind", "headerName": "类别", "maxWidth": 130},
    {"field": "start_date", "headerName": "开始日期", "minWidth": 110, "maxWidth": 120},
    {"field": "end_date", "headerName": "结束日期", "minWidth": 110, "maxWidth": 120},
    {"field": "purpose", "headerName": "计划目的", "minWidth": 200, "tooltipField": "purpose"},
    money_column("planned_cost", "计划费用"),
    {"field": "reviewer_name", "headerName": "报备给", "maxWidth": 120},
    {"field": "submitted_at", "headerName": "报备时间", "maxWidth": 170,
     "valueFormatter": MINUTES},
]
DONE = [*QUEUE[:6], {"field": "status_label", "headerName": "结论", "maxWidth": 100},
        {"field": "reviewer_name", "headerName": "审批人", "maxWidth": 120},
        {"field": "review_comment", "headerName": "审批意见", "minWidth": 160}]


def build(viewer: Viewer, settings: Any) -> Any:
    del viewer, settings
    return dmc.Stack(gap="md", children=[
        dmc.Title("报备计划管理", order=3),
        dmc.Text("员工报备的计划按组织架构送到科长, 没有科长时送到支公司经理。批准, 或填写意见"
                 "后退回; 员工在“计划日志与录入”看到结论和意见。", size="sm", c="dimmed"),
        section("待我审批", grid("wr-queue", QUEUE, 300, select=True),
                html.Div(id="wr-detail", children=dmc.Text("点选一行查看计划和记事。", size="sm",
                                                           c="dimmed", mt="xs"))),
        section("近 60 天已审批 (我的数据范围)", grid("wr-done", DONE, 280)),
        dash.dcc.Store(id="wr-selected"), dash.dcc.Store(id="wr-refresh", data=0),
    ])


def _detail(p: dict[str, Any], notes: list[dict[str, Any]]) -> Any:
    spent = sum(n["cost"] for n in notes)
    note_lines = [dmc.Text(f"{n['date']} · {n['customer_name'] or '未填客户'} · "
                           f"{n['kind'] or ''} {money_text(n['cost'])} 元 · {n['content']}",
                           size="sm") for n in notes] or [dmc.Text("尚无记事", size="sm",
                                                                   c="dimmed")]
    return dmc.Stack(gap="xs", mt="sm", children=[
        dmc.Text(f"{p['author_name']} · {p['kind']} {p['start_date']}–{p['end_date']} · "
                 f"计划费用 {money_text(p['planned_cost'])} 元 · 已记费用 "
                 f"{money_text(spent)} 元", fw=600, size="sm"),
        dmc.Text(f"目的: {p['purpose']}", size="sm"),
        dmc.Group(gap="xs", children=[dmc.Text("客户:", size="sm"),
                                      *(customer_badge(c) for c in p["customers"])]
                  if p["customers"] else [dmc.Text("客户: 未填客户", size="sm")]),
        *note_lines,
        dmc.Textarea(id="wr-comment", label="审批意见 (退回时必填)", autosize=True, minRows=2,
                     maw=640),
        dmc.Group(children=[
            dmc.Button("批准", id="wr-approve", color="green"),
            dmc.Button("退回", id="wr-return", color="orange", variant="light"),
        ]),
        html.Div(id="wr-message"),
    ])


def register(app: Dash) -> None:
    dash.register_page(SLUG, path=f"/worklog/{SLUG}", title="报备计划管理",
                       layout=page_layout(SLUG, build))

    @app.callback(Output("wr-queue", "rowData"), Output("wr-done", "rowData"),
                  Input("wr-refresh", "data"))
    def rows(_n: int) -> Any:
        viewer = auth.require_page(SLUG)
        settings = auth.current_settings()
        today = entries.local_today(settings)
        done = [p for p in plans.list_plans(auth.current_engine(), viewer,
                                            today - timedelta(days=60),
                                            today + timedelta(days=31), limit=1000)
                if p["status"] in ("approved", "returned") and p["user_id"] != viewer.user_id]
        return plans.review_queue(auth.current_engine(), viewer), done

    @app.callback(Output("wr-detail", "children"), Output("wr-selected", "data"),
                  Input("wr-queue", "selectedRows"), prevent_initial_call=True)
    def select(chosen: list[dict[str, Any]] | None) -> Any:
        viewer = auth.require_page(SLUG)
        engine = auth.current_engine()
        if not chosen:
            raise PreventUpdate
        try:
            p = plans.plan(engine, viewer, int(chosen[0]["plan_id"]))
        except WorklogError as exc:
            return refused(exc), None
        notes = [n for n in entries.list_entries(
            engine, viewer, date.fromisoformat(p["start_date"]),
            date.fromisoformat(p["end_date"])) if n["plan_id"] == p["plan_id"]]
        return _detail(p, notes), p["plan_id"]

    @app.callback(Output("wr-detail", "children", allow_duplicate=True),
                  Output("wr-refresh", "data"), Output("wr-message", "children"),
                  Output("wr-comment", "error"),
                  Input("wr-approve", "n_clicks"), Input("wr-return", "n_clicks"),
                  State("wr-comment", "value"), State("wr-selected", "data"),
                  State("wr-refresh", "data"), prevent_initial_call=True)
    def decide(a: int | None, r: int | None, comment: str | None, plan_id: int | None,
               refresh: int | None) -> Any:
        viewer = auth.require_page(SLUG)
        if not plan_id or not (a or r):
            raise PreventUpdate
        decision = "approve" if ctx.triggered_id == "wr-approve" else "return"
        try:
            p = plans.review_plan(auth.current_engine(), viewer, int(plan_id),
                                  {"decision": decision, "comment": comment or ""},
                                  client_ip())
        except WorklogError as exc:
            return (no_update, no_update, refused(exc),
                    exc.message if exc.field == "comment" else None)
        return (ok(f"{p['status_label']}: {p['author_name']} 的{p['kind']} {p['start_date']}"),
                (refresh or 0) + 1, None, None)
