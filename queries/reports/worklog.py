"""7 工作日志 — the queries over written data: plans, notes, the employee's customers,
expenses against the year's budget, the cost to serve each customer, and anomalies.

Their sources are the mirror's facts (``queries.worklog_sources``): a note is in them as
soon as it is saved. Scope is the author's: an employee sees their own rows, a 科长 the
department's, a 支公司经理 the branch's, the 总经理 all.
"""

from __future__ import annotations

from dataclasses import replace

from ops.worklog_tables import EXPENSE_KINDS, OUTCOMES, PLAN_KINDS
from queries.reports.common import BRANCH_DIM, DEPT_DIM, branch_filter, dept_filter, with_names
from queries.spec import (
    Chart,
    Col,
    Dim,
    Filter,
    Lookup,
    Measure,
    Options,
    Report,
    ScopeColumns,
    Summary,
)
from queries.worklog_findings import OUTLIER_FACTOR, OUTLIER_MIN_NOTES
from queries.worklog_sources import BUDGET_NAME, STATUS_NAMES

AREA = "worklog"
SCOPE = ScopeColumns(branch="branch_id", department="dept_id", self_="staff_id")
PEOPLE = Lookup("worklog_people", "user_id", "person_name", code="person_code")
PERSON_DIM = Dim("person", "员工", "user_id", lookup=PEOPLE, type="int")
STAFF_DIM = Dim("staff", "员工", "staff_id", type="int",
                lookup=Lookup("staff", "staff_id", "staff_name", code="staff_code"))
CUSTOMER_DIM = Dim("customer", "客户", "customer_id", type="int",
                   lookup=Lookup("customer", "customer_id", "customer_name",
                                 code="customer_code"))
PERSON_FILTER = Filter("person", "员工代码", "text", "staff_code")
CUSTOMER_FILTER = Filter("customer", "客户代码", "text", "customer_code")
WHO: tuple[Col, ...] = (Col("staff_code", "员工代码", "code"), Col("author_name", "员工"))


def _static(values: tuple[str, ...]) -> Options:
    return Options(static=tuple((v, v) for v in values))


def _by(key: str, label: str, dim: str, y: tuple[str, ...]) -> Summary:
    return Summary(key, label, (dim,), Chart("bar", f"{dim}_label" if dim in {
        "person", "dept", "branch", "staff", "customer"} else dim, y))


PLANS = Report(
    slug="worklog-plan-list", number="7.6", area=AREA, title="查询工作计划",
    store="operational", source="worklog_plan_fact", id_column="plan_id", scope=SCOPE,
    filters=(
        Filter("start", "计划日期", "date_range", "start_date"),
        Filter("status", "状态", "multi", "status", options=Options(static=STATUS_NAMES)),
        Filter("kind", "计划类别", "multi", "kind", options=_static(PLAN_KINDS)),
        branch_filter(), dept_filter(), PERSON_FILTER,
    ),
    dims=(PERSON_DIM, DEPT_DIM, BRANCH_DIM, Dim("month", "月份", "plan_month"),
          Dim("status", "状态", "status_name"), Dim("kind", "计划类别", "kind")),
    measures=(
        Measure("plans", "计划数", "count", type="int"),
        Measure("approved", "已批准", "count", "is_approved", type="int"),
        Measure("submitted", "待审批", "count", "is_submitted", type="int"),
        Measure("returned", "已退回", "count", "is_returned", type="int"),
        Measure("planned_cost", "计划费用", "sum", "planned_cost"),
        Measure("spent", "实际费用", "sum", "spent"),
        Measure("notes", "记事数", "sum", "notes", type="int"),
        Measure("customers", "计划客户数", "sum", "customers", type="int"),
    ),
    detail=(
        Col("start_date", "开始日期", "date"), Col("end_date", "结束日期", "date"),
        Col("kind", "计划类别"), *WHO, Col("purpose", "目的", width=220),
        Col("customer_names", "客户", width=220),
        Col("planned_cost", "计划费用", "money"), Col("spent", "实际费用", "money"),
        Col("notes", "记事数", "int"), Col("status_name", "状态"),
        Col("reviewer_name", "审批人"), Col("review_comment", "审批意见", width=200),
        Col("reviewed_time", "审批时间"),
    ),
    summaries=(
        _by("by-person", "按员工汇总", "person", ("planned_cost", "spent")),
        _by("by-dept", "按部门汇总", "dept", ("planned_cost", "spent")),
        _by("by-branch", "按支公司汇总", "branch", ("planned_cost", "spent")),
        Summary("by-month", "按月份汇总", ("month",),
                Chart("line", "month", ("planned_cost", "spent"))),
        Summary("by-status", "按状态汇总", ("status",)),
    ),
    order=(("start_date", "desc"),),
    notes=("实际费用 = 该计划下工作记事的费用合计 (已删除或已被更正的记事不计)。",),
)

