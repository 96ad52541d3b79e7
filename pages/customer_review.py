"""9.5 疑似客户审核: the pairs of 9.1 疑似重复客户 side by side with the evidence, and the
data steward's decisions on them (合并 / 拆分 / 不是同一客户, and 撤销).

Rows, scope and masking are the catalog list's (queries/customer_review.py); every
callback checks the page's grant on the server. Decisions apply from the next load.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html

import auth
from engines.base import Engine
from pages.reports import forbidden_notice
from queries import customer_review as review
from queries.access import SCOPE_LABELS
from queries.filters import FilterError

SLUG = review.REVIEW_SLUG
PAGE_SIZE = 10
FIELDS = (("customer_name", "客户名称", "name"), ("source_system", "来源系统", None),
          ("customer_code", "客户代码", None), ("master_no", "统一客户号", None),
          ("id_type", "证件类型", None), ("id_no", "证件号码", "id"),
          ("birthday", "出生日期", "birth"), ("mobile", "手机", "mobile"),
          ("address", "地址", "address"), ("branch_code", "出单机构", "branch"))
AGREE = "var(--mantine-color-green-0)"
DIFFER = "var(--mantine-color-red-0)"


def _comparison_colour(text: str | None) -> str | None:
    if not text or text == "缺失":
        return None
    return DIFFER if "不同" in text or "不一致" in text else AGREE


def _table(row: dict[str, Any]) -> dmc.Table:
    head = dmc.TableThead(dmc.TableTr([dmc.TableTh("字段"), dmc.TableTh("甲"),
                                       dmc.TableTh("乙"), dmc.TableTh("比对")]))
    body = []
    for key, label, compared in FIELDS:
        verdict = row.get(f"{compared}_cmp") if compared else None
        colour = _comparison_colour(verdict)
        body.append(dmc.TableTr(style={"background": colour} if colour else None, children=[
            dmc.TableTd(label, fw=500),
            dmc.TableTd(str(row.get(f"{key}_l") or "—")),
            dmc.TableTd(str(row.get(f"{key}_r") or "—")),
            dmc.TableTd(verdict or "", c="dimmed")]))
    return dmc.Table(striped=False, withTableBorder=True, withColumnBorders=True,
                     children=[head, dmc.TableTbody(body)], fz="sm")


def _button(label: str, suspect_id: int, act: str, **kw: Any) -> dmc.Button:
    return dmc.Button(label, id={"type": "review-act", "id": suspect_id, "act": act},
                      size="xs", **kw)


def _card(row: dict[str, Any]) -> dmc.Card:
    sid = int(row["suspect_id"])
    decided = row.get("decision")
    if decided:
        actions: list[Any] = [
            dmc.Badge(decided["label"], color="teal", variant="light"),
            dmc.Text(f"{decided['made_by']} · {decided['made_at'].replace('T', ' ')} UTC · "
                     "下次数据装载起生效", size="xs", c="dimmed"),
            _button("撤销", sid, "undo", variant="outline", color="gray")]
    else:
        actions = [_button("合并为同一客户", sid, "merge", color="teal"),
                   _button("拆分甲 (移出原客户)", sid, "split-l", variant="light"),
                   _button("拆分乙 (移出原客户)", sid, "split-r", variant="light"),
                   _button("不是同一客户", sid, "not_same", color="red", variant="outline")]
    return dmc.Card(withBorder=True, padding="sm", radius="md", id=f"review-pair-{sid}",
                    children=[
        dmc.Group(justify="space-between", children=[
            dmc.Text(f"第 {sid:,} 对 · 组 {int(row['group_id']):,}", fw=600),
            dmc.Group(gap="xs", children=[
                dmc.Badge(f"相似度 {float(row['match_probability']):.4f}", variant="light"),
                dmc.Text(f"一致: {row.get('agree') or '无'}", size="sm")])]),
        dmc.Space(h=6), _table(row), dmc.Space(h=8),
        dmc.Group(gap="xs", children=actions)])


def _cards(engine: Engine, args: dict[str, Any], offset: int) -> tuple[Any, str]:
    viewer = auth.require_page(SLUG)
    try:
        page = review.suspects(engine, viewer, args, limit=PAGE_SIZE, offset=offset)
    except FilterError as exc:
        return dmc.Alert(exc.message, color="red", title="筛选条件有误"), ""
    if not page.rows:
        return dmc.Text("没有待审核的疑似客户。", c="dimmed", id="review-empty"), ""
    total = page.total or 0
    shown = f"第 {offset + 1:,}–{offset + len(page.rows):,} 对, 共 {total:,} 对"
    return dmc.Stack(gap="sm", children=[_card(r) for r in page.rows]), shown


def _args(score_min: Any, name: Any) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if score_min not in (None, ""):
        args["score_min"] = str(score_min)
    if name:
        args["name"] = str(name)
    return args


def layout(**_args: str) -> Any:
    try:
        viewer = auth.require_page(SLUG)
    except auth.Forbidden:
        return forbidden_notice("疑似客户审核")
    engine = auth.current_engine()
    cards, shown = _cards(engine, {}, 0)
    return dmc.Stack(children=[
        dmc.Title("9.5 疑似客户审核", order=3),
        dmc.Text("两条记录分属两个统一客户号、相似度在待审核区间内。绿色为一致的字段, 红色为"
                 "不一致的字段。决定记入审计, 可撤销, 下次数据装载起生效并一直保留。"
                 f"数据范围: {SCOPE_LABELS[viewer.scope.level]}"
                 + ("" if viewer.personal_data else "; 个人信息已脱敏"), size="sm", c="dimmed"),
        dmc.Group(align="flex-end", children=[
            dmc.NumberInput(id="review-score-min", label="相似度不低于", min=0, max=1,
                            step=0.05, decimalScale=2, w=140),
            dmc.TextInput(id="review-name", label="客户名称 (甲) 包含", w=200),
            dmc.Button("查询", id="review-search"),
            dmc.Anchor("疑似重复客户清单 (导出)", href=f"/reports/{review.LIST_SLUG}",
                       size="sm")]),
        dmc.Group(children=[
            dmc.Button("上一页", id="review-prev", variant="default", size="xs"),
            dmc.Button("下一页", id="review-next", variant="default", size="xs"),
            dmc.Text(shown, id="review-shown", size="sm")]),
        html.Div(id="review-message"),
        dcc.Store(id="review-offset", data=0),
        html.Div(cards, id="review-cards"),
    ])


def register(app: Dash, engine: Engine) -> None:
    dash.register_page(SLUG, path=f"/admin/{SLUG}", title="疑似客户审核", layout=layout)

    @app.callback(Output("review-cards", "children"), Output("review-shown", "children"),
                  Output("review-offset", "data"), Output("review-message", "children"),
                  Input("review-search", "n_clicks"), Input("review-prev", "n_clicks"),
                  Input("review-next", "n_clicks"),
                  Input({"type": "review-act", "id": ALL, "act": ALL}, "n_clicks"),
                  State("review-offset", "data"), State("review-score-min", "value"),
                  State("review-name", "value"), prevent_initial_call=True)
    def refresh(_search, _prev, _next, acts, offset, score_min, name):  # type: ignore[no-untyped-def]
        viewer = auth.require_page(SLUG)
        trigger = ctx.triggered_id
        offset = int(offset or 0)
        message: Any = None
        if trigger == "review-search":
            offset = 0
        elif trigger == "review-prev":
            offset = max(0, offset - PAGE_SIZE)
        elif trigger == "review-next":
            offset += PAGE_SIZE
        elif isinstance(trigger, dict):
            if not any(acts or ()):
                return dash.no_update, dash.no_update, dash.no_update, dash.no_update
            act = str(trigger["act"])
            body = ({"decision": "split", "side": act[-1]} if act.startswith("split-")
                    else {"decision": act})
            try:
                done = review.decide(engine, viewer, int(trigger["id"]), body)
            except review.ReviewError as exc:
                done, message = None, dmc.Alert(exc.message, color="red")
            if done is None and message is None:
                message = dmc.Alert("这对疑似客户不在您的数据范围内", color="red")
            elif message is None:
                label = review.DECISIONS[body["decision"]]
                message = dmc.Alert(f"第 {int(trigger['id']):,} 对: {label} — 已记录",
                                    color="teal", id="review-done")
        cards, shown = _cards(engine, _args(score_min, name), offset)
        if offset and not shown:  # paged past the end: back to the last page
            offset = max(0, offset - PAGE_SIZE)
            cards, shown = _cards(engine, _args(score_min, name), offset)
        return cards, shown, offset, message
