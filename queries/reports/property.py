"""1.3, 1.4 财产险保单 / 批单查询 and 1.7 实收保费日报表."""

from __future__ import annotations

from queries.reports.common import (
    BRANCH_DIM,
    INSURED_NAME,
    branch_filter,
    dept_filter,
)
from queries.spec import Chart, Col, Dim, Filter, Measure, Options, Report, Summary

PROPERTY = "line = 'property'"
CLASS_OPTIONS = Options(table="risk_class", value="class_code", label="class_name",
                        where="line = 'property'")
YEAR_DIM = Dim("year", "年度", "sign_year", type="int")
CLASS_DIM = Dim("class", "险类", "class_code")
CURRENCY_DIM = Dim("currency", "保费币别", "currency_code")

PROPERTY_POLICIES = Report(
    slug="property-policies", number="1.3", title="财产险保单查询",
    source="policy_pnl", id_column="policy_id", where=PROPERTY,
    filters=(
        Filter("input", "录单日期", "date_range", "input_date", required=True),
        branch_filter(), dept_filter(),
        Filter("class", "险类", "multi", "class_code", options=CLASS_OPTIONS),
    ),
    dims=(YEAR_DIM, BRANCH_DIM, CLASS_DIM, CURRENCY_DIM),
    measures=(
        Measure("policies", "承保单数", "count", type="int"),
        Measure("sum_insured", "总保额(折人民币)", "sum", "sum_insured_cny"),
        Measure("premium", "保费", "sum", "premium"),
        Measure("premium_cny", "保费(折人民币)", "sum", "premium_cny"),
    ),
    detail=(
        Col("risk_code", "险种", "code"), Col("branch_code", "归属支公司代码", "code"),
        Col("dept_code", "归属机构代码", "code"), Col("policy_no", "保单号"),
        Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
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
    notes=("年度为签单日期所在日历年度; 保费按原币别汇总, 总保额折人民币。",),
)

ENDORSE_KINDS = Options(static=tuple((k, k) for k in
                                     ("注销保单", "全单退保", "加保", "减保", "其他")))

PROPERTY_ENDORSEMENTS = Report(
    slug="property-endorsements", number="1.4", title="财产险批单查询",
    source="endorsement_fact", id_column="endorsement_id", where=PROPERTY,
    filters=(
        Filter("input", "批改录入日期", "date_range", "input_date", required=True),
        branch_filter(),
        Filter("kind", "批改类型名称", "multi", "endorse_kind", options=ENDORSE_KINDS),
    ),
    dims=(Dim("kind", "批改类型名称", "endorse_kind"), Dim("year", "年度", "endorse_year",
                                                       type="int"), BRANCH_DIM),
    measures=(
        Measure("endorsements", "批单数量", "count", type="int"),
        Measure("premium_change", "总保费变化量(折人民币)", "sum", "premium_change_cny"),
        Measure("sum_insured_change", "总保额变化量(折人民币)", "sum", "sum_insured_change_cny"),
    ),
    detail=(
        Col("risk_code", "险种", "code"), Col("class_code", "险类", "code"),
        Col("endorse_type_code", "批改类型代码", "code"), Col("endorse_kind", "批改类型名称"),
        Col("policy_no", "保单号"), Col("premium_after_cny", "保费(批改后, 折人民币)", "money"),
        Col("start_date", "起保日期", "date"), Col("end_date", "终保日期", "date"),
        Col("endorsement_no", "批单号"), Col("endorse_date", "批改日期", "date"),
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
    slug="premium-received-daily", number="1.7", title="实收保费日报表",
    source="receipt_fact", id_column="receipt_id",
    filters=(
        Filter("received", "实收付日期", "date_range", "receipt_date", required=True),
        branch_filter(),
    ),
    dims=(Dim("day", "日期", "receipt_date", type="date"), BRANCH_DIM),
    measures=(
        Measure("receipts", "笔数", "count", type="int"),
        Measure("received", "实收保费(折人民币)", "sum", "received_in_cny"),
        Measure("refunded", "退费(折人民币)", "sum", "refunded_cny"),
        Measure("net", "净额(折人民币)", "sum", "amount_cny"),
    ),
    detail=(
        Col("receipt_no", "收付号"), Col("receipt_date", "到/领款日期", "date"),
        Col("policy_no", "保单号"), Col("branch_code", "归属支公司代码", "code"),
        Col("handler_code", "经办人代码", "code"), Col("insured_name", "被保险人名称"),
        Col("currency_code", "币别", "code"), Col("amount", "金额", "money"),
        Col("amount_cny", "折人民币", "money"),
    ),
    summaries=(Summary("by-day-branch", "按日期、支公司汇总", ("day", "branch"),
                       Chart("bar", "day", ("received", "refunded"))),
               Summary("by-branch", "按支公司汇总", ("branch",))),
    order=(("receipt_date", "asc"),),
    notes=("以财务到款为准; 退费为财务实际退款。",),
)