NOTES = Report(
    slug="worklog-note-list", number="7.7", area=AREA, title="查询工作记事",
    store="operational", source="worklog_entry_fact", id_column="entry_id", scope=SCOPE,
    filters=(
        Filter("date", "记事日期", "date_range", "entry_date"),
        Filter("kind", "费用类别", "multi", "expense_kind",
               options=_static((*EXPENSE_KINDS, "无费用"))),
        Filter("outcome", "结果", "multi", "outcome", options=_static(OUTCOMES)),
        Filter("customer_kind", "客户类别", "multi", "customer_kind", options=_static(
            ("已有客户", "间接客户", "代理客户", "集团客户", "新客户", "无客户"))),
        CUSTOMER_FILTER, Filter("customer_name", "客户名称", "contains", "customer_name"),
        branch_filter(), dept_filter(), PERSON_FILTER,
    ),
    dims=(PERSON_DIM, DEPT_DIM, BRANCH_DIM, Dim("month", "月份", "entry_month"),
          Dim("kind", "费用类别", "expense_kind"), Dim("outcome", "结果", "outcome"),
          Dim("customer_kind", "客户类别", "customer_kind")),
    measures=(Measure("notes", "记事数", "count", type="int"),
              Measure("expense", "费用", "sum", "expense_amount")),
    detail=(
        Col("entry_date", "日期", "date"), *WHO, Col("customer_code", "客户代码", "code"),
        Col("customer_name", "客户名称"), Col("customer_kind", "客户类别"),
        Col("content", "工作内容", width=240), Col("expense_kind", "费用类别"),
        Col("expense_amount", "费用", "money"), Col("receipt_no", "票据号", "code"),
        Col("outcome", "结果"), Col("policy_no", "保单号", "code", link="policy"),
        Col("plan_purpose", "所属计划"), Col("plan_status", "计划状态"),
        Col("corrected", "更正"),
    ),
    summaries=(
        _by("by-person", "按员工汇总", "person", ("expense",)),
        _by("by-dept", "按部门汇总", "dept", ("expense",)),
        _by("by-branch", "按支公司汇总", "branch", ("expense",)),
        Summary("by-month", "按月份汇总", ("month",), Chart("line", "month", ("expense",))),
        Summary("by-kind", "按费用类别汇总", ("kind",), Chart("pie", "kind", ("expense",))),
        Summary("by-outcome", "按结果汇总", ("outcome",)),
    ),
    order=(("entry_date", "desc"),),
    notes=("记事保存后即可查询; 已删除的记事和被更正记事取代的原记事不列出。",),
)

CUSTOMERS = Report(
    slug="worklog-customers", number="7.8", area=AREA, title="查询客户信息",
    store="operational", source="worklog_customer_fact", id_column="row_id", scope=SCOPE,
    filters=(
        Filter("relation", "客户来源", "multi", "relation", options=_static(
            ("经办保单", "记事客户", "无保单客户", "新客户"))),
        CUSTOMER_FILTER, Filter("start", "起保日期", "date_range", "start_date"),
        branch_filter(), dept_filter(),
    ),
    dims=(STAFF_DIM, replace(CUSTOMER_DIM, many=True), Dim("relation", "客户来源", "relation"),
          DEPT_DIM, BRANCH_DIM),
    measures=(
        Measure("rows", "记录数", "count", type="int"),
        Measure("customers", "已建档客户数", "count_distinct", "customer_id", type="int"),
        Measure("policies", "保单数", "sum", "has_policy", type="int"),
        Measure("premium", "签单保费", "sum", "premium_cny"),
        Measure("received", "到款保费", "sum", "received_cny"),
        Measure("claims", "立案次数", "sum", "claims_registered", type="int"),
        Measure("paid_closed", "已决赔款", "sum", "paid_closed_cny"),
        Measure("outstanding", "未决估损", "sum", "outstanding_cny"),
    ),
    detail=with_names(
        Col("relation", "客户来源"),
        Col("staff_name", "员工", column="staff_id",
            lookup=Lookup("staff", "staff_id", "staff_name")),
        Col("customer_code", "客户代码", "code"),
        Col("customer_name", "客户名称", column="customer_id",
            lookup=Lookup("customer", "customer_id", "customer_name")),
        Col("prospect_name", "新客户 (未建档)"), Col("policy_no", "保单号", "code", link="policy"),
        Col("risk_code", "险种", "code"), Col("start_date", "起保日期", "date"),
        Col("end_date", "终保日期", "date"), Col("premium_cny", "签单保费", "money"),
        Col("received_cny", "到款保费", "money"), Col("claims_registered", "立案次数", "int"),
        Col("paid_closed_cny", "已决赔款", "money"),
        Col("outstanding_cny", "未决估损", "money"),
    ),
    summaries=(
        Summary("by-customer", "按客户汇总", ("customer",)),
        _by("by-staff", "按员工汇总", "staff", ("premium", "paid_closed")),
        Summary("by-relation", "按客户来源汇总", ("relation",)),
        _by("by-branch", "按支公司汇总", "branch", ("premium", "paid_closed")),
    ),
    order=(("start_date", "desc"),),
    notes=("员工的客户: 其经办保单的被保险人, 及其工作计划、记事中的客户 (含他人经办的保单) "
           "和尚未建档的新客户; 同一保单可分属经办人与记事员工, 合计中各计一次。",
           "保单与理赔为分析库数据 (T+1): 立案次数、已决赔款、未决估损按保单汇总。"),
)

