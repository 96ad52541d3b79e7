"""Every page of the product: its slug (URL, grant id, API id), Chinese title and area.

REPORTS.md numbers the pages; the catalog in ``queries/reports`` declares how each
report page queries the store. Grants, templates and the menu use these slugs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    key: str
    title: str


@dataclass(frozen=True)
class Page:
    slug: str
    number: str
    title: str
    area: str
    is_report: bool = True


AREAS: tuple[Area, ...] = (
    Area("underwriting", "承保辅助管理"),
    Area("claims", "理赔周期分析"),
    Area("pnl", "盈亏分析"),
    Area("receivable", "应收保费查询"),
    Area("commission", "手续费查询"),
    Area("system", "系统"),
)

PAGES: tuple[Page, ...] = (
    Page("proposal-status", "1.1", "投保单汇总查询", "underwriting"),
    Page("lapsed-auto", "1.2", "车险脱保客户查询", "underwriting"),
    Page("property-policies", "1.3", "财产险保单查询", "underwriting"),
    Page("property-endorsements", "1.4", "财产险批单查询", "underwriting"),
    Page("property-risk", "1.5", "财产险业务风险查询", "underwriting"),
    Page("premium-received-monthly", "1.6", "实收保费月报表", "underwriting"),
    Page("premium-received-daily", "1.7", "实收保费日报表", "underwriting"),
    Page("claim-cycle", "2.1", "理赔周期清单", "claims"),
    Page("claims-unregistered", "2.2", "已报案未立案清单", "claims"),
    Page("claims-open", "2.3", "已立案未结案清单", "claims"),
    Page("pnl-insured", "3.1", "被保险人综合盈亏", "pnl"),
    Page("pnl-auto-policy", "3.2", "车险保单盈亏", "pnl"),
    Page("pnl-vehicle", "3.3", "车辆历年盈亏", "pnl"),
    Page("pnl-auto-handler", "3.4", "车险经办人盈亏", "pnl"),
    Page("pnl-auto-agent", "3.5", "车险代理人盈亏", "pnl"),
    Page("pnl-auto-cube", "3.6", "车险盈亏综合状况", "pnl"),
    Page("pnl-property-policy", "3.7", "财产险保单盈亏", "pnl"),
    Page("pnl-property-handler", "3.8", "财产险经办人盈亏", "pnl"),
    Page("pnl-property-agent", "3.9", "财产险代理人盈亏", "pnl"),
    Page("receivable-branch", "4.1", "支公司应收", "receivable"),
    Page("receivable-person", "4.2", "人员应收", "receivable"),
    Page("receivable-by-business", "4.3", "应收汇总·按业务信息", "receivable"),
    Page("receivable-by-payment", "4.4", "应收汇总·按收付信息", "receivable"),
    Page("receivable-policies", "4.5", "应收保单清单", "receivable"),
    Page("effective-policies", "4.6", "有效保单清单", "receivable"),
    Page("exchange-rates", "4.7", "兑换率", "receivable"),
    Page("commission-summary", "5.1", "手续费汇总", "commission"),
    Page("commission-list", "5.2", "手续费清单", "commission"),
    Page("admin-user-new", "6.1", "用户权限录入", "system", is_report=False),
    Page("admin-users", "6.2", "用户权限查询", "system", is_report=False),
    Page("admin-audit", "6.5", "审计日志", "system", is_report=False),
    Page("admin-loads", "6.6", "数据装载", "system", is_report=False),
)

PAGE_BY_SLUG: dict[str, Page] = {p.slug: p for p in PAGES}
REPORT_SLUGS: tuple[str, ...] = tuple(p.slug for p in PAGES if p.is_report)
ADMIN_SLUGS: tuple[str, ...] = tuple(p.slug for p in PAGES if not p.is_report)
