"""客户360 (/customers/<客户代码 or 统一客户号>) and 综合查询 (/search?q=): for users
granted a 客户管理 page, scoped and masked on the server."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc

import auth
from layouts.customer_page import customer_page, search_page
from pages.reports import forbidden_notice
from queries.customer360 import customer_view
from queries.search import SearchRefused, may_search, search


def customer_layout(key: str = "", **_args: str) -> Any:
    viewer = auth.current_viewer()
    if viewer is None or not may_search(viewer):
        return forbidden_notice("客户360")
    view = customer_view(auth.current_settings(), viewer, key)
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
        return search_page(search(auth.current_settings(), viewer, q), None, q)
    except SearchRefused as exc:
        return search_page(None, str(exc), q)


def register_customer_pages() -> None:
    dash.register_page("customer-360", path_template="/customers/<key>",
                       title="客户360 - 保险分析查询系统", name="客户360",
                       layout=customer_layout)
    dash.register_page("search", path="/search", title="综合查询 - 保险分析查询系统",
                       name="综合查询", layout=search_layout)
