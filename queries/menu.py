"""Every page of the product: its slug (URL, grant id, API id), Chinese title and area.

Report pages come from the catalog (each report declares its number, title and area);
only the pages that are not reports, the admin pages, are declared here.
"""

from __future__ import annotations

from dataclasses import dataclass

from queries.areas import AREAS, SYSTEM_AREA, Area
from queries.catalog import CATALOG

__all__ = ["ADMIN_PAGES", "ADMIN_SLUGS", "AREAS", "Area", "Page", "page_by_slug", "pages",
           "report_slugs"]


@dataclass(frozen=True)
class Page:
    slug: str
    number: str
    title: str
    area: str
    is_report: bool = True


ADMIN_PAGES: tuple[Page, ...] = (
    Page("admin-user-new", "6.1", "用户权限录入", SYSTEM_AREA, is_report=False),
    Page("admin-users", "6.2", "用户权限查询", SYSTEM_AREA, is_report=False),
    Page("admin-audit", "6.5", "审计日志", SYSTEM_AREA, is_report=False),
    Page("admin-loads", "6.6", "数据装载", SYSTEM_AREA, is_report=False),
)
ADMIN_SLUGS: tuple[str, ...] = tuple(p.slug for p in ADMIN_PAGES)


def number_key(number: str) -> tuple[int, ...]:
    """REPORTS.md numbers in their order (1.10 after 1.9)."""
    return tuple(int(n) for n in number.split("."))


def pages() -> tuple[Page, ...]:
    """Every page in menu order; read from the catalog on each call, so a report
    registered after start-up is listed too."""
    reports = sorted(CATALOG.values(), key=lambda r: number_key(r.number))
    return (*(Page(r.slug, r.number, r.title, r.area) for r in reports), *ADMIN_PAGES)


def page_by_slug() -> dict[str, Page]:
    return {p.slug: p for p in pages()}


def report_slugs() -> tuple[str, ...]:
    return tuple(p.slug for p in pages() if p.is_report)
