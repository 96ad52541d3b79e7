"""1.3, 1.4 财产险保单 / 批单查询 and 1.7 实收保费日报表."""

from __future__ import annotations

from queries.reports.common import (
    AGENT_NAME,
    BRANCH_DIM,
    CLAIM_NO,
    INSURED_NAME,
    POLICY_NO,
    STAFF_NAME,
    branch_filter,
    dept_filter,
    with_names,
)
from queries.spec import Chart, Col, Dim, Filter, Lookup, Measure, Options, Report, Summary

PROPERTY = "line = 'property'"
CLASS_OPTIONS = Options(table="risk_class", value="class_code", label="class_name",
                        where="line = 'property'")
YEAR_DIM = Dim("year", "年度", "sign_year", type="year")
INSURED = Lookup("customer", "customer_id", "customer_name", code="customer_code")
CLASS_DIM = Dim("class", "险类", "class_code")
CURRENCY_DIM = Dim("currency", "保费币别", "currency_code")

PROPERTY_POLICIES = Report(
    slug="property-policies", number="1.3", area="underwriting", tags=("sales",),
    title="财产险保单查询",
    source="policy_pnl", id_column="policy_id", where=PROPERTY,
    filters=(
        Filter("input", "录单日期", "date_range", "input_date", required=True,
               default="this-month"),
        branch_filter(), dept_filter(),
        Filter("class", "险类", "multi", "class_code", options=CLASS_OPTIONS),
    ),
    dims=(YEAR_DIM, BRANCH_DIM, CLASS_DIM, CURRENCY_DIM),
    measures=(
        Measure("policies", "承保单数", "count", type="int"),
        Measure("sum_insured", "总保额(折人民币)", "sum", "sum_insured_cny"),
        Measure("premium", "保费(原币)", "sum", "premium", currency="currency_code"),
        Measure("premium_cny", "保费(折人民币)", "sum", "premium_cny"),
    ),
    detail=with_names(
        POLICY_NO,
        Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
        Col("risk_code", "险种", "code"), Col("branch_code", "归属支公司代码", "code"),
        Col("dept_code", "归属机构代码", "code"),
        Col("start_date", "起保日期", "date"), Col("end_date", "终保日期", "date"),
        Col("currency_code", "保费币别", "code"), Col("sum_insured", "保额", "money"),
        Col("premium", "保费", "money"), Col("premium_cny", "保费(折人民币)", "money"),
    ),
    summaries=(
        Summary("by-branch", "按支公司汇总", ("year", "branch", "currency"),
                Chart("bar", "branch_label", ("premium_cny",), color="year")),
        Summary("by-class", "按险类汇总", ("year", "class", "currency"),
                Chart("bar", "class", ("premium_cny",), color="year")),
    ),
    order=(("input_date", "desc"),),
    notes=("年度为签单日期所在日历年度; 保费(原币) 按保费币别汇总, 含多个币别的合计为空; "
           "总保额、保费(折人民币) 可跨币别相加。",),
)

ENDORSE_KINDS = Options(static=tuple((k, k) for k in
                                     ("注销保单", "全单退保", "加保", "减保", "其他")))

PROPERTY_ENDORSEMENTS = Report(
    slug="property-endorsements", number="1.4", area="underwriting", tags=("sales",),
    title="财产险批单查询",
    source="endorsement_fact", id_column="endorsement_id", where=PROPERTY,
    filters=(
        Filter("input", "批改录入日期", "date_range", "input_date", required=True,
               default="this-month"),
        branch_filter(),
        Filter("kind", "批改类型名称", "multi", "endorse_kind", options=ENDORSE_KINDS),
    ),
    dims=(Dim("kind", "批改类型名称", "endorse_kind"), Dim("year", "年度", "endorse_year",
                                                       type="year"), BRANCH_DIM),
    measures=(
        Measure("endorsements", "批单数量", "count", type="int"),
        Measure("premium_change", "总保费变化量(折人民币)", "sum", "premium_change_cny"),
        Measure("sum_insured_change", "总保额变化量(折人民币)", "sum", "sum_insured_change_cny"),
    ),
    detail=with_names(
        Col("endorsement_no", "批单号"), POLICY_NO,
        Col("endorse_kind", "批改类型名称"),
        Col("risk_code", "险种", "code"), Col("class_code", "险类", "code"),
        Col("branch_code", "归属支公司代码", "code", column="branch_id",
            lookup=Lookup("branch", "branch_id", "branch_code")),
        Col("endorse_type_code", "批改类型代码", "code"),
        Col("premium_after_cny", "保费(批改后, 折人民币)", "money"),
        Col("start_date", "起保日期", "date"), Col("end_date", "终保日期", "date"),
        Col("endorse_date", "批改日期", "date"),
        Col("effective_date", "批改生效日期", "date"), Col("input_date", "批改录入日期", "date"),
        Col("receipt_date", "到/领款时间", "date"),
        Col("receipt_currency_code", "到/领款币别", "code"),
        Col("receipt_amount", "到/领款金额", "money"),
    ),
    summaries=(Summary("by-kind", "按批改类型、年度、支公司汇总", ("kind", "year", "branch"),
                       Chart("bar", "kind", ("premium_change",), color="year")),),
    order=(("input_date", "desc"),),
    notes=("批改类型名称按顺序取第一个符合的规则: 注销保单 (代码形如 *19*) → 全单退保 (*21*, "
           "或标的清单变更且批改后保额为 0) → 加保 → 减保 → 其他。",
           "到/领款金额为负值表示退费。"),
)

