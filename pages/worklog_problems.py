"""7.5 待解决问题: a problem recorded by an employee and sent to the person responsible,
with its status and replies; the problems of the user's scope and those sent to them."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

import auth
from data.settings import Settings
from ops import worklog_daily as daily
from ops.worklog_fields import WorklogError
from ops.worklog_tables import PROBLEM_STATUSES
from pages.worklog_common import (
    MINUTES,
    client_ip,
    field_errors,
    grid,
    minutes_text,
    ok,
    page_layout,
    refused,
    section,
)
from queries.access import Viewer

SLUG = "worklog-problems"
FIELDS = ("title", "body", "assignee_user_id")
IDS = {f: f"wq-{f.replace('_', '-')}" for f in FIELDS}
COLUMNS = [
    {"field": "title", "headerName": "问题", "minWidth": 220, "tooltipField": "title"},
    {"field": "author_name", "headerName": "提出人", "maxWidth": 120},
    {"field": "assignee_name", "headerName": "负责人", "maxWidth": 120},
    {"field": "status", "headerName": "状态", "maxWidth": 100},
    {"field": "created_at", "headerName": "提出时间", "maxWidth": 160, "valueFormatter": MINUTES},
    {"field": "updated_at", "headerName": "更新时间", "maxWidth": 160, "valueFormatter": MINUTES},
]


def build(viewer: Viewer, settings: Settings) -> Any:
    people = [{"value": str(i), "label": name} for i, name in daily.assignees(settings, viewer)]
    return dmc.Stack(gap="md", children=[
        dmc.Title("待解决问题", order=3),
        section("提出问题", dmc.Stack(gap="sm", maw=760, children=[
            dmc.TextInput(id=IDS["title"], label="问题", placeholder="一句话说明"),
            dmc.Textarea(id=IDS["body"], label="详细说明", autosize=True, minRows=2),
            dmc.Select(id=IDS["assignee_user_id"], label="负责人", data=people,
                       searchable=True, maw=320),
            dmc.Button("提交", id="wq-save", w=140),
            html.Div(id="wq-message"),
        ])),
        section("问题列表", grid("wq-grid", COLUMNS, 300, select=True),
                html.Div(id="wq-detail", children=dmc.Text("点选一行查看回复, 或回复并改变状态。",
                                                           size="sm", c="dimmed", mt="xs"))),
        dash.dcc.Store(id="wq-selected"), dash.dcc.Store(id="wq-refresh", data=0),
    ])


def _detail(p: dict[str, Any]) -> Any:
    replies = [dmc.TimelineItem(title=f"{r['by_name']}" + (f" → {r['status_after']}"
                                                          if r["status_after"] else ""),
                                children=[dmc.Text(r["body"], size="sm"),
                                          dmc.Text(minutes_text(r["at"]), size="xs", c="dimmed")])
               for r in p["replies"]]
    return dmc.Stack(gap="xs", mt="sm", children=[
        dmc.Text(f"{p['title']} · {p['status']} · 提出人 {p['author_name']} · 负责人 "
                 f"{p['assignee_name']}", fw=600, size="sm"),
        dmc.Text(p["body"] or "—", size="sm"),
        dmc.Timeline(active=len(replies) - 1, bulletSize=14, children=replies) if replies
        else dmc.Text("尚无回复", size="sm", c="dimmed"),
        dmc.Textarea(id="wq-reply", label="回复", autosize=True, minRows=2, maw=640),
        dmc.Group(children=[
            dmc.Select(id="wq-status", label="改为状态 (可不选)", data=list(PROBLEM_STATUSES),
                       clearable=True, w=180),
            dmc.Button("回复", id="wq-reply-save", mt=24),
        ]),
        html.Div(id="wq-reply-message"),
    ])


def register(app: Dash) -> None:
    dash.register_page(SLUG, path=f"/worklog/{SLUG}", title="待解决问题",
                       layout=page_layout(SLUG, build))

    @app.callback(Output("wq-grid", "rowData"), Input("wq-refresh", "data"))
    def rows(_n: int) -> Any:
        viewer = auth.require_page(SLUG)
        return daily.list_problems(auth.current_settings(), viewer)

    @app.callback(Output("wq-message", "children"), *[Output(IDS[f], "error") for f in FIELDS],
                  Output("wq-refresh", "data"), Input("wq-save", "n_clicks"),
                  State(IDS["title"], "value"), State(IDS["body"], "value"),
                  State(IDS["assignee_user_id"], "value"), State("wq-refresh", "data"),
                  prevent_initial_call=True)
    def raise_(_n, title, body, assignee, refresh):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        try:
            saved = daily.raise_problem(auth.current_settings(), viewer, {
                "title": title, "body": body, "assignee_user_id": assignee}, client_ip())
        except WorklogError as exc:
            return refused(exc), *field_errors(FIELDS, exc), no_update
        return (ok(f"已提交给 {saved['assignee_name']}"), *field_errors(FIELDS, None),
                (refresh or 0) + 1)

    @app.callback(Output("wq-detail", "children"), Output("wq-selected", "data"),
                  Input("wq-grid", "selectedRows"), prevent_initial_call=True)
    def select(chosen: list[dict[str, Any]] | None) -> Any:
        viewer = auth.require_page(SLUG)
        if not chosen:
            raise PreventUpdate
        try:
            p = daily.problem(auth.current_settings(), viewer, int(chosen[0]["problem_id"]))
        except WorklogError as exc:
            return refused(exc), None
        return _detail(p), p["problem_id"]

    @app.callback(Output("wq-detail", "children", allow_duplicate=True),
                  Output("wq-refresh", "data", allow_duplicate=True),
                  Output("wq-reply-message", "children"),
                  Input("wq-reply-save", "n_clicks"), State("wq-reply", "value"),
                  State("wq-status", "value"), State("wq-selected", "data"),
                  State("wq-refresh", "data"), prevent_initial_call=True)
    def reply(n, body, status, problem_id, refresh):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        if not n or not problem_id:
            raise PreventUpdate
        try:
            p = daily.reply_problem(auth.current_settings(), viewer, int(problem_id),
                                    {"body": body, "status": status}, client_ip())
        except WorklogError as exc:
            return no_update, no_update, refused(exc)
        return _detail(p), (refresh or 0) + 1, ok("已回复")