EXPENSES = Report(
    slug="worklog-expenses", number="7.9", area=AREA, title="查询费用信息",
    store="operational", source="worklog_expense_fact", id_column="row_id", scope=SCOPE,
    filters=(
        Filter("date", "费用日期", "date_range", "expense_date"),
        Filter("kind", "费用类别", "multi", "expense_kind",
               options=_static((*EXPENSE_KINDS, BUDGET_NAME))),
        branch_filter(), dept_filter(), PERSON_FILTER,
    ),
    dims=(PERSON_DIM, DEPT_DIM, BRANCH_DIM, Dim("month", "月份", "expense_month"),
          Dim("kind", "费用类别", "expense_kind"),
          Dim("year", "年度", "expense_year", type="year")),
    measures=(
        Measure("rows", "记录数 (含预算行)", "count", type="int"),
        Measure("items", "费用笔数", "count", "expense_rows", type="int"),
        Measure("expense", "费用", "sum", "expense"),
        Measure("budget", "年费用预算", "sum", "budget"),
        Measure("left", "预算余额", "diff", numerator="budget", denominator="expense"),
        Measure("used_pct", "预算执行率(%)", "ratio", numerator="expense", denominator="budget",
                scale=100, type="percent", alert=(90.0, 100.0)),
    ),
    detail=(
        Col("expense_date", "日期", "date"), *WHO, Col("expense_kind", "费用类别"),
        Col("expense", "费用", "money"), Col("budget", "预算 (月份额)", "money"),
        Col("customer_code", "客户代码", "code"),
        Col("customer_name", "客户名称"), Col("content", "工作内容", width=240),
        Col("receipt_no", "票据号", "code"),
    ),
    summaries=(
        _by("by-person", "按员工汇总", "person", ("expense", "budget")),
        _by("by-dept", "按部门汇总", "dept", ("expense", "budget")),
        _by("by-branch", "按支公司汇总", "branch", ("expense", "budget")),
        Summary("by-month", "按月份汇总", ("month",),
                Chart("bar", "month", ("expense", "budget"))),
        Summary("by-kind", "按费用类别汇总", ("kind",), Chart("pie", "kind", ("expense",))),
    ),
    order=(("expense_rows", "desc"), ("expense_date", "desc")),
    notes=("清单先列费用, 后列各月预算份额行。年费用预算按月平均分摊 (分摊余数计入 12 月), "
           "故按月份、按日期区间查询时预算为该期间的份额;",
           "预算不分费用类别, 按类别汇总时列在“年度预算”一行。",
           "预算执行率 = 费用 / 年费用预算。"),
)

