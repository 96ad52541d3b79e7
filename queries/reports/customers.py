"""8 客户管理 — renewals, orphan policies, customer groups and value grades.

The customer of these pages is the policy's 被保险人 (docs/CUSTOMERS.md says how each
group is defined). A customer row is one customer, year and 经办人: the scope of a
branch head or a 科长 holds the business of their own branch or 科室.
"""

from __future__ import annotations

from data.customer_rollups import RENEWAL_STATUSES, RENEWAL_WINDOWS
from queries.reports.common import (
    BRANCH_DIM,
    INSURED_MOBILE,
    INSURED_NAME,
    POLICY_NO,
    branch_filter,
    dept_filter,
    with_names,
)
from queries.spec import Chart, Col, Dim, Filter, Lookup, Measure, Options, Report, Summary

HANDLER_DIM = Dim("handler", "经办人", "handler_id",
                  lookup=Lookup("staff", "staff_id", "staff_name", code="staff_code"),
                  type="int")
LINE_OPTIONS = Options(static=(("auto", "车险"), ("property", "财产险"), ("other", "其他")))

RENEWALS = Report(
    slug="customer-renewals", number="8.1", area="customers", tags=("sales",),
    title="续保管理",
    source="renewal_fact", id_column="policy_id",
    filters=(
        Filter("window", "到期窗口", "multi", "end_window",
               options=Options(static=RENEWAL_WINDOWS),
               help="30/60/90 天内到期: 多选相邻窗口, 如 30天内 + 31-60天 = 60 天内"),
        Filter("status", "续保状态", "multi", "renewal_status",
               options=Options(static=RENEWAL_STATUSES)),
        branch_filter(),
        dept_filter(),
        Filter("handler", "经办人代码", "text", "handler_code"),
        Filter("line", "业务类别", "multi", "line", options=LINE_OPTIONS),
    ),
    dims=(HANDLER_DIM, Dim("status", "续保状态", "renewal_status"),
          Dim("window", "到期窗口", "end_window"), BRANCH_DIM),
    measures=(
        Measure("policies", "到期保单数", "count", type="int"),
        Measure("renewed", "已续保", "sum", "is_renewed", type="int"),
        Measure("renewal_rate", "续保率(%)", "ratio", numerator="renewed",
                denominator="policies", scale=100, type="percent"),
        Measure("premium", "到期保费(折人民币)", "sum", "premium_cny"),
    ),
    detail=with_names(
        POLICY_NO,
        Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
        Col("mobile", "联系手机", column="insured_id", lookup=INSURED_MOBILE, personal="phone"),
        Col("risk_code", "险种代码", "code"), Col("plate_no", "车牌号"),
        Col("start_date", "起保日期", "date"), Col("end_date", "终保日期", "date"),
        Col("days_to_end", "距到期天数", "int"),
        Col("premium_cny", "保费(折人民币)", "money"),
        Col("renewal_status", "续保状态"), Col("renewal_policy_no", "续保保单号"),
        Col("quote_no", "报价投保单号"),
        Col("handler_code", "经办人代码", "code"), Col("handler_name", "经办人"),
        Col("agent_code", "代理人代码", "code"), Col("branch_code", "归属支公司代码", "code"),
    ),
    summaries=(
        Summary("by-handler", "按经办人和续保状态汇总", ("handler", "status")),
        Summary("by-window", "按到期窗口汇总", ("window", "status"),
                Chart("bar", "window", ("policies",), color="status")),
        Summary("by-branch", "按支公司汇总", ("branch",),
                Chart("bar", "branch_label", ("renewal_rate",))),
    ),
    order=(("end_date", "asc"),),
    notes=("到期前后 90 天内的有效保单 (按数据日期): 已续保 = 有保单续保此单 (或同一车辆在宽限"
           "天数内另有保单起保); 已报价 = 同一被保险人、同一险种有未转保单的投保单在到期前后"
           "起保; 已脱保 = 过了宽限天数仍未续保; 其余为待续保。",),
)

