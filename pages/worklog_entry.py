"""7.2 工作记事录入: one visit's note and expense, made for a phone in the field (big
fields, today's date and that day's plan filled in, the user's customers to pick from,
the expense kind one tap). The note's author may change it from the list below until its
plan is approved; then a change is saved as a correcting note."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash
import dash_mantine_components as dmc
from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

import auth
from data.settings import Settings
from engines.base import Engine
from ops import worklog_entries as entries
from ops import worklog_plans as plans
from ops.worklog_fields import WorklogError, money_text
from ops.worklog_tables import EXPENSE_KINDS, PROSPECT_KINDS
from pages.worklog_common import client_ip, field_errors, hidden, ok, page_layout, refused
from queries.access import Viewer
from queries.links import customer_url
from queries.worklog_store import customer_choices

SLUG = "worklog-entry"
FIELDS = ("date", "customer_code", "customer_name", "customer_kind", "plan_id", "content",
          "kind", "cost", "receipt_no", "outcome", "policy_no")
IDS = {f: f"we-{f.replace('_', '-')}" for f in FIELDS}
BIG = {"size": "md"}
RECENT = 8
PICKER_CUSTOMERS = 1000


def _customer_data(engine: Engine, viewer: Viewer, keep: str | None = None
                   ) -> list[dict[str, str]]:
    """The user's customers, latest business first, searched in the browser as typed
    (the field lists the first few that match)."""
    found = customer_choices(engine, viewer.scope, limit=PICKER_CUSTOMERS)
    data = [{"value": code, "label": f"{name} · {code}"} for code, name in found]
    if keep and keep not in {d["value"] for d in data}:
        data.insert(0, {"value": keep, "label": keep})
    return data


def _plan_data(engine: Engine, viewer: Viewer) -> list[dict[str, str]]:
    today = entries.local_today(engine.settings)
    found = plans.list_plans(engine, viewer, today - timedelta(days=45),
                             today + timedelta(days=7), mine=True, limit=200)
    return [{"value": str(p["plan_id"]), "label": f"{p['start_date']} {p['kind']} · "
             f"{p['purpose'][:16]} ({p['status_label']})"} for p in found]


def _plan_of_day(engine: Engine, viewer: Viewer, day: str | None) -> str | None:
    """That day's own daily plan, if there is one (a note most often belongs to it)."""
    try:
        when = date.fromisoformat((day or "")[:10])
    except ValueError:
        return None
    found = [p for p in plans.list_plans(engine, viewer, when, when, mine=True, limit=20)
             if p["kind"] == "日常工作计划"]
    return str(found[0]["plan_id"]) if found else None


def _recent(engine: Engine, viewer: Viewer) -> list[Any]:
    rows = entries.list_entries(engine, viewer, mine=True, limit=RECENT)
    if not rows:
        return [dmc.Text("还没有工作记事。", c="dimmed", size="sm")]
    cards = []
    for r in rows:
        cost = f"{r['kind'] or ''} {money_text(r['cost'])} 元" if r["cost"] else "无费用"
        locked = r["plan_status"] == "approved"
        cards.append(dmc.Card(withBorder=True, padding="sm", radius="md", children=[
            dmc.Group(justify="space-between", wrap="nowrap", children=[
                dmc.Text(f"{r['date']} · {r['customer_name'] or '未填客户'}", fw=600,
                         size="sm", truncate="end"),
                dmc.Text(cost, size="sm", c="blue.8", style={"whiteSpace": "nowrap"}),
            ]),
            dmc.Text(r["content"], size="sm", c="dimmed", lineClamp=2),
            dmc.Group(gap="xs", mt=6, children=[
                dmc.Button("更正" if locked else "修改", size="compact-sm", variant="light",
                           id={"type": "we-edit", "index": r["entry_id"]}),
                dmc.Button("删除", size="compact-sm", variant="subtle", color="red",
                           disabled=locked,
                           id={"type": "we-delete", "index": r["entry_id"]}),
                dmc.Badge("计划已批准, 改动存为更正记事", color="gray", variant="light")
                if locked else None,
                dmc.Anchor(r["master_no"], href=customer_url(r["master_no"]), size="xs")
                if r["master_no"] else None,
            ]),
        ]))
    return cards


