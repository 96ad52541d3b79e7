"""The home page: the reports the signed-in user may open, by area."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc

import auth
from layouts.headlines import headlines
from queries.access import SCOPE_LABELS
from queries.catalog import CATALOG
from queries.menu import AREAS, PAGES


def home_layout(**_args: str) -> Any:
    viewer = auth.current_viewer()
    if viewer is None:
        return dmc.Text("请先登录")
    sections = []
    for area in AREAS:
        cards = [
            dmc.Anchor(href=f"/reports/{p.slug}", underline="never", children=dmc.Card(
                withBorder=True, padding="sm", radius="md", children=[
                    dmc.Text(f"{p.number} {p.title}", fw=600, size="sm"),
                    dmc.Text(CATALOG[p.slug].notes[0] if CATALOG[p.slug].notes else "",
                             size="xs", c="dimmed", lineClamp=2),
                ]))
            for p in PAGES
            if p.area == area.key and p.slug in CATALOG and viewer.may_open(p.slug)
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
        for h in headlines(settings, viewer)
    ]
    return dmc.Stack(gap="lg", children=[
        dmc.Title(f"您好, {viewer.display_name}", order=3),
        dmc.Text(f"员工代码 {viewer.username} · 数据范围: {SCOPE_LABELS[viewer.scope.level]}"
                 f" · 数据日期 {settings.today.isoformat()}", c="dimmed", size="sm"),
        dmc.SimpleGrid(cols={"base": 1, "sm": 2, "lg": 4}, children=figures) if figures
        else None,
        *(sections or [dmc.Text("您暂无可用的查询页面, 请联系系统管理员。")]),
    ])


def register_home() -> None:
    dash.register_page("home", path="/", title="首页 - 保险分析查询系统", name="首页",
                       layout=home_layout)