COST_TO_SERVE = Report(
    slug="worklog-cost-to-serve", number="7.10", area=AREA, title="客户展业成本",
    store="operational", source="worklog_cost_fact", id_column="row_id", scope=SCOPE,
    filters=(
        Filter("year", "年度", "multi", "year",
               options=Options(table="worklog_cost_fact", value="year")),
        CUSTOMER_FILTER, branch_filter(), dept_filter(), PERSON_FILTER,
    ),
    dims=(PERSON_DIM, CUSTOMER_DIM, DEPT_DIM, BRANCH_DIM,
          Dim("year", "年度", "year", type="year")),
    measures=(
        Measure("rows", "服务户次", "count", type="int"),
        Measure("visits", "拜访次数", "sum", "visits", type="int"),
        Measure("expense", "展业费用", "sum", "expense"),
        Measure("per_visit", "每次拜访费用", "ratio", numerator="expense", denominator="visits",
                type="money"),
        Measure("premium", "签单保费", "sum", "premium"),
        Measure("received", "到款保费", "sum", "received"),
        Measure("commission", "手续费", "sum", "commission"),
        Measure("paid_closed", "已决赔款", "sum", "paid_closed"),
        Measure("outstanding", "未决估损", "sum", "outstanding"),
        Measure("customer_pnl", "客户盈亏", "sum", "customer_pnl"),
        Measure("pnl_after_cost", "扣除展业费用后盈亏", "sum", "pnl_after_cost"),
        Measure("cost_ratio", "费用率(%)", "ratio", numerator="expense", denominator="received",
                scale=100, type="percent", alert=(10.0, 30.0)),
    ),
    detail=(
        Col("year", "年度", "year"), Col("staff_code", "员工代码", "code"),
        Col("person_name", "员工", column="user_id",
            lookup=Lookup("worklog_people", "user_id", "person_name")),
        Col("customer_code", "客户代码", "code"), Col("customer_name", "客户名称"),
        # What a manager compares first, then the figures they come from.
        Col("expense", "展业费用", "money"), Col("customer_pnl", "客户盈亏", "money"),
        Col("pnl_after_cost", "扣除展业费用后盈亏", "money"),
        Col("visits", "拜访次数", "int"), Col("share_pct", "分摊比例(%)", "percent"),
        Col("policies", "保单数", "int"), Col("premium", "签单保费", "money"),
        Col("received", "到款保费", "money"), Col("commission", "手续费", "money"),
        Col("paid_closed", "已决赔款", "money"), Col("outstanding", "未决估损", "money"),
    ),
    summaries=(
        _by("by-customer", "按客户汇总", "customer", ("expense", "customer_pnl")),
        _by("by-person", "按业务员汇总", "person", ("expense", "customer_pnl")),
        _by("by-dept", "按部门汇总", "dept", ("expense", "customer_pnl")),
        _by("by-branch", "按支公司汇总", "branch", ("expense", "customer_pnl")),
        Summary("by-year", "按年度汇总", ("year",)),
    ),
    order=(("year", "desc"), ("expense", "desc")),
    notes=("展业费用: 工作记事中对该客户的费用 (保存即计入); 保费、手续费、赔款为分析库数据 "
           "(T+1), 取该客户为被保险人、当年起保的保单。",
           "客户盈亏 = 到款保费 − 手续费 − 已决赔款 − 未决估损; 扣除展业费用后盈亏 = 客户盈亏 − "
           "展业费用; 费用率 = 展业费用 / 到款保费。",
           "一位客户由多人服务时, 其保费、手续费与赔款按各人费用占比分摊 (均无费用时按拜访"
           "次数), 合计不重复。"),
)

RULES = ("费用超预算", "记事无客户", "票据号重复", "无计划日费用", "单次费用远高于科室中位数")
ANOMALIES = Report(
    slug="worklog-anomalies", number="7.11", area=AREA, title="异常提示",
    store="operational", source="worklog_anomaly_fact", id_column="anomaly_id", scope=SCOPE,
    filters=(
        Filter("rule", "提示类别", "multi", "rule", options=_static(RULES)),
        Filter("date", "日期", "date_range", "event_date"),
        branch_filter(), dept_filter(), PERSON_FILTER,
    ),
    dims=(Dim("rule", "提示类别", "rule"), PERSON_DIM, DEPT_DIM, BRANCH_DIM,
          Dim("month", "月份", "event_month")),
    measures=(Measure("findings", "提示数", "count", type="int"),
              Measure("amount", "涉及金额", "sum", "amount")),
    detail=(
        Col("rule", "提示类别"), Col("event_date", "日期", "date"), *WHO,
        Col("reason", "原因", width=480), Col("amount", "涉及金额", "money"),
        Col("customer_name", "客户"), Col("receipt_no", "票据号", "code"),
        Col("content", "工作内容", width=200), Col("entry_id", "记事编号", "int"),
    ),
    summaries=(
        Summary("by-rule", "按提示类别汇总", ("rule",), Chart("bar", "rule", ("findings",))),
        _by("by-person", "按员工汇总", "person", ("findings",)),
        _by("by-dept", "按部门汇总", "dept", ("findings",)),
        _by("by-branch", "按支公司汇总", "branch", ("findings",)),
        Summary("by-month", "按月份汇总", ("month",)),
    ),
    order=(("event_date", "desc"),),
    notes=("提示供核实, 不代表违规: 每行写明触发的规则与数据。",
           "费用超预算: 全年费用超过年费用预算 (未录入预算按 0 计), 日期为超出当天;",
           "票据号重复: 同一票据号出现在多条记事; 无计划日费用: 有费用的记事当天没有本人的"
           "日常工作计划 (月计划不算);",
           f"单次费用远高于科室中位数: 超过本科室当年同类费用每次中位数的 {OUTLIER_FACTOR} 倍 "
           f"(科室当年该类费用记事不少于 {OUTLIER_MIN_NOTES} 条时)。")
)
