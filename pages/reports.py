"""One registration loop: a page per report of the catalog, at /reports/<slug>."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc

import auth
from auth.sharing import colleagues
from layouts.report_page import report_page
from layouts.saved_views import views_menu
from ops.grid_columns import saved_columns
from ops.views import list_views
from queries.catalog import CATALOG
from queries.spec import Report


def forbidden_notice(title: str) -> Any:
    return dmc.Alert("您没有该页面的使用权限, 请联系系统管理员。", title=f"无权访问: {title}",
                     color="red", id="forbidden-notice")


def _layout_for(report: Report):  # type: ignore[no-untyped-def]
    def layout(**args: str) -> Any:
        settings = auth.current_settings()
        try:
            viewer = auth.require_page(report.slug)
        except auth.Forbidden:
            return forbidden_notice(report.title)
        if args.get("level") == "detail" and not args.get("cols"):
            # The columns this user left the grid with, unless the link carries its own.
            stored = saved_columns(settings.users_db, viewer.user_id, report.slug)
            args = {**args, **({"cols": stored} if stored else {})}
        toolbar = views_menu(report.slug, list_views(settings.users_db, viewer.user_id,
                                                     report.slug),
                             colleagues(settings, viewer, report.slug))
        return report_page(auth.current_engine(), report, viewer, args, toolbar)

    return layout


def register_report_pages() -> None:
    for slug, report in CATALOG.items():
        dash.register_page(f"report-{slug}", path=f"/reports/{slug}",
                           title=f"{report.title} - 保险分析查询系统", name=report.title,
                           layout=_layout_for(report))
