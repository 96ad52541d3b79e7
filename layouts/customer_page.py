"""The 客户360 page and the 综合查询 results, from queries/customer360.py and
queries/search.py (what they hold is decided there, for the viewer)."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import html

from layouts.grid import LOCALE_TEXT, column_defs
from layouts.report_page import detail_links
from queries.access import SCOPE_LABELS, Viewer
from queries.catalog import CATALOG
from queries.customer360 import PNL_REPORT, CustomerView
from queries.page_data import ColumnMeta, summary_columns, summary_dims
from queries.search import SearchResult

IDENTITY_LABELS = (("customer_code", "客户代码"), ("customer_kind", "客户类型"),
                   ("id_type", "证件类型"), ("id_no", "证件号码"), ("mobile", "手机"),
                   ("phone", "电话"), ("address", "地址"), ("birthday", "出生日期"))


def submit_button(label: str, element_id: str | None = None, color: str = "#228be6",
                  small: bool = False) -> Any:
    """A form's submit button looking like the app's buttons (a Mantine Button takes no
    ``type``)."""
    style = {"background": color, "color": "white", "border": "none", "borderRadius": "4px",
             "padding": "4px 10px" if small else "8px 18px", "fontSize": "13px" if small
             else "14px", "fontWeight": 600, "cursor": "pointer"}
    given: dict[str, Any] = {"id": element_id} if element_id else {}
    return html.Button(label, type="submit", style=style, **given)


def _money(value: Any) -> str:
    return "" if value is None else f"{float(value):,.2f}"


def table(head: list[str], rows: list[list[Any]], **kwargs: Any) -> Any:
    """A plain table; cells may be components (links, buttons), which ``data=`` drops."""
    return dmc.Table(striped=True, highlightOnHover=True, withTableBorder=True, fz="sm",
                     children=[dmc.TableThead(dmc.TableTr([dmc.TableTh(h) for h in head])),
                               dmc.TableTbody([dmc.TableTr([dmc.TableTd(c) for c in row])
                                               for row in rows])], **kwargs)


def _grid(columns: list[ColumnMeta], rows: list[dict[str, Any]], links: dict[str, str],
          grid_id: str) -> Any:
    return dag.AgGrid(
        id=grid_id, columnDefs=column_defs(columns, sortable=True, links=links),
        rowData=rows, columnSize="autoSize",
        dashGridOptions={"localeText": LOCALE_TEXT,
                         **({"domLayout": "autoHeight"} if len(rows) <= 10 else {})},
        style={"width": "100%", **({} if len(rows) <= 10 else {"height": "340px"})})


def scope_line(viewer: Viewer, view: CustomerView) -> str:
    if viewer.scope.level == "company":
        return "数据范围: 公司 — 显示该客户的全部业务。"
    text = (f"数据范围: {SCOPE_LABELS[viewer.scope.level]} — 只显示您范围内的业务 "
            f"({view.policies_in_scope:,} 张保单)")
    if view.policies_outside:
        text += (f"; 范围外另有 {view.policies_outside:,} 张保单、{view.claims_outside:,} 个"
                 "报案, 只显示数量, 不显示明细")
    return text + "。"


def customer_page(viewer: Viewer, view: CustomerView) -> Any:
    first = view.records[0]
    identity = dmc.SimpleGrid(cols={"base": 2, "md": 4}, spacing="xs", children=[
        dmc.Stack(gap=0, children=[dmc.Text(label, size="xs", c="dimmed"),
                                   dmc.Text(str(first.get(key) or "—"), size="sm")])
        for key, label in IDENTITY_LABELS])
    records = table(["客户代码", "来源系统", "名称", "证件号码", "手机", "地址"], [
        [r["customer_code"], r.get("source_system") or "—", r["customer_name"],
         r.get("id_no") or "", r.get("mobile") or "", r.get("address") or ""]
        for r in view.records])
    groups = table(["年度", "客户群", "价值等级", "起保保单", "签单保费", "利润贡献"], [
        [g["stat_year"], g["groups"], g["grade"], g["policies"], _money(g["premium_cny"]),
         _money(g["contribution_cny"])] for g in view.groups]) if view.groups else \
        dmc.Text("无", size="sm", c="dimmed")
    black = [dmc.Alert(f"{b['source']}: {b['reason']}"
                       + (f" (加入人 {b['added_by']}, {b['added_at']})" if b["added_by"] else ""),
                       color="red", title="黑名单", mb=4) for b in view.blacklist]
    blocks: list[Any] = [
        dmc.Group(justify="space-between", children=[
            dmc.Title(f"客户360: {view.name}", order=3),
            dmc.Badge(f"统一客户号 {view.master_no}", size="lg", variant="light")
            if view.master_no else None]),
        dmc.Text(scope_line(viewer, view)
                 + ("" if viewer.personal_data else " 个人信息已脱敏。"),
                 size="sm", c="gray.7", id="customer-scope-note"),
        *[dmc.Text(n, size="sm", c="orange.8") for n in view.notes],
        *black,
        dmc.Paper(withBorder=True, p="md", radius="md", children=[
            dmc.Title("客户身份", order=5, mb="xs"), identity]),
        _section("来源记录", records),
        _section("客户群与价值等级 (逐年)", groups),
    ]
    if view.pnl is not None:
        report = CATALOG[PNL_REPORT]
        dims = summary_dims(report, "by-year", None)
        blocks.append(_section("逐年盈亏", _grid(summary_columns(report, dims), view.pnl.rows,
                                                 {}, "customer-pnl")))
    for section, result in view.sections:
        if result is None:
            blocks.append(_section(section.title, dmc.Text("您没有查看该部分的权限",
                                                           size="sm", c="dimmed")))
            continue
        report = CATALOG[section.slug]
        shown = f" (共 {result.total:,} 条" + (f", 显示前 {len(result.rows):,} 条)"
                                            if result.total > len(result.rows) else ")")
        body = _grid(result.columns, result.rows, detail_links(report),
                     f"customer-{section.key}") if result.rows else \
            dmc.Text("无", size="sm", c="dimmed")
        blocks.append(_section(section.title + shown, body))
    blocks.append(_section("客户信息管理员的决定 (合并、拆分、不是同一客户)", table(
        ["决定", "记录", "当时的统一客户号", "理由", "决定人", "时间 (UTC)", "状态"],
        [[d["decision"], d["records"], d["master_no"], d["reason"], d["made_by"],
          d["made_at"], d["undone"]] for d in view.decisions], id="customer-decisions")
        if view.decisions else dmc.Text("无", size="sm", c="dimmed")))
    return dmc.Stack(gap="md", children=blocks)


def _section(title: str, body: Any) -> Any:
    return dmc.Stack(gap=4, children=[dmc.Title(title, order=5), body])


def search_box(value: str = "") -> Any:
    """A plain form: the results are a page of their own (/search?q=), so they can be
    bookmarked and the back button returns to them."""
    return html.Form(action="/search", method="get", children=dmc.Group(gap="xs", children=[
        dmc.TextInput(name="q", value=value, placeholder="证件号、手机、姓名、地址、车牌、"
                      "保单号或赔案号", w=460, id="search-input"),
        submit_button("综合查询", "search-submit")]))


def search_page(result: SearchResult | None, error: str | None, query: str) -> Any:
    blocks: list[Any] = [dmc.Title("综合查询", order=3), search_box(query)]
    if error:
        blocks.append(dmc.Alert(error, color="red", title="无法查询", id="search-error"))
        return dmc.Stack(gap="md", children=blocks)
    if result is None:
        return dmc.Stack(gap="md", children=blocks)
    blocks += [dmc.Text(n, size="sm", c="dimmed") for n in result.notes]
    if not (result.customers or result.policies or result.vehicles or result.claims):
        blocks.append(dmc.Text("在您的数据范围内没有找到匹配的客户、保单、车辆或赔案。",
                               c="dimmed", id="search-empty"))
    if result.customers:
        blocks.append(_section(f"客户 ({len(result.customers)})", table(
            ["客户", "统一客户号", "类型", "证件号码", "手机", "保单数", "匹配"],
            [[dmc.Anchor(c["customer_name"], href=c["url"]),
              c["master_no"] or c["customer_code"],
              c["customer_kind"], c["id_no"], c["mobile"] or "",
              "—" if c["policies"] is None else c["policies"], c["matched"]]
             for c in result.customers], id="search-customers")))
    if result.policies:
        blocks.append(_section(f"保单 ({len(result.policies)})", table(
            ["保单号", "被保险人", "险种", "起保日期", "终保日期", "状态", "车牌", "经办人"],
            [[dmc.Anchor(p["policy_no"], href=p["url"]),
              dmc.Anchor(p["insured_name"], href=p["insured_url"]), p["risk_code"],
              p["start_date"], p["end_date"], p["status"], p["plate_no"] or "",
              p["handler_code"]] for p in result.policies], id="search-policies")))
    if result.vehicles:
        blocks.append(_section(f"车辆 ({len(result.vehicles)})", table(
            ["车牌号", "车架号", "厂牌型号", "最近保单", "被保险人"],
            [[v["plate_no"] or "", v["vin"], v["brand_model"],
              dmc.Anchor(v["latest_policy_no"], href=v["url"]),
              dmc.Anchor(v["insured_name"], href=v["insured_url"])]
             for v in result.vehicles])))
    if result.claims:
        blocks.append(_section(f"赔案 ({len(result.claims)})", table(
            ["立案号", "报案号", "保单号", "报案日期", "状态", "估损金额", "已付赔款"],
            [[dmc.Anchor(c["claim_no"] or "—", href=c["url"]), c["report_no"],
              dmc.Anchor(c["policy_no"], href=c["policy_url"]), c["report_date"], c["stage"],
              _money(c["estimated_loss_cny"]), _money(c["paid_cny"])]
             for c in result.claims])))
    return dmc.Stack(gap="md", children=blocks)

