"""A report added as one declaration, outside the catalog's modules: ``-p
tests.extra_report`` registers it before the catalog's test loops are collected."""

from __future__ import annotations

from queries import catalog
from queries.reports.common import BRANCH_DIM, branch_filter
from queries.spec import Col, Dim, Filter, Measure, Report, Summary

EXTRA = Report(
    slug="pnl-auto-branch-year", number="3.10", area="pnl", title="车险支公司年度盈亏",
    source="policy_pnl", id_column="policy_id", where="line = 'auto'",
    filters=(Filter("start", "起保日期", "date_range", "start_date"), branch_filter()),
    dims=(BRANCH_DIM, Dim("year", "起保年度", "start_year", type="year")),
    measures=(Measure("policies", "保单数", "count", type="int"),
              Measure("premium", "保费", "sum", "premium_cny")),
    detail=(Col("policy_no", "保单号"), Col("start_date", "起保日期", "date")),
    summaries=(Summary("by-branch-year", "按支公司、年度汇总", ("branch", "year")),),
    order=(("start_date", "desc"),),
)


def pytest_configure() -> None:
    catalog.register(EXTRA)
