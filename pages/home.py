"""The home page: the reports the signed-in user may open, by area."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc

import auth
from layouts.customer_page import search_box
from layouts.saved_views import home_views
from ops.views import list_views
from pages.worklog_home import reminder_cards
from queries.access import SCOPE_LABELS
from queries.catalog import CATALOG
from queries.headlines import headlines
from queries.menu import AREAS, Page, pages
from queries.reassign import may_reassign
from queries.search import may_edit_blacklist, may_search

ADMIN_BLURBS = {
    "admin-user-new": "新建用户, 设置角色、数据范围和可用页面。",
    "admin-users": "查询、修改、停用用户及其权限。",
    "admin-audit": "谁在何时做了什么: 登录、查询、导出、权限变更。",
    "admin-loads": "装载业务数据文件, 查看装载结果与拒收原因。",
    "admin-customer-rules": "客户识别的确定性规则: 先后顺序与启用。",
    "customer-review": "并排比对疑似重复的客户记录, 合并、拆分或标记不是同一客户。",
    "worklog-plans": "年费用预算、月计划和日常工作计划, 报备后看审批意见。",
    "worklog-entry": "每次拜访的客户、内容、费用和结果, 手机上也能录。",
    "worklog-review": "审批员工报备的计划: 批准, 或填写意见退回。",
    "worklog-forms": "单证的领用、使用、作废、归还和结存。",
    "worklog-problems": "记录待解决的问题, 交给负责人处理并回复。",
}


def _href(page: Page) -> str:
    return page.href


def _blurb(page: Page) -> str:
    if page.is_report:
        notes = CATALOG[page.slug].notes
        return notes[0] if notes else ""
    return ADMIN_BLURBS.get(page.slug, "")


def home_layout(**_args: str) -> Any:
    viewer = auth.current_viewer()
    if viewer is None:
        return dmc.Text("请先登录")
    sections = []
    for area in AREAS:
        cards = [
            dmc.Anchor(href=_href(p), underline="never", children=dmc.Card(
                withBorder=True, padding="sm", radius="md", children=[
                    dmc.Text(f"{p.number} {p.title}", fw=600, size="sm"),
                    dmc.Text(_blurb(p), size="xs", c="dimmed", lineClamp=2),
                ]))
            for p in pages()
            if p.area == area.key and (p.slug in CATALOG or p.slug in dash.page_registry)
            and viewer.may_open(p.slug)
        ]
        if cards:
            sections.append(dmc.Stack(gap="xs", children=[
                dmc.Title(area.title, order=5),
                dmc.SimpleGrid(cols={"base": 1, "sm": 2, "lg": 3}, children=cards)]))
    settings = auth.current_settings()
    figures = [
        dmc.Anchor(href=h.href, underline="never", children=dmc.Card(
            withBorder=True, padding="md", radius="md", children=[
                dmc.Text(h.title, size="sm", c="dimmed"),
                dmc.Text(h.value, fw=700, size="xl", c="blue.8"),
                dmc.Text(h.detail, size="xs", c="dimmed"),
            ]))
        for h in headlines(auth.current_engine(), viewer)
    ]
    return dmc.Stack(gap="lg", children=[
        dmc.Title(f"您好, {viewer.display_name}", order=3),
        dmc.Text(f"员工代码 {viewer.username} · 数据范围: {SCOPE_LABELS[viewer.scope.level]}"
                 f" · 数据日期 {settings.today.isoformat()}", c="dimmed", size="sm"),
        search_box() if may_search(viewer) else None,
        dmc.Group(gap="md", children=[
            dmc.Anchor(label, href=href, size="sm") for label, href, allowed in (
                ("黑名单维护", "/customers-admin/blacklist", may_edit_blacklist(viewer)),
                ("孤儿保单转交", "/customers-admin/reassign", may_reassign(viewer)))
            if allowed]) if may_search(viewer) else None,
        reminder_cards(auth.current_engine(), viewer),
        dmc.SimpleGrid(cols={"base": 1, "sm": 2, "lg": 4}, children=figures) if figures
        else None,
        # The user's saved views of the pages they may still open.
        home_views(list_views(settings.users_db, viewer.user_id),
                   {slug: f"{r.number} {r.title}" for slug, r in CATALOG.items()
                    if viewer.may_open(slug)}),
        *(sections or [dmc.Text("您暂无可用的查询页面, 请联系系统管理员。")]),
    ])


def not_found_layout(**_args: str) -> Any:
    return dmc.Stack(gap="sm", align="flex-start", id="not-found", children=[
        dmc.Title("找不到该页面 (404)", order=3),
        dmc.Text("您访问的地址不存在, 可能链接有误或页面已移动。"
                 "请从左侧菜单选择查询页面, 或返回首页。", c="dimmed", size="sm"),
        dmc.Anchor(dmc.Button("返回首页"), href="/"),
    ])


def register_home() -> None:
    dash.register_page("home", path="/", title="首页 - 保险分析查询系统", name="首页",
                       layout=home_layout)
    # Dash shows the page registered under this module name for any unknown path.
    dash.register_page("not_found_404", path="/404", title="找不到页面 - 保险分析查询系统",
                       name="找不到页面", layout=not_found_layout)
