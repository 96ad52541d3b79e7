"""The areas of the product (REPORTS.md's chapters): the menu's sections and the unit
a role is granted. A report names its area; the system area holds the admin pages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    key: str
    title: str


AREAS: tuple[Area, ...] = (
    Area("underwriting", "承保辅助管理"),
    Area("claims", "理赔周期分析"),
    Area("pnl", "盈亏分析"),
    Area("receivable", "应收保费查询"),
    Area("commission", "手续费查询"),
    Area("worklog", "工作日志管理"),
    Area("customers", "客户管理"),
    Area("customer_data", "客户数据管理"),
    Area("system", "系统"),
)
SYSTEM_AREA = "system"
WORKLOG_AREA = "worklog"  # the 工作日志 pages (menu.py) and its query reports
REPORT_AREAS: tuple[str, ...] = tuple(a.key for a in AREAS if a.key != SYSTEM_AREA)
# Tags a report may carry (role grants beyond an area) and how the 6.1 form names them.
TAG_TITLES: dict[str, str] = {"sales": "业务员常用报表"}
