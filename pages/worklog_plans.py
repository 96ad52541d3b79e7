"""7.1 计划日志与录入: the year's expense budget, monthly and daily plans with their
customers (from the user's customers, or a prospect entered on the spot), submitted to
the 科长 / 支公司经理 the organisation names; the reviewer's feedback and every step."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_mantine_components as dmc
from dash import Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

import auth
from data.settings import Settings
from engines.base import Engine
from ops import worklog_daily as daily
from ops import worklog_entries as entries
from ops import worklog_plans as plans
from ops.worklog_fields import WorklogError, money_text
from ops.worklog_tables import PLAN_KINDS, PROSPECT_KINDS
from pages.worklog_common import (
    client_ip,
    customer_badge,
    grid,
    hidden,
    minutes_text,
    money_column,
    ok,
    page_layout,
    refused,
    section,
)
from queries.access import Viewer
from queries.worklog_store import customer_choices

SLUG = "worklog-plans"
PICKER_CUSTOMERS = 1000
FIELDS = ("kind", "start_date", "end_date", "purpose", "planned_cost", "customers",
          "customer_name", "customer_kind", "id_no")
IDS = {f: f"wp-{f.replace('_', '-')}" for f in FIELDS}
# Date, state and purpose first: what a phone shows without scrolling the grid.
COLUMNS = [
    {"field": "start_date", "headerName": "开始日期", "minWidth": 104, "maxWidth": 120},
    {"field": "status_label", "headerName": "状态", "maxWidth": 100},
    {"field": "purpose", "headerName": "计划目的", "minWidth": 150, "tooltipField": "purpose"},
    money_column("planned_cost", "计划费用"),
    {"field": "kind", "headerName": "类别", "maxWidth": 130},
    {"field": "end_date", "headerName": "结束日期", "minWidth": 110, "maxWidth": 120},
    {"field": "reviewer_name", "headerName": "审批人", "maxWidth": 120},
    {"field": "review_comment", "headerName": "审批意见", "minWidth": 160},
]


def _field_of(exc: WorklogError) -> str:
    """The form field a refusal names (a plan's customer list is one picker and one
    prospect row here)."""
    name = exc.field
    if name.startswith("customers["):
        tail = name.rsplit(".", 1)[-1]
        return tail if tail in ("customer_name", "customer_kind", "id_no") else "customers"
    return name


def _errors(exc: WorklogError | None) -> list[str | None]:
    at = _field_of(exc) if exc is not None else None
    return [exc.message if exc is not None and at == f else None for f in FIELDS]


def _customer_data(engine: Engine, viewer: Viewer, keep: list[str] | None = None
                   ) -> list[dict[str, str]]:
    """The user's customers, latest business first, searched in the browser as typed."""
    data = [{"value": c, "label": f"{n} · {c}"}
            for c, n in customer_choices(engine, viewer.scope, limit=PICKER_CUSTOMERS)]
    known = {d["value"] for d in data}
    return [*data, *({"value": k, "label": k} for k in keep or [] if k not in known)]


def _budget_text(engine: Engine, viewer: Viewer, year: int) -> str:
    mine = [b for b in daily.list_budgets(engine.settings, viewer, year)
            if b["user_id"] == viewer.user_id]
    spent = sum(e["cost"] for e in entries.list_entries(
        engine, viewer, date(year, 1, 1), date(year, 12, 31), mine=True))
    budget = f"{money_text(mine[0]['amount'])} 元" if mine else "未填写"
    return f"{year} 年预算 {budget} · 已记费用 {money_text(spent)} 元"


