"""客户360 (/customers/<客户代码 or 统一客户号>) and 综合查询 (/search?q=): for users
granted a 客户管理 page, scoped and masked on the server."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc

import auth
from layouts.customer_lists_page import blacklist_page, reassign_page
from layouts.customer_page import customer_page, search_page
from ops import jobs
from ops.customer_lists import REFRESH_KIND, blacklist_entries
from pages.reports import forbidden_notice
from queries.customer360 import customer_view
from queries.reassign import may_reassign
from queries.reassign_view import reassign_view
from queries.search import SearchRefused, may_edit_blacklist, may_search, search


def customer_layout(key: str = "", **_args: str) -> Any:
    viewer = auth.current_viewer()
    if viewer is None or not may_search(viewer):
        return forbidden_notice("客户360")
    view = customer_view(auth.current_engine(), viewer, key)
    if view is None:
        return dmc.Alert("没有该客户, 或该客户在您的数据范围内没有业务。", title="找不到客户",
                         color="yellow", id="customer-not-found")
    return customer_page(viewer, view)


def search_layout(q: str = "", **_args: str) -> Any:
    viewer = auth.current_viewer()
    if viewer is None or not may_search(viewer):
        return forbidden_notice("综合查询")
    if not q:
        return search_page(None, None, "")
    try:
        return search_page(search(auth.current_engine(), viewer, q), None, q)
    except SearchRefused as exc:
        return search_page(None, str(exc), q)


def _last_refresh(settings: Any) -> Any:
    found = jobs.list_jobs(settings.users_db, kind=REFRESH_KIND, limit=1)
    return found[0] if found else None


def blacklist_layout(**args: str) -> Any:
    viewer = auth.current_viewer()
    if viewer is None or not may_edit_blacklist(viewer):
        return forbidden_notice("黑名单维护")
    settings = auth.current_settings()
    return blacklist_page(blacklist_entries(settings.users_db), args, _last_refresh(settings))


def reassign_layout(**args: str) -> Any:
    viewer = auth.current_viewer()
    if viewer is None or not may_reassign(viewer):
        return forbidden_notice("孤儿保单转交")
    settings = auth.current_settings()
    view = reassign_view(auth.current_engine(), viewer, args.get("from", ""))
    return reassign_page(view, args, _last_refresh(settings))


def register_customer_pages() -> None:
    dash.register_page("customer-360", path_template="/customers/<key>",
                       title="客户360 - 保险分析查询系统", name="客户360",
                       layout=customer_layout)
    dash.register_page("search", path="/search", title="综合查询 - 保险分析查询系统",
                       name="综合查询", layout=search_layout)
    dash.register_page("customers-blacklist-edit", path="/customers-admin/blacklist",
                       title="黑名单维护 - 保险分析查询系统", name="黑名单维护",
                       layout=blacklist_layout)
    dash.register_page("orphan-reassign", path="/customers-admin/reassign",
                       title="孤儿保单转交 - 保险分析查询系统", name="孤儿保单转交",
                       layout=reassign_layout)
