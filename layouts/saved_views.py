"""Saved views and column choice, drawn: the page's 我的视图 menu (open a view, save the
current one, share one with a colleague), the home page's list of views, and the detail
grid's 列设置 (show or hide columns; drag headers to move, edges to resize).
Callbacks: ``callbacks/view_callbacks.py``; the rows come from ``ops/views.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import dash_mantine_components as dmc
from dash import dcc, html


class View(Protocol):  # read-only, as the operational store's frozen rows are
    @property
    def view_id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def query(self) -> str: ...


def view_href(view: View) -> str:
    return f"/reports/{view.slug}" + (f"?{view.query}" if view.query else "")


def ids(slug: str) -> dict[str, dict[str, str]]:
    names = ("view-open-save", "view-open-share", "view-save-modal", "view-share-modal",
             "view-name", "view-save", "view-save-request", "view-message", "view-items",
             "share-view", "share-user", "view-share", "share-message", "view-delete")
    return {n: {"type": n, "report": slug} for n in names}


def view_items(views: Sequence[View]) -> list[Any]:
    if not views:
        return [dmc.MenuLabel("尚无保存的视图")]
    return [dmc.MenuLabel("打开视图"),
            *[dmc.MenuItem(v.name, href=view_href(v), refresh=True) for v in views]]


def views_menu(slug: str, views: Sequence[View], colleagues: Sequence[tuple[int, str]]
               ) -> Any:
    """``colleagues``: (user id, "员工代码 姓名") of the users who may open this page."""
    i = ids(slug)
    return html.Div([
        dmc.Menu(position="bottom-end", withinPortal=True, children=[
            dmc.MenuTarget(dmc.Button("我的视图", variant="light", size="compact-sm")),
            dmc.MenuDropdown([
                html.Div(view_items(views), id=i["view-items"]),
                dmc.MenuDivider(),
                dmc.MenuItem("保存当前视图…", id=i["view-open-save"], n_clicks=0),
                dmc.MenuItem("分享或删除视图…", id=i["view-open-share"], n_clicks=0),
            ]),
        ]),
        dcc.Store(id=i["view-save-request"]),
        dmc.Modal(id=i["view-save-modal"], title="保存当前视图", centered=True, children=[
            dmc.Text("保存本页当前的筛选条件、汇总方式、排序和列设置, 之后可从本页的“我的视图”"
                     "或首页打开; 同名视图将被覆盖。", size="sm", c="dimmed", mb="sm"),
            dmc.TextInput(id=i["view-name"], label="视图名称 (最多 40 字)",
                          placeholder="如 本月广州脱保"),
            dmc.Group(justify="flex-end", mt="md", children=[
                dmc.Button("保存", id=i["view-save"], n_clicks=0)]),
            html.Div(id=i["view-message"]),
        ]),
        dmc.Modal(id=i["view-share-modal"], title="分享或删除视图", centered=True, children=[
            dmc.Text("分享: 同事收到视图的一份副本, 打开时按其本人的数据范围显示。", size="sm",
                     c="dimmed", mb="sm"),
            dmc.Select(id=i["share-view"], label="视图",
                       data=[{"value": str(v.view_id), "label": v.name} for v in views],
                       placeholder="选择要分享的视图"),
            dmc.Select(id=i["share-user"], label="同事 (分享时选择)", searchable=True, mt="sm",
                       data=[{"value": str(u), "label": name} for u, name in colleagues],
                       placeholder="输入员工代码或姓名", nothingFoundMessage="没有可分享的同事"),
            dmc.Group(justify="space-between", mt="md", children=[
                dmc.Button("删除此视图", id=i["view-delete"], n_clicks=0, color="red",
                           variant="subtle"),
                dmc.Button("分享", id=i["view-share"], n_clicks=0)]),
            html.Div(id=i["share-message"]),
        ]),
    ])


def home_views(views: Sequence[View], titles: dict[str, str]) -> Any:
    """The home page's 我的视图: every saved view the user may still open."""
    shown = [v for v in views if v.slug in titles]
    if not shown:
        return None
    return dmc.Stack(gap="xs", id="home-views", children=[
        dmc.Title("我的视图", order=5),
        dmc.Group(gap="xs", children=[
            dmc.Anchor(dmc.Badge(f"{titles[v.slug]} · {v.name}", variant="light", size="lg",
                                 style={"textTransform": "none", "cursor": "pointer"}),
                       href=view_href(v), refresh=True)
            for v in shown]),
    ])


def column_chooser(slug: str, columns: Sequence[tuple[str, str]], hidden: set[str]) -> Any:
    """``columns``: (key, label) in the grid's order; the first (pinned) always shows."""
    return dmc.Group(gap=4, children=[
        dmc.Popover(position="bottom-end", withinPortal=True, shadow="md", children=[
            dmc.PopoverTarget(dmc.Button("列设置", variant="subtle", size="compact-sm")),
            dmc.PopoverDropdown(dmc.Stack(gap=6, children=[
                dmc.Text("勾选要显示的列; 拖动列标题可调整顺序, 拖动列边线可调整宽度。"
                         "设置按用户和页面保存。", size="xs", c="dimmed", maw=260),
                dmc.ScrollArea(h=300, children=dmc.CheckboxGroup(
                    id={"type": "col-choice", "report": slug},
                    value=[k for k, _ in columns if k not in hidden],
                    children=dmc.Stack(gap=4, children=[
                        dmc.Checkbox(value=k, label=label, size="xs", disabled=n == 0)
                        for n, (k, label) in enumerate(columns)]))),
                dmc.Button("恢复默认列", id={"type": "col-reset", "report": slug},
                           variant="light", size="compact-xs", n_clicks=0),
            ])),
        ]),
        dcc.Store(id={"type": "grid-columns", "report": slug}),
    ])