def build(viewer: Viewer, settings: Settings) -> Any:
    today = entries.local_today(settings)
    return dmc.Stack(gap="md", children=[
        dmc.Title("计划日志与录入", order=3),
        section("年费用预算", dmc.Group(align="flex-end", children=[
            dmc.NumberInput(id="wp-year", label="年度", value=today.year, min=2000,
                            max=today.year + 1, w=110, thousandSeparator=""),
            dmc.NumberInput(id="wp-budget", label="年费用预算 (元)", min=0, decimalScale=2,
                            thousandSeparator=",", hideControls=True, w=200),
            dmc.Button("保存预算", id="wp-budget-save", variant="light"),
            dmc.Text(_budget_text(auth.current_engine(), viewer, today.year), id="wp-budget-text",
                     size="sm", c="dimmed"),
        ]), html.Div(id="wp-budget-message")),
        section("填写计划", dmc.Stack(gap="sm", maw=760, children=[
            dmc.InputWrapper(id=IDS["kind"], label="计划类别", children=dmc.SegmentedControl(
                id="wp-kind-choice", data=list(PLAN_KINDS), value=PLAN_KINDS[1])),
            dmc.SimpleGrid(cols={"base": 1, "sm": 3}, spacing="sm", children=[
                dmc.DateInput(id=IDS["start_date"], label="开始日期 (日计划即当天)",
                              value=today.isoformat(), valueFormat="YYYY-MM-DD"),
                dmc.DateInput(id=IDS["end_date"], label="结束日期 (可空)",
                              valueFormat="YYYY-MM-DD", clearable=True),
                dmc.NumberInput(id=IDS["planned_cost"], label="计划费用 (元)", min=0,
                                decimalScale=2, thousandSeparator=",", hideControls=True),
            ]),
            dmc.Textarea(id=IDS["purpose"], label="计划目的", autosize=True, minRows=2,
                         placeholder="例: 拜访续保客户, 确认续保意向"),
            dmc.MultiSelect(id=IDS["customers"], label="客户 (我的客户)", searchable=True,
                            clearable=True, data=_customer_data(auth.current_engine(), viewer),
                            limit=30,
                            placeholder="输入姓名或客户代码查找",
                            nothingFoundMessage="没有找到, 可在下面填写新客户"),
            dmc.SimpleGrid(cols={"base": 1, "sm": 2, "md": 4}, spacing="sm", children=[
                dmc.TextInput(id=IDS["customer_name"], label="新客户名称 (可空)"),
                dmc.Select(id=IDS["customer_kind"], label="新客户类别",
                           data=list(PROSPECT_KINDS), clearable=True),
                dmc.TextInput(id="wp-phone", label="新客户电话", inputProps={"inputMode": "tel"}),
                dmc.TextInput(id=IDS["id_no"], label="证件号 (可空)",
                              placeholder="身份证或信用代码"),
            ]),
            dmc.Text("新客户在下一次数据装载时进入客户识别: 已有客户并入其统一客户号, "
                     "新客户取得新的统一客户号。", size="xs", c="dimmed"),
            dmc.Group(children=[
                dmc.Button("保存草稿", id="wp-save", variant="light"),
                dmc.Button("保存并报备", id="wp-submit-new"),
                dmc.Button("取消修改", id="wp-cancel", variant="subtle", style=hidden(True)),
            ]),
            html.Div(id="wp-message"),
        ])),
        section("我的计划", grid("wp-grid", COLUMNS, 340, select=True),
                html.Div(id="wp-detail", children=dmc.Text(
                    "点选一行查看审批记录; 草稿和退回的计划可修改后报备。", size="sm",
                    c="dimmed", mt="xs"))),
        dash.dcc.Store(id="wp-editing"), dash.dcc.Store(id="wp-selected"),
        dash.dcc.Store(id="wp-refresh", data=0),
    ])


def _detail(p: dict[str, Any]) -> Any:
    steps = [dmc.TimelineItem(title=f"{s['step_label']} · {s['by_name']}", children=[
        dmc.Text(s["comment"] or "—", size="sm"),
        dmc.Text(minutes_text(s["at"]), size="xs", c="dimmed")])
        for s in p["history"]]
    editable = p["status"] in plans.EDITABLE
    return dmc.Stack(gap="xs", mt="sm", children=[
        dmc.Text(f"{p['kind']} {p['start_date']}–{p['end_date']} · {p['status_label']}",
                 fw=600, size="sm"),
        dmc.Group(gap="xs", children=[dmc.Text("客户:", size="sm"),
                                      *(customer_badge(c) for c in p["customers"])]
                  if p["customers"] else [dmc.Text("未填客户", size="sm", c="dimmed")]),
        dmc.Alert(f"审批意见: {p['review_comment']}", color="orange" if p["status"] ==
                  "returned" else "green") if p["review_comment"] else None,
        dmc.Timeline(active=len(steps) - 1, bulletSize=14, children=steps) if steps
        else dmc.Text("尚未报备", size="sm", c="dimmed"),
        dmc.Group(children=[
            dmc.Button("修改此计划", id="wp-edit", variant="light", size="compact-sm",
                       disabled=not editable),
            dmc.Button("报备", id="wp-submit", size="compact-sm", disabled=not editable),
        ]),
    ])