def build(viewer: Viewer, settings: Settings) -> Any:
    today = entries.local_today(settings).isoformat()
    return dmc.Stack(maw=560, gap="sm", children=[
        dmc.Title("工作记事录入", order=3),
        dmc.Text("每次拜访录一条: 客户、做了什么、花了多少。", size="sm", c="dimmed"),
        dmc.DateInput(id=IDS["date"], label="日期", value=today, valueFormat="YYYY-MM-DD",
                      maxDate=today, **BIG),
        dmc.Select(id=IDS["plan_id"], label="所属计划 (可不选)",
                   data=_plan_data(auth.current_engine(), viewer),
                   value=_plan_of_day(auth.current_engine(), viewer, today),
                   clearable=True, searchable=True, **BIG),
        dmc.Select(id=IDS["customer_code"], label="客户", placeholder="输入姓名或客户代码查找",
                   data=_customer_data(auth.current_engine(), viewer), searchable=True,
                   clearable=True,
                   limit=30,
                   nothingFoundMessage="没有找到, 可打开“新客户”", **BIG),
        dmc.Switch(id="we-new", label="新客户 (客户库中还没有)", size="md"),
        html.Div(id="we-new-fields", style=hidden(True), children=dmc.Stack(gap="sm", children=[
            dmc.TextInput(id=IDS["customer_name"], label="新客户名称", **BIG),
            dmc.InputWrapper(id=IDS["customer_kind"], label="客户类别", size="md", children=
                             dmc.SegmentedControl(id="we-ckind", data=list(PROSPECT_KINDS),
                                                  value=PROSPECT_KINDS[0], fullWidth=True)),
        ])),
        dmc.Textarea(id=IDS["content"], label="工作内容", autosize=True, minRows=2,
                     placeholder="例: 面谈续保, 客户同意下周报价", **BIG),
        dmc.InputWrapper(id=IDS["kind"], label="费用类别", size="md", children=dmc.SegmentedControl(
            id="we-kind-choice", data=list(EXPENSE_KINDS), value=EXPENSE_KINDS[0],
            fullWidth=True, size="md")),
        dmc.SimpleGrid(cols=2, spacing="sm", children=[
            dmc.NumberInput(id=IDS["cost"], label="金额 (元)", min=0, decimalScale=2,
                            thousandSeparator=",", hideControls=True, placeholder="0.00",
                            inputProps={"inputMode": "decimal"}, **BIG),
            dmc.TextInput(id=IDS["receipt_no"], label="票据号", **BIG),
        ]),
        dmc.InputWrapper(id=IDS["outcome"], label="结果", size="md", children=dmc.SegmentedControl(
            id="we-outcome-choice", data=["无", "报价", "签单"], value="无", fullWidth=True,
            size="md")),
        dmc.TextInput(id=IDS["policy_no"], label="保单号 (签单时填写)", **BIG),
        dmc.Button("保存记事", id="we-save", size="lg", fullWidth=True),
        dmc.Button("取消修改", id="we-cancel", variant="subtle", style=hidden(True)),
        html.Div(id="we-message"),
        dash.dcc.Store(id="we-editing"),
        dmc.Title("我最近的记事", order=5, mt="md"),
        dmc.Stack(id="we-recent", gap="xs", children=_recent(auth.current_engine(), viewer)),
    ])


def _register_new_customer(app: Dash) -> None:
    @app.callback(Output("we-new-fields", "style"), Output(IDS["customer_code"], "disabled"),
                  Input("we-new", "checked"))
    def new_customer(checked: bool | None) -> Any:
        return hidden(not checked), bool(checked)


def _register_plan_of_day(app: Dash) -> None:
    @app.callback(Output(IDS["plan_id"], "value"), Input(IDS["date"], "value"),
                  State("we-editing", "data"), prevent_initial_call=True)
    def plan_of_day(day: str | None, editing: int | None) -> Any:
        viewer = auth.require_page(SLUG)
        if editing:
            raise PreventUpdate
        return _plan_of_day(auth.current_engine(), viewer, day)


def _register_save(app: Dash) -> None:
    outputs = [Output("we-message", "children"),
               *[Output(IDS[f], "error") for f in FIELDS],
               Output("we-recent", "children"), Output(IDS["content"], "value"),
               Output(IDS["cost"], "value"), Output(IDS["receipt_no"], "value"),
               Output(IDS["policy_no"], "value"), Output("we-editing", "data"),
               Output("we-save", "children"), Output("we-cancel", "style")]

    @app.callback(*outputs, Input("we-save", "n_clicks"),
                  State(IDS["date"], "value"), State(IDS["plan_id"], "value"),
                  State(IDS["customer_code"], "value"), State("we-new", "checked"),
                  State(IDS["customer_name"], "value"), State("we-ckind", "value"),
                  State(IDS["content"], "value"), State("we-kind-choice", "value"),
                  State(IDS["cost"], "value"), State(IDS["receipt_no"], "value"),
                  State("we-outcome-choice", "value"), State(IDS["policy_no"], "value"),
                  State("we-editing", "data"), prevent_initial_call=True)
    # Dash passes one positional argument per Input and State, in their order.
    def save(_n, day, plan_id, code, new, name, ckind, content, kind, cost, receipt,  # noqa: PLR0913, PLR0917
             outcome, policy, editing):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        engine = auth.current_engine()
        cost = cost if cost not in (None, "") else 0
        data = {"date": day, "plan_id": plan_id, "content": content, "cost": cost,
                "kind": kind if cost else None, "receipt_no": receipt, "outcome": outcome,
                "policy_no": policy,
                **({"customer_name": name, "customer_kind": ckind} if new
                   else {"customer_code": code})}
        try:
            if editing:
                current = entries.entry(engine, viewer, int(editing))
                act = entries.update_entry if current["editable"] else entries.correct_entry
                saved = act(engine, viewer, int(editing), data, client_ip())
                done = "已保存修改" if act is entries.update_entry else "已保存更正记事"
            else:
                saved = entries.create_entry(engine, viewer, data, client_ip())
                done = "已保存"
        except WorklogError as exc:
            return (refused(exc), *field_errors(FIELDS, exc), *[no_update] * 6,
                    no_update, no_update)
        spent = f", 费用 {money_text(saved['cost'])} 元" if saved["cost"] else ""
        return (ok(f"{done}: {saved['date']} {saved['customer_name'] or ''}{spent}"),
                *field_errors(FIELDS, None), _recent(engine, viewer), "", None, "", "",
                None, "保存记事", hidden(True))