PREMIUM_RECEIVED_DAILY = Report(
    slug="premium-received-daily", number="1.7", area="underwriting", title="实收保费日报表",
    source="receipt_fact", id_column="receipt_id",
    filters=(
        Filter("received", "实收付日期", "date_range", "receipt_date", required=True,
               default="this-month"),
        branch_filter(),
    ),
    dims=(Dim("day", "日期", "receipt_date", type="date"), BRANCH_DIM),
    measures=(
        Measure("receipts", "笔数", "count", type="int"),
        Measure("received", "实收保费(折人民币)", "sum", "received_in_cny"),
        Measure("refunded", "退费(折人民币)", "sum", "refunded_cny"),
        Measure("net", "净额(折人民币)", "sum", "amount_cny"),
    ),
    detail=with_names(
        Col("receipt_no", "收付号"), Col("receipt_date", "到/领款日期", "date"),
        POLICY_NO, Col("branch_code", "归属支公司代码", "code"),
        Col("handler_code", "经办人代码", "code"), Col("handler_name", "经办人名称"),
        Col("insured_name", "被保险人名称"),
        Col("currency_code", "币别", "code"), Col("amount", "金额", "money"),
        Col("amount_cny", "折人民币", "money"),
    ),
    summaries=(Summary("by-day-branch", "按日期、支公司汇总", ("day", "branch"),
                       Chart("bar", "day", ("received", "refunded"))),
               Summary("by-branch", "按支公司汇总", ("branch",))),
    order=(("receipt_date", "asc"),),
    notes=("以财务到款为准; 退费为财务实际退款。",),
)

PROPERTY_RISK = Report(
    slug="property-risk", number="1.5", area="underwriting", title="财产险业务风险查询",
    source="property_risk_fact", id_column="row_id",
    filters=(
        Filter("start", "起保日期", "date_range", "start_date", required=True,
               default="this-year"),
        Filter("risk", "险种代码", "code_pattern", "risk_code",
               help="可用 * 代表任意多个字符、? 代表一个字符; 不区分大小写"),
        dept_filter(), branch_filter(),
    ),
    dims=(BRANCH_DIM, Dim("risk", "险种代码", "risk_code")),
    measures=(
        Measure("rows", "行数", "count", type="int"),
        Measure("policies", "保单数", "count_distinct", "policy_id", type="int"),
        Measure("claims", "立案数", "sum", "has_claim", type="int"),
        Measure("estimate", "估损金额(原币)", "sum", "estimated_loss",
                currency="claim_currency_code"),
        Measure("paid", "已决赔款(已实付, 原币)", "sum", "paid", currency="claim_currency_code"),
    ),
    detail=with_names(
        POLICY_NO, CLAIM_NO, Col("risk_code", "险种代码", "code"),
        Col("loss_date", "出险日期", "date"), Col("cause_code", "出险原因代码", "code"),
        Col("cause_name", "出险原因", column="claim_no",
            lookup=Lookup("claim", "claim_no", "cause_name")),
        Col("loss_address", "出险地址"), Col("estimated_loss", "估损金额", "money"),
        Col("claim_currency_code", "赔款币别", "code"), Col("paid", "已决赔款(已实付)", "money"),
        Col("class_code", "风险代码", "code"), Col("dept_code", "归属机构代码", "code"),
        Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
        Col("sum_insured", "保险金额", "money"), Col("premium", "单面保费", "money"),
        Col("received_cny", "到款保费(折人民币)", "money"),
        Col("commission_cny", "手续费", "money"),
        Col("refund_currency_code", "批退币别", "code"),
        Col("refund_p10_p30", "批退保费", "money"),
        Col("sign_date", "签单日期", "date"), Col("start_date", "起保日期", "date"),
        Col("end_date", "终保日期", "date"),
    ),
    summaries=(Summary("by-branch", "按支公司汇总", ("branch",),
                       Chart("bar", "branch_label", ("estimate", "paid"))),
               Summary("by-risk", "按险种汇总", ("risk",))),
    order=(("policy_no", "asc"),),
    notes=("企财险保单每个立案一行, 无立案的保单一行 (立案字段为空); 按保单号排序。",
           "批退保费为减保、退保的批单退还的保费。"),
)

