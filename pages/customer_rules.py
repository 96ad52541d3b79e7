"""6.7 客户识别规则: the administrator sets which deterministic rules identify one customer
and in which order (the first that links two records wins; a 决定性 rule keeps records
whose valid numbers differ apart). Saved in the operational store, audited, applied by
every load from then on.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html

import auth
from data.customers import MatchRule
from data.customers.rules import FIELDS
from data.settings import Settings
from ops import customers as store
from pages.reports import forbidden_notice

SLUG = "admin-customer-rules"
FIELD_CHOICES = [{"value": k, "label": label} for k, (label, _) in FIELDS.items()]


def _as_data(rules: tuple[MatchRule, ...]) -> list[dict[str, Any]]:
    return [{"code": r.code, "fields": list(r.fields), "decisive": r.decisive,
             "enabled": r.enabled} for r in rules]


def _rules(data: list[dict[str, Any]]) -> tuple[MatchRule, ...]:
    return tuple(MatchRule(d["code"], tuple(d["fields"]), bool(d["decisive"]),
                           bool(d["enabled"])) for d in data)


def _rows(data: list[dict[str, Any]]) -> Any:
    head = dmc.TableThead(dmc.TableTr([dmc.TableTh(t) for t in
                                       ("顺序", "规则", "字段全部相同即为同一客户", "决定性",
                                        "启用", "")]))
    body = []
    for i, d in enumerate(data):
        label = "+".join(FIELDS[f][0] for f in d["fields"])
        body.append(dmc.TableTr([
            dmc.TableTd(str(i + 1)), dmc.TableTd(d["code"]), dmc.TableTd(label),
            dmc.TableTd("是" if d["decisive"] else ""),
            dmc.TableTd(dmc.Switch(id={"type": "rule-enabled", "i": i},
                                   checked=bool(d["enabled"]))),
            dmc.TableTd(dmc.Group(gap=4, children=[
                dmc.Button("上移", id={"type": "rule-move", "i": i, "d": -1}, size="xs",
                           variant="default", disabled=i == 0),
                dmc.Button("下移", id={"type": "rule-move", "i": i, "d": 1}, size="xs",
                           variant="default", disabled=i == len(data) - 1),
                dmc.Button("删除", id={"type": "rule-drop", "i": i}, size="xs",
                           variant="subtle", color="red")]))]))
    return dmc.Table(withTableBorder=True, children=[head, dmc.TableTbody(body)])


def layout(**_args: str) -> Any:
    try:
        auth.require_page(SLUG)
    except auth.Forbidden:
        return forbidden_notice("客户识别规则")
    settings: Settings = auth.current_settings()
    data = _as_data(store.rules(settings.users_db))
    return dmc.Stack(children=[
        dmc.Title("6.7 客户识别规则", order=3),
        dmc.Text("按顺序执行: 两条记录的规则字段全部有值、有效且相同, 即归为同一客户; 其余记录"
                 "再由概率模型比对, 低于自动合并阈值的进入 疑似客户审核。决定性规则: 两条记录"
                 "的该字段都有效却不同时, 任何后续规则和模型都不能把它们归为一人。"
                 "保存后从下次数据装载起生效。", size="sm", c="dimmed"),
        dcc.Store(id="rules-data", data=data),
        html.Div(_rows(data), id="rules-table"),
        dmc.Group(align="flex-end", children=[
            dmc.TextInput(id="rules-new-code", label="新规则代码", placeholder="如 name_birth",
                          w=180),
            dmc.MultiSelect(id="rules-new-fields", label="字段", data=FIELD_CHOICES, w=320),
            dmc.Button("添加规则", id="rules-add", variant="light")]),
        dmc.Group(children=[dmc.Button("保存", id="rules-save"),
                            dmc.Button("恢复默认规则", id="rules-default", variant="default")]),
        html.Div(id="rules-message"),
    ])


def _add_rule(data: list[dict[str, Any]], code: str | None, fields: list[str] | None) -> Any:
    """Append the new rule to ``data``; a message when it cannot be added."""
    code = (code or "").strip()
    if not code.isidentifier() or not fields:
        return dmc.Alert("新规则需要代码 (字母、数字、下划线) 和至少一个字段", color="red")
    if any(d["code"] == code for d in data):
        return dmc.Alert(f"规则代码 {code} 已存在", color="red")
    data.append({"code": code, "fields": list(fields), "decisive": False, "enabled": True})
    return None


def _edited(kind: Any, trigger: Any, data: list[dict[str, Any]], code: str | None,
            fields: list[str] | None) -> tuple[list[dict[str, Any]], Any]:
    """The rules after a move, a drop, an added rule or the defaults; and a message."""
    if kind == "rule-move":
        i, j = int(trigger["i"]), int(trigger["i"]) + int(trigger["d"])
        if 0 <= j < len(data):
            data[i], data[j] = data[j], data[i]
    elif kind == "rule-drop":
        data.pop(int(trigger["i"]))
    elif kind == "rules-add":
        return data, _add_rule(data, code, fields)
    elif kind == "rules-default":
        from data.customers import DEFAULT_RULES

        return _as_data(DEFAULT_RULES), None
    return data, None


def _saved(settings: Settings, data: list[dict[str, Any]], username: str) -> Any:
    try:
        store.save_rules(settings.users_db, _rules(data), username)
    except ValueError as exc:
        return dmc.Alert(str(exc), color="red")
    return dmc.Alert("已保存, 下次数据装载起生效", color="teal", id="rules-saved")


def register(app: Dash, settings: Settings) -> None:
    dash.register_page(SLUG, path=f"/admin/{SLUG}", title="客户识别规则", layout=layout)

    @app.callback(Output("rules-data", "data"), Output("rules-table", "children"),
                  Output("rules-message", "children"),
                  Input({"type": "rule-move", "i": ALL, "d": ALL}, "n_clicks"),
                  Input({"type": "rule-drop", "i": ALL}, "n_clicks"),
                  Input({"type": "rule-enabled", "i": ALL}, "checked"),
                  Input("rules-add", "n_clicks"), Input("rules-save", "n_clicks"),
                  Input("rules-default", "n_clicks"),
                  State("rules-data", "data"), State("rules-new-code", "value"),
                  State("rules-new-fields", "value"), prevent_initial_call=True)
    # Dash passes one positional argument per Input and State, in their order.
    def edit(moves, drops, enabled, _add, _save, _default, data, code, fields):  # type: ignore[no-untyped-def]  # noqa: PLR0917
        viewer = auth.require_page(SLUG)
        trigger = ctx.triggered_id
        data = [dict(d) for d in (data or [])]
        kind = trigger.get("type") if isinstance(trigger, dict) else trigger
        if kind == "rule-enabled":
            for d, on in zip(data, enabled, strict=False):
                d["enabled"] = bool(on)
            return data, dash.no_update, None
        clicks = {"rule-move": moves, "rule-drop": drops}
        if kind in clicks and not any(clicks[kind] or ()):
            return dash.no_update, dash.no_update, dash.no_update
        if kind == "rules-save":
            return data, _rows(data), _saved(settings, data, viewer.username)
        data, message = _edited(kind, trigger, data, code, fields)
        return data, _rows(data), message