def _register_rows(app: Dash) -> None:
    @app.callback(Output("wp-grid", "rowData"), Input("wp-refresh", "data"))
    def rows(_n: int) -> Any:
        viewer = auth.require_page(SLUG)
        return plans.list_plans(auth.current_engine(), viewer, mine=True, limit=500)


def _register_budget(app: Dash) -> None:
    @app.callback(Output("wp-budget-message", "children"), Output("wp-budget-text", "children"),
                  Input("wp-budget-save", "n_clicks"), State("wp-year", "value"),
                  State("wp-budget", "value"), prevent_initial_call=True)
    def budget(_n: int, year: int | None, amount: Any) -> Any:
        viewer = auth.require_page(SLUG)
        settings = auth.current_settings()
        try:
            saved = daily.set_budget(settings, viewer, {"year": year, "amount": amount},
                                     client_ip())
        except WorklogError as exc:
            return refused(exc), no_update
        return (ok(f"已保存 {saved['year']} 年预算 {money_text(saved['amount'])} 元"),
                _budget_text(auth.current_engine(), viewer, saved["year"]))


def _register_save(app: Dash) -> None:
    @app.callback(Output("wp-message", "children"), *[Output(IDS[f], "error") for f in FIELDS],
                  Output("wp-refresh", "data"), Output("wp-editing", "data"),
                  Output("wp-cancel", "style"), Output(IDS["purpose"], "value"),
                  Output(IDS["customers"], "value"), Output(IDS["customer_name"], "value"),
                  Output(IDS["customer_kind"], "value", allow_duplicate=True),
                  Output("wp-phone", "value", allow_duplicate=True),
                  Output(IDS["id_no"], "value", allow_duplicate=True),
                  Input("wp-save", "n_clicks"), Input("wp-submit-new", "n_clicks"),
                  State("wp-kind-choice", "value"), State(IDS["start_date"], "value"),
                  State(IDS["end_date"], "value"), State(IDS["purpose"], "value"),
                  State(IDS["planned_cost"], "value"), State(IDS["customers"], "value"),
                  State(IDS["customer_name"], "value"), State(IDS["customer_kind"], "value"),
                  State("wp-phone", "value"), State(IDS["id_no"], "value"),
                  State("wp-editing", "data"), State("wp-refresh", "data"),
                  prevent_initial_call=True)
    # Dash passes one positional argument per Input and State, in their order.
    def save(_s, _n, kind, start, end, purpose, cost, codes, name, ckind, phone, id_no,  # noqa: PLR0913, PLR0917
             editing, refresh):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        engine = auth.current_engine()
        customers: list[dict[str, Any]] = [{"customer_code": c} for c in codes or []]
        if (name or "").strip() or ckind:
            customers.append({"customer_name": name, "customer_kind": ckind, "phone": phone,
                              "id_no": id_no})
        data = {"kind": kind, "start_date": start, "end_date": end or start,
                "purpose": purpose, "planned_cost": cost, "customers": customers,
                "submit": ctx.triggered_id == "wp-submit-new"}
        try:
            if editing:
                saved = plans.update_plan(engine, viewer, int(editing), data, client_ip())
                if data["submit"]:
                    saved = plans.submit_plan(engine, viewer, int(editing), {}, client_ip())
            else:
                saved = plans.create_plan(engine, viewer, data, client_ip())
        except WorklogError as exc:
            return (refused(exc), *_errors(exc), *[no_update] * 9)
        where = f", 已报备给 {saved['reviewer_name']}" if saved["status"] == "submitted" else ""
        return (ok(f"已保存计划 {saved['start_date']} {saved['kind']}{where}"), *_errors(None),
                (refresh or 0) + 1, None, hidden(True), "", [], "", None, "", "")