PREMIUM_RECEIVED_MONTHLY = Report(
    slug="premium-received-monthly", number="1.6", area="underwriting", tags=("sales",),
    title="实收保费月报表",
    source="receipt_fact", id_column="receipt_id",
    filters=(
        Filter("month", "到款月份", "month", "receipt_date", required=True, op="ytd",
               default="today"),
        Filter("risk", "险种", "code_pattern", "risk_code",
               help="可用 * 代表任意多个字符、? 代表一个字符; 不区分大小写"),
        Filter("handler", "经办人代码", "text", "handler_code"),
        Filter("agent", "代理人代码", "text", "agent_code"),
        branch_filter(),
    ),
    # People by id, their codes and names looked up for the groups shown: a summary of
    # one group per person groups integers, not six text columns.
    dims=(
        Dim("handler", "经办人", "handler_id", lookup=STAFF_NAME, type="int", many=True),
        Dim("insured", "被保险人", "insured_id", lookup=INSURED, type="int", many=True),
        Dim("agent", "代理人", "agent_id", lookup=AGENT_NAME, type="int"),
        Dim("currency", "实收币别", "currency_code"),
        BRANCH_DIM,
        Dim("month_no", "到款月", "month(receipt_date)", type="year"),
    ),
    measures=(
        # Premium received is gross in the month and in the year alike; refunds paid out
        # are columns of their own, and the net says so.
        Measure("receipts", "本年笔数", "count", type="int"),
        Measure("month_amount", "实收保费(原币)", "sum", "received_in", period="month",
                currency="currency_code"),
        Measure("month_cny", "合计(折人民币)", "sum", "received_in_cny", period="month"),
        Measure("month_refunded", "本月退费(折人民币)", "sum", "refunded_cny", period="month"),
        Measure("ytd_received", "本年累计保费(折人民币)", "sum", "received_in_cny"),
        Measure("ytd_refunded", "本年累计退费(折人民币)", "sum", "refunded_cny"),
        Measure("net_cny", "净额(保费−退费, 折人民币)", "sum", "amount_cny"),
    ),
    detail=with_names(
        Col("receipt_no", "收付号"), Col("receipt_date", "到/领款日期", "date"),
        POLICY_NO, Col("risk_code", "险种", "code"),
        Col("handler_code", "经办人代码", "code"), Col("handler_name", "经办人名称"),
        Col("insured_name", "被保险人名称"),
        Col("agent_code", "代理人代码", "code"), Col("agent_name", "代理人名称"),
        Col("currency_code", "实收币别", "code"),
        Col("amount", "金额(原币)", "money"), Col("amount_cny", "折人民币", "money"),
    ),
    summaries=(
        Summary("by-person", "按经办人、被保险人、代理人汇总",
                ("handler", "insured", "agent", "currency")),
        Summary("by-branch", "按支公司汇总", ("branch",),
                Chart("bar", "branch_label", ("month_cny", "ytd_received"))),
        # Each month's own figures: the measures of the chosen month alone are left out.
        Summary("by-month", "按月汇总 (本年与上年同期对比)", ("month_no",),
                Chart("bar", "month_no", ("net_cny",), compare="previous_year"),
                measures=("receipts", "ytd_received", "ytd_refunded", "net_cny")),
    ),
    order=(("receipt_date", "asc"),),
    notes=("以财务到款为准。实收保费、合计、本月退费为所选月份; 本年累计为 1 月 1 日至所选月末; "
           "保费不扣退费, 退费指财务实际退款, 净额 = 保费 − 退费。",
           "实收保费(原币) 只在同一币别内相加, 含多个币别的合计为空; 明细为本年累计范围内的到款。",
           "按月汇总: 每行为该月的笔数、保费、退费和净额, 合计行为本年累计。"),
)
