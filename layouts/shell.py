"""The app shell: header with the user and sign-out, the menu by area, the page."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from queries.access import SCOPE_LABELS, Viewer
from queries.menu import AREAS, pages

HEADER_HEIGHT = 56
NAV_ID = "nav-global"
SHELL_ID = "app-shell"


# Dates in Chinese, weeks from Monday, as the users' calendars are.
DATES_SETTINGS = {"locale": "zh-cn", "firstDayOfWeek": 1, "weekendDays": [0, 6]}


def nav_menu(viewer: Viewer | None, implemented: set[str]) -> list[object]:
    """Every page by area; pages the user may not open are shown disabled with a tooltip
    saying why, and an area with nothing the user may open starts collapsed."""
    items: list[object] = [dmc.NavLink(label="首页", href="/", leftSection="⌂")]
    for area in AREAS:
        links: list[object] = []
        granted = 0
        for page in (p for p in pages() if p.area == area.key):
            if page.slug not in implemented:
                continue
            allowed = viewer is not None and viewer.may_open(page.slug)
            granted += allowed
            link = dmc.NavLink(label=f"{page.number} {page.title}", href=page.href,
                               disabled=not allowed, id=f"nav-{page.slug}")
            links.append(link if allowed else dmc.Tooltip(
                label="无权限", position="right", withArrow=True, openDelay=150,
                children=html.Div(link, className="nav-denied")))
        if links:
            items.append(dmc.NavLink(
                label=area.title if granted else f"{area.title} (无权限)", childrenOffset=12,
                opened=bool(granted), children=links, id=f"nav-area-{area.key}",
                **({} if granted else {"c": "dimmed"})))
    return items


LINK_STYLE = {"background": "none", "border": 0, "padding": 0, "cursor": "pointer",
              "color": "var(--mantine-color-blue-6)", "fontSize": "14px"}


def _post_button(label: str, action: str) -> html.Form:
    # Signing out is a POST: a link (or an image) on another site signs nobody out.
    return html.Form(html.Button(label, type="submit", style=LINK_STYLE,
                                 id=f"shell{action.replace('/', '-')}"),
                     method="post", action=action, style={"margin": 0})


def shell(viewer: Viewer | None, implemented: set[str]) -> dmc.MantineProvider:
    who = ""
    if viewer is not None:
        who = f"{viewer.display_name} ({viewer.username}) · 数据范围: " \
              f"{SCOPE_LABELS[viewer.scope.level]}"
    header = dmc.Group(
        justify="space-between", h="100%", px="md",
        children=[
            dmc.Group(gap="xs", wrap="nowrap", children=[
                # On a phone the menu is a drawer behind this button (callbacks/shell).
                dmc.Burger(id="nav-burger", hiddenFrom="sm", size="sm", opened=False),
                dmc.Title("保险分析查询系统", order=3, c="blue.8", size="h4"),
            ]),
            dmc.Group(gap="sm", wrap="nowrap", children=[
                dmc.Text(who, size="sm", c="dimmed", id="shell-user", visibleFrom="md"),
                _post_button("重新登录", "/relogin"),
                _post_button("退出系统", "/logout"),
            ]),
        ],
    )
    return dmc.MantineProvider(
        theme={"fontFamily": "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif",
               "primaryColor": "blue"},
        children=dmc.DatesProvider(settings=DATES_SETTINGS, children=dmc.AppShell(
            header={"height": HEADER_HEIGHT},
            navbar={"width": 250, "breakpoint": "sm", "collapsed": {"mobile": True}},
            id=SHELL_ID,
            padding="md",
            children=[
                dmc.AppShellHeader(header),
                dmc.AppShellNavbar(dmc.ScrollArea(nav_menu(viewer, implemented)), p="xs"),
                dmc.AppShellMain(html.Div(dash.page_container, style={"minWidth": 0})),
                # Pages ask to navigate through this one location (filters → URL).
                dcc.Location(id=NAV_ID, refresh="callback-nav"),
            ],
        )),
    )