ORPHANS = Report(
    slug="orphan-policies", number="8.2", area="customers", title="孤儿保单",
    source="orphan_fact", id_column="policy_id",
    filters=(
        branch_filter(),
        dept_filter(),
        Filter("handler", "原经办人代码", "text", "handler_code"),
        Filter("left", "离职日期", "date_range", "left_date",
               help="经办人或代理人中较早离职者的日期"),
        Filter("reason", "原因", "multi", "orphan_reason", options=Options(static=tuple(
            (v, v) for v in ("经办人离职", "代理人离职", "经办人和代理人离职")))),
        Filter("end", "终保日期", "date_range", "end_date"),
        Filter("line", "业务类别", "multi", "line", options=LINE_OPTIONS),
    ),
    dims=(BRANCH_DIM, HANDLER_DIM),
    measures=(Measure("policies", "保单数", "count", type="int"),
              Measure("premium", "保费(折人民币)", "sum", "premium_cny")),
    detail=with_names(
        POLICY_NO,
        Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
        Col("handler_code", "原经办人代码", "code"), Col("handler_name", "原经办人"),
        Col("orphan_reason", "原因"), Col("handler_left_date", "经办人离职日期", "date"),
        Col("agent_code", "代理人代码", "code"), Col("agent_name", "代理人"),
        Col("agent_left_date", "代理人离职日期", "date"),
        Col("risk_code", "险种代码", "code"), Col("plate_no", "车牌号"),
        Col("start_date", "起保日期", "date"), Col("end_date", "终保日期", "date"),
        Col("days_to_end", "距到期天数", "int"),
        Col("premium_cny", "保费(折人民币)", "money"),
        Col("branch_code", "归属支公司代码", "code"), Col("dept_code", "归属部门代码", "code"),
    ),
    summaries=(Summary("by-branch", "按支公司汇总", ("branch",),
                       Chart("bar", "branch_label", ("policies",))),
               Summary("by-handler", "按原经办人汇总", ("branch", "handler"))),
    order=(("end_date", "asc"),),
    notes=("经办人或代理人已离职 (员工、代理人的离职日期) 的有效保单; 支公司经理可在“孤儿保单转交”"
           "页把已离职的经办人转给本支公司在职的同事, 已离职的代理人转给本支公司在约的代理人, "
           "转交记入审计, 并在每次装载后保持。",
           "转交后各报表的经办人、代理人随之更新; 已支付的手续费仍归原代理人。"),
)


def _customer_group(slug: str, number: str, title: str, where: str, notes: str, *,
                    extra: tuple[Col, ...] = (), dims: tuple[Dim, ...] = ()) -> Report:
    """A customer group: one row per customer, year and 经办人, filtered by year."""
    return Report(
        slug=slug, number=number, area="customers", title=title,
        source="customer_year_fact", id_column="row_id", where=where,
        filters=(
            Filter("year", "统计年度", "multi", "stat_year",
                   options=Options(table="customer_year_fact", value="stat_year",
                                   label="stat_year")),
            branch_filter(),
            dept_filter(),
            Filter("handler", "经办人代码", "text", "handler_code"),
            Filter("customer_name", "客户名称", "contains", "customer_name"),
        ),
        dims=(Dim("year", "统计年度", "stat_year", type="year"), BRANCH_DIM, HANDLER_DIM,
              *dims),
        measures=(
            Measure("customers", "客户数", "count_distinct", "customer_id", type="int"),
            # A customer served by two 经办人 in a year is two rows of the detail list.
            Measure("rows", "明细行数", "count", type="int"),
            Measure("policies", "保单数", "sum", "policies", type="int"),
            Measure("premium", "签单保费", "sum", "premium_cny"),
            Measure("claims", "出险次数", "sum", "claims", type="int"),
            Measure("contribution", "利润贡献", "sum", "contribution_cny"),
        ),
        detail=with_names(
            Col("master_no", "统一客户号", "code"),
            Col("customer_name", "客户名称", link="customer"),
            Col("customer_kind", "客户类型"), Col("stat_year", "统计年度", "year"),
            *extra,
            Col("policies", "保单数", "int"), Col("premium_cny", "签单保费", "money"),
            Col("received_cny", "到款保费", "money"), Col("claims", "出险次数", "int"),
            Col("claim_paid_cny", "已付赔款", "money"),
            Col("contribution_cny", "利润贡献", "money"),
            Col("handler_code", "经办人代码", "code"),
            Col("branch_code", "归属支公司代码", "code"),
        ),
        summaries=(
            Summary("by-year", "按年度汇总", ("year",),
                    Chart("line", "year", ("customers",))),
            Summary("by-branch", "按支公司汇总", ("year", "branch")),
            Summary("by-handler", "按经办人汇总", ("year", "handler")),
            *(Summary(f"by-{d.key}", f"按{d.label}汇总", ("year", d.key)) for d in dims),
        ),
        order=(("stat_year", "desc"), ("premium_cny", "desc")),
        notes=(notes, "客户为保单被保险人的统一客户号 (同一客户的各来源记录合为一位客户); "
                      "一行为一位客户在一个年度、一位经办人名下的业务。"),
    )