def _register_select(app: Dash) -> None:
    @app.callback(Output("wp-detail", "children"), Output("wp-selected", "data"),
                  Input("wp-grid", "selectedRows"), prevent_initial_call=True)
    def select(rows_: list[dict[str, Any]] | None) -> Any:
        viewer = auth.require_page(SLUG)
        if not rows_:
            raise PreventUpdate
        try:
            p = plans.plan(auth.current_engine(), viewer, int(rows_[0]["plan_id"]))
        except WorklogError as exc:
            return refused(exc), None
        return _detail(p), p["plan_id"]


def _register_edit(app: Dash) -> None:
    @app.callback(Output("wp-kind-choice", "value"), Output(IDS["start_date"], "value"),
                  Output(IDS["end_date"], "value"),
                  Output(IDS["purpose"], "value", allow_duplicate=True),
                  Output(IDS["planned_cost"], "value"),
                  Output(IDS["customers"], "data", allow_duplicate=True),
                  Output(IDS["customers"], "value", allow_duplicate=True),
                  Output(IDS["customer_name"], "value", allow_duplicate=True),
                  Output(IDS["customer_kind"], "value"), Output("wp-phone", "value"),
                  Output(IDS["id_no"], "value"),
                  Output("wp-editing", "data", allow_duplicate=True),
                  Output("wp-cancel", "style", allow_duplicate=True),
                  Input("wp-edit", "n_clicks"), Input("wp-cancel", "n_clicks"),
                  State("wp-selected", "data"), prevent_initial_call=True)
    def edit(_e: int | None, _c: int | None, plan_id: int | None) -> Any:
        viewer = auth.require_page(SLUG)
        engine = auth.current_engine()
        if ctx.triggered_id == "wp-cancel":
            return (no_update, no_update, None, "", None, no_update, [], "", None, "", "",
                    None, hidden(True))
        if not plan_id or not _e:
            raise PreventUpdate
        p = plans.plan(engine, viewer, int(plan_id))
        codes = [c["customer_code"] for c in p["customers"] if c["customer_code"]]
        prospect = next((c for c in p["customers"] if not c["customer_code"]), None) or {}
        return (p["kind"], p["start_date"], p["end_date"], p["purpose"], p["planned_cost"],
                _customer_data(engine, viewer, codes), codes,
                prospect.get("customer_name") or "", prospect.get("customer_kind"),
                prospect.get("phone") or "", prospect.get("id_no") or "", p["plan_id"], {})


def _register_submit(app: Dash) -> None:
    @app.callback(Output("wp-message", "children", allow_duplicate=True),
                  Output("wp-refresh", "data", allow_duplicate=True),
                  Output("wp-detail", "children", allow_duplicate=True),
                  Input("wp-submit", "n_clicks"), State("wp-selected", "data"),
                  State("wp-refresh", "data"), prevent_initial_call=True)
    def submit(n: int | None, plan_id: int | None, refresh: int | None) -> Any:
        viewer = auth.require_page(SLUG)
        if not n or not plan_id:
            raise PreventUpdate
        try:
            p = plans.submit_plan(auth.current_engine(), viewer, int(plan_id), {},
                                  client_ip())
        except WorklogError as exc:
            return refused(exc), no_update, no_update
        return (ok(f"已报备给 {p['reviewer_name']}"), (refresh or 0) + 1, _detail(p))


def register(app: Dash) -> None:
    dash.register_page(SLUG, path=f"/worklog/{SLUG}", title="计划日志与录入",
                       layout=page_layout(SLUG, build))
    _register_rows(app)
    _register_budget(app)
    _register_save(app)
    _register_select(app)
    _register_edit(app)
    _register_submit(app)
