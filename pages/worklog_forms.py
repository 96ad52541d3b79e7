"""7.4 单证领用日志: the blank forms and certificates issued to the user, used, voided and
returned, with what each holder of the scope still holds."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, html, no_update

import auth
from data.settings import Settings
from ops import worklog_daily as daily
from ops import worklog_entries as entries
from ops.worklog_fields import WorklogError
from ops.worklog_tables import FORM_ACTIONS
from pages.worklog_common import client_ip, field_errors, grid, ok, page_layout, refused, section
from queries.access import Viewer

SLUG = "worklog-forms"
FIELDS = ("date", "form_type", "action", "serial_from", "serial_to", "count", "note")
IDS = {f: f"wf-{f.replace('_', '-')}" for f in FIELDS}
FORM_TYPES = ("机动车保险单", "交强险保险单", "交强险标志", "财产险保险单", "保费发票")
COUNT = {"type": "rightAligned", "maxWidth": 100}
BALANCES = [
    {"field": "author_name", "headerName": "持有人", "maxWidth": 140},
    {"field": "form_type", "headerName": "单证类型", "minWidth": 140},
    *({"field": a, "headerName": a, **COUNT} for a in FORM_ACTIONS),
    {"field": "balance", "headerName": "结存", **COUNT, "cellStyle": {"fontWeight": 600}},
]
MOVES = [
    {"field": "date", "headerName": "日期", "minWidth": 110, "maxWidth": 120},
    {"field": "author_name", "headerName": "持有人", "maxWidth": 130},
    {"field": "form_type", "headerName": "单证类型", "minWidth": 130},
    {"field": "action", "headerName": "操作", "maxWidth": 90},
    {"field": "serial_from", "headerName": "起始号", "maxWidth": 130},
    {"field": "serial_to", "headerName": "终止号", "maxWidth": 130},
    {"field": "count", "headerName": "份数", **COUNT},
    {"field": "note", "headerName": "备注", "minWidth": 120},
]


def build(viewer: Viewer, settings: Settings) -> Any:
    del viewer
    today = entries.local_today(settings).isoformat()
    return dmc.Stack(gap="md", children=[
        dmc.Title("单证领用日志", order=3),
        section("登记领用 / 使用 / 作废 / 归还", dmc.Stack(gap="sm", maw=760, children=[
            dmc.SimpleGrid(cols={"base": 1, "sm": 3}, spacing="sm", children=[
                dmc.DateInput(id=IDS["date"], label="日期", value=today, maxDate=today,
                              valueFormat="YYYY-MM-DD"),
                dmc.Select(id=IDS["form_type"], label="单证类型", data=list(FORM_TYPES),
                           value=FORM_TYPES[0], searchable=True),
                dmc.InputWrapper(id=IDS["action"], label="操作", children=dmc.SegmentedControl(
                    id="wf-action-choice", data=list(FORM_ACTIONS), value=FORM_ACTIONS[0],
                    fullWidth=True)),
                dmc.TextInput(id=IDS["serial_from"], label="起始号"),
                dmc.TextInput(id=IDS["serial_to"], label="终止号"),
                dmc.NumberInput(id=IDS["count"], label="份数 (有起止号时可空)", min=1,
                                allowDecimal=False, hideControls=True),
            ]),
            dmc.TextInput(id=IDS["note"], label="备注"),
            dmc.Button("登记", id="wf-save", w=140),
            html.Div(id="wf-message"),
        ])),
        section("结存 (我的数据范围)", grid("wf-balances", BALANCES, 220)),
        section("领用记录", grid("wf-moves", MOVES, 320)),
        dash.dcc.Store(id="wf-refresh", data=0),
    ])


def register(app: Dash) -> None:
    dash.register_page(SLUG, path=f"/worklog/{SLUG}", title="单证领用日志",
                       layout=page_layout(SLUG, build))

    @app.callback(Output("wf-balances", "rowData"), Output("wf-moves", "rowData"),
                  Input("wf-refresh", "data"))
    def rows(_n: int) -> Any:
        viewer = auth.require_page(SLUG)
        settings = auth.current_settings()
        return daily.form_balances(settings, viewer), daily.list_forms(settings, viewer)

    @app.callback(Output("wf-message", "children"), *[Output(IDS[f], "error") for f in FIELDS],
                  Output("wf-refresh", "data"), Input("wf-save", "n_clicks"),
                  State(IDS["date"], "value"), State(IDS["form_type"], "value"),
                  State("wf-action-choice", "value"), State(IDS["serial_from"], "value"),
                  State(IDS["serial_to"], "value"), State(IDS["count"], "value"),
                  State(IDS["note"], "value"), State("wf-refresh", "data"),
                  prevent_initial_call=True)
    # Dash passes one positional argument per Input and State, in their order.
    def save(_n, day, form_type, action, first, last, count, note, refresh):  # type: ignore[no-untyped-def]  # noqa: PLR0917
        viewer = auth.require_page(SLUG)
        data = {"date": day, "form_type": form_type, "action": action, "serial_from": first,
                "serial_to": last, "count": count, "note": note}
        try:
            saved = daily.record_forms(auth.current_settings(), viewer, data, client_ip())
        except WorklogError as exc:
            return refused(exc), *field_errors(FIELDS, exc), no_update
        return (ok(f"已登记{action} {form_type}; 结存 {saved['balance']} 份"),
                *field_errors(FIELDS, None), (refresh or 0) + 1)
