"""Every page of the product: its slug (URL, grant id, API id), Chinese title and area.

Report pages come from the catalog (each report declares its number, title and area);
only the pages that are not reports, the 工作日志 entry pages and the admin pages, are
declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

from queries.areas import AREAS, SYSTEM_AREA, WORKLOG_AREA, Area
from queries.catalog import CATALOG

__all__ = ["ACTION_PAGES", "ACTION_SLUGS", "ADMIN_PAGES", "ADMIN_SLUGS", "AREAS",
           "WORKLOG_PAGES", "WORKLOG_SLUGS", "Area",
           "Page", "page_by_slug", "pages", "report_slugs"]


@dataclass(frozen=True)
class Page:
    slug: str
    number: str
    title: str
    area: str
    is_report: bool = True

    @property
    def href(self) -> str:
        if self.is_report:
            return f"/reports/{self.slug}"
        return f"/worklog/{self.slug}" if self.area == WORKLOG_AREA else f"/admin/{self.slug}"


ADMIN_PAGES: tuple[Page, ...] = (
    Page("admin-user-new", "6.1", "用户权限录入", SYSTEM_AREA, is_report=False),
    Page("admin-users", "6.2", "用户权限查询", SYSTEM_AREA, is_report=False),
    Page("admin-audit", "6.5", "审计日志", SYSTEM_AREA, is_report=False),
    Page("admin-loads", "6.6", "数据装载", SYSTEM_AREA, is_report=False),
    Page("admin-customer-rules", "6.7", "客户识别规则", SYSTEM_AREA, is_report=False),
    Page("admin-worklog", "6.8", "工作日志设置", SYSTEM_AREA, is_report=False),
)
ADMIN_SLUGS: tuple[str, ...] = tuple(p.slug for p in ADMIN_PAGES)
# Where field staff write (pages/worklog_*.py); the area's query reports are in the catalog.
WORKLOG_PAGES: tuple[Page, ...] = (
    Page("worklog-plans", "7.1", "计划日志与录入", WORKLOG_AREA, is_report=False),
    Page("worklog-entry", "7.2", "工作记事录入", WORKLOG_AREA, is_report=False),
    Page("worklog-review", "7.3", "报备计划管理", WORKLOG_AREA, is_report=False),
    Page("worklog-forms", "7.4", "单证领用日志", WORKLOG_AREA, is_report=False),
    Page("worklog-problems", "7.5", "待解决问题", WORKLOG_AREA, is_report=False),
)
WORKLOG_SLUGS: tuple[str, ...] = tuple(p.slug for p in WORKLOG_PAGES)
# Pages of report areas that are not reports (actions on the data of the area).
ACTION_PAGES: tuple[Page, ...] = (
    Page("customer-review", "9.5", "疑似客户审核", "customer_data", is_report=False),
)
ACTION_SLUGS: tuple[str, ...] = tuple(p.slug for p in ACTION_PAGES)


def number_key(number: str) -> tuple[int, ...]:
    """REPORTS.md numbers in their order (1.10 after 1.9)."""
    return tuple(int(n) for n in number.split("."))


# The menu of one state of the catalog, with the reports it was made of (held, so their
# ids name them): every request resolves its user's grants through ``pages``.
_menus: dict[tuple[int, ...], tuple[tuple[object, ...], tuple[Page, ...]]] = {}


def pages() -> tuple[Page, ...]:
    """Every page in menu order, as the catalog is now: a report registered after
    start-up is listed too."""
    held = tuple(CATALOG.values())
    key = tuple(map(id, held))
    known = _menus.get(key)
    if known is not None:
        return known[1]
    reports = sorted(held, key=lambda r: number_key(r.number))
    found = (*(Page(r.slug, r.number, r.title, r.area) for r in reports), *WORKLOG_PAGES,
             *ACTION_PAGES, *ADMIN_PAGES)
    menu = tuple(sorted(found, key=lambda p: number_key(p.number)))
    if len(_menus) > 16:
        _menus.clear()
    _menus[key] = (held, menu)
    return menu


def page_by_slug() -> dict[str, Page]:
    return {p.slug: p for p in pages()}


def report_slugs() -> tuple[str, ...]:
    return tuple(p.slug for p in pages() if p.is_report)