def _register_edit(app: Dash) -> None:
    @app.callback(Output(IDS["date"], "value", allow_duplicate=True),
                  Output(IDS["plan_id"], "value", allow_duplicate=True),
                  Output(IDS["customer_code"], "data", allow_duplicate=True),
                  Output(IDS["customer_code"], "value"), Output("we-new", "checked"),
                  Output(IDS["customer_name"], "value"), Output("we-ckind", "value"),
                  Output(IDS["content"], "value", allow_duplicate=True),
                  Output("we-kind-choice", "value"),
                  Output(IDS["cost"], "value", allow_duplicate=True),
                  Output(IDS["receipt_no"], "value", allow_duplicate=True),
                  Output("we-outcome-choice", "value"),
                  Output(IDS["policy_no"], "value", allow_duplicate=True),
                  Output("we-editing", "data", allow_duplicate=True),
                  Output("we-save", "children", allow_duplicate=True),
                  Output("we-cancel", "style", allow_duplicate=True),
                  Input({"type": "we-edit", "index": ALL}, "n_clicks"),
                  Input("we-cancel", "n_clicks"), prevent_initial_call=True)
    def edit(clicks: list[int | None], _cancel: int | None) -> Any:
        viewer = auth.require_page(SLUG)
        engine = auth.current_engine()
        if ctx.triggered_id == "we-cancel":
            return (no_update, no_update, no_update, None, False, "", PROSPECT_KINDS[0], "",
                    EXPENSE_KINDS[0], None, "", "无", "", None, "保存记事", hidden(True))
        if not any(clicks) or not isinstance(ctx.triggered_id, dict):
            raise PreventUpdate
        try:
            r = entries.entry(engine, viewer, int(ctx.triggered_id["index"]))
        except WorklogError:
            raise PreventUpdate from None
        code = r["customer_code"]
        label = "保存修改" if r["editable"] else "保存为更正记事"
        return (r["date"], str(r["plan_id"]) if r["plan_id"] else None,
                _customer_data(engine, viewer, keep=code), code,
                not code and bool(r["customer_name"]), "" if code else r["customer_name"],
                r["customer_kind"] or PROSPECT_KINDS[0], r["content"],
                r["kind"] or EXPENSE_KINDS[0], r["cost"] or None, r["receipt_no"] or "",
                r["outcome"], r["policy_no"] or "", r["entry_id"], label, {})


def _register_remove(app: Dash) -> None:
    @app.callback(Output("we-message", "children", allow_duplicate=True),
                  Output("we-recent", "children", allow_duplicate=True),
                  Input({"type": "we-delete", "index": ALL}, "n_clicks"),
                  prevent_initial_call=True)
    def remove(clicks: list[int | None]) -> Any:
        viewer = auth.require_page(SLUG)
        engine = auth.current_engine()
        if not any(clicks) or not isinstance(ctx.triggered_id, dict):
            raise PreventUpdate
        try:
            gone = entries.delete_entry(engine, viewer, int(ctx.triggered_id["index"]),
                                        client_ip())
        except WorklogError as exc:
            return refused(exc), no_update
        return (ok(f"已删除 {gone['date']} {gone['customer_name'] or ''} 的记事"),
                _recent(engine, viewer))


def register(app: Dash) -> None:
    dash.register_page(SLUG, path=f"/worklog/{SLUG}", title="工作记事录入",
                       layout=page_layout(SLUG, build))
    _register_new_customer(app)
    _register_plan_of_day(app)
    _register_save(app)
    _register_edit(app)
    _register_remove(app)