NEW_CUSTOMERS = _customer_group(
    "customers-new", "8.3", "新保客户群", "is_new = 1",
    "新保: 客户的第一张保单在该年度起保。",
    extra=(Col("new_policies", "首张保单", "int"),))
RENEWED_CUSTOMERS = _customer_group(
    "customers-renewed", "8.4", "续保客户群", "is_renewed = 1",
    "续保: 客户在该年度起保的保单中有续保保单 (续保自一张到期保单)。",
    extra=(Col("renewal_policies", "续保保单数", "int"),))
POTENTIAL_CUSTOMERS = _customer_group(
    "customers-potential", "8.5", "潜在拓展客户群", "potential_reason IS NOT NULL",
    "潜在拓展: 该年度有保单到期未续保 (脱保), 或有投保单未成交 (报价未成交), 或只投保了车险、"
    "财产险中的一类 (可交叉销售)。",
    extra=(Col("potential_reason", "拓展原因"), Col("lapsed", "脱保保单数", "int"),
           Col("quotes", "未成交投保单数", "int")),
    dims=(Dim("reason", "拓展原因", "potential_reason"),))
CLAIM_CUSTOMERS = _customer_group(
    "customers-claims", "8.6", "出险客户群", "has_claims = 1",
    "出险: 客户的保单在该年度有报案 (注销的报案不计)。")
VALUE_GRADES = _customer_group(
    "customers-grades", "8.7", "客户价值分级", "TRUE",
    "价值分级按客户该年度全部业务: VIP = 签单保费与利润贡献 (到款保费 - 已决 - 未决) 均达到"
    "系统设置的门槛; 重要 = 保费达到重要客户门槛且贡献不为负; 亏损 = 贡献为负; 其余为普通。",
    extra=(Col("grade", "价值等级"), Col("year_premium_cny", "年度签单保费(全部)", "money"),
           Col("year_contribution_cny", "年度利润贡献(全部)", "money")),
    dims=(Dim("grade", "价值等级", "grade"),))

BLACKLIST = Report(
    slug="customers-blacklist", number="8.8", area="customers", title="黑名单客户群",
    source="blacklist_fact", id_column="row_id",
    filters=(
        Filter("source", "来源", "multi", "source",
               options=Options(static=(("名单", "维护的名单"), ("规则", "规则标记")))),
        branch_filter(),
        Filter("handler", "经办人代码", "text", "handler_code"),
        Filter("customer_name", "客户名称", "contains", "customer_name"),
    ),
    dims=(Dim("source", "来源", "source"), BRANCH_DIM, HANDLER_DIM),
    measures=(Measure("customers", "客户数", "count_distinct", "customer_id", type="int"),
              Measure("rows", "明细行数", "count", type="int")),
    detail=with_names(
        Col("master_no", "统一客户号", "code"),
            Col("customer_name", "客户名称", link="customer"),
        Col("source", "来源"), Col("reason", "原因"), Col("added_by", "加入人"),
        Col("added_at", "加入时间"), Col("handler_code", "经办人代码", "code"),
        Col("branch_code", "归属支公司代码", "code"),
    ),
    summaries=(Summary("by-source", "按来源汇总", ("source",),
                       Chart("bar", "source", ("customers",))),
               Summary("by-branch", "按支公司汇总", ("branch", "source"))),
    order=(("master_no", "asc"),),
    notes=("名单: 在“黑名单维护”页加入的客户, 写明原因和加入人, 在下次数据刷新后列于此; "
           "规则: 一年内出险 3 次及以上, 或累计已决+未决超过到款保费的 150% (且不少于 1 万元)。",),
)
