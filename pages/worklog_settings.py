"""6.8 工作日志设置: the per-note expense limit every 工作记事 is checked against
(administrators only, checked on the server; audited)."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, html, no_update

import auth
from data.settings import Settings
from ops import worklog_daily as daily
from ops.worklog_fields import WorklogError, money_text
from pages.reports import forbidden_notice
from pages.worklog_common import client_ip, ok, refused
from queries.access import Viewer

SLUG = "admin-worklog"


def _current(settings: Settings) -> str:
    limit = daily.get_expense_limit(settings)
    return f"当前上限: {money_text(limit)} 元" if limit is not None else "当前不限"


def layout(**_args: str) -> Any:
    try:
        auth.require_page(SLUG)
    except auth.Forbidden:
        return forbidden_notice("工作日志设置")
    settings: Settings = auth.current_settings()
    limit = daily.get_expense_limit(settings)
    return dmc.Stack(maw=560, children=[
        dmc.Title("6.8 工作日志设置", order=3),
        dmc.Text("每条工作记事的费用不得超过单笔上限; 留空表示不限。", size="sm", c="dimmed"),
        dmc.NumberInput(id="ws-limit", label="单笔费用上限 (元)", min=0, decimalScale=2,
                        thousandSeparator=",", hideControls=True,
                        value=float(limit) if limit is not None else None, w=240),
        dmc.Text(_current(settings), id="ws-current", size="sm"),
        dmc.Button("保存", id="ws-save", w=120),
        html.Div(id="ws-message"),
    ])


def _viewer() -> Viewer:
    return auth.require_page(SLUG)


def register(app: Dash) -> None:
    dash.register_page(SLUG, path=f"/admin/{SLUG}", title="工作日志设置", layout=layout)

    @app.callback(Output("ws-message", "children"), Output("ws-current", "children"),
                  Output("ws-limit", "error"), Input("ws-save", "n_clicks"),
                  State("ws-limit", "value"), prevent_initial_call=True)
    def save(_n: int, value: Any) -> Any:
        viewer = _viewer()
        settings = auth.current_settings()
        try:
            daily.set_expense_limit(settings, viewer, {"expense_limit": value}, client_ip())
        except WorklogError as exc:
            return refused(exc), no_update, exc.message
        return ok("已保存, 新录入的记事即按此检查"), _current(settings), None
