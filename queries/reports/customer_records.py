"""8.9–8.11: a customer's records of every line, the lists the 客户360 page shows
filtered by the customer (queries/customer360.py) and pages of their own."""

from __future__ import annotations

from queries.reports.common import (
    BRANCH_DIM,
    CLAIM_NO,
    INSURED_NAME,
    PNL_MEASURES,
    POLICY_NO,
    branch_filter,
    with_names,
)
from queries.reports.customer_data import CUSTOMER_SCOPE
from queries.spec import Chart, Col, Dim, Filter, Measure, Options, Report, Summary

LINE_OPTIONS = Options(static=(("auto", "车险"), ("property", "财产险"), ("other", "其他")))
CLASS_DIM = Dim("class", "险类", "class_name")

CUSTOMER_POLICIES = Report(
    slug="customer-policies", number="8.9", area="customers", title="保单清单 (全部险种)",
    source="policy_pnl", id_column="policy_id",
    filters=(
        Filter("insured_code", "被保险人代码", "text", "insured_code"),
        Filter("applicant_code", "投保人代码", "text", "applicant_code"),
        Filter("policy_no", "保单号", "text", "policy_no"),
        Filter("plate_no", "车牌号", "text", "plate_no"),
        Filter("start", "起保日期", "date_range", "start_date"),
        Filter("line", "业务类别", "multi", "line", options=LINE_OPTIONS),
        branch_filter(),
    ),
    dims=(Dim("start_year", "起保年度", "start_year", type="year"), CLASS_DIM, BRANCH_DIM),
    measures=PNL_MEASURES,
    detail=with_names(
        POLICY_NO, Col("risk_code", "险种代码", "code"), Col("class_name", "险类"),
        Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
        Col("applicant_code", "投保人代码", "code"),
        Col("plate_no", "车牌号"), Col("vin", "车架号"), Col("brand_model", "厂牌型号"),
        Col("start_date", "起保日期", "date"), Col("end_date", "终保日期", "date"),
        Col("status", "保单状态"), Col("premium_cny", "签单保费", "money"),
        Col("received_cny", "到款保费", "money"), Col("claims_registered", "立案次数", "int"),
        Col("paid_closed_cny", "已决赔款", "money"), Col("outstanding_cny", "未决估损", "money"),
        Col("handler_code", "经办人代码", "code"), Col("branch_code", "归属支公司代码", "code"),
    ),
    summaries=(
        Summary("by-year", "按起保年度汇总 (逐年盈亏)", ("start_year",),
                Chart("bar", "start_year", ("received", "incurred"))),
        Summary("by-class", "按险类汇总", ("class",)),
        Summary("by-branch", "按支公司汇总", ("branch",)),
    ),
    order=(("start_date", "desc"),),
    notes=("全部险种的保单及其盈亏; 客户360页按客户列出其中属于该客户的保单。",),
)

STAGE_NAME = ("CASE stage WHEN 'closed' THEN '已结案' WHEN 'open' THEN '已立案未结案' "
              "WHEN 'unregistered' THEN '已报案未立案' ELSE '已注销' END")

CUSTOMER_CLAIMS = Report(
    slug="customer-claims", number="8.10", area="customers", title="赔案清单 (全部状态)",
    source="claim_fact", id_column="claim_id",
    filters=(
        Filter("reported", "报案日期", "date_range", "report_date"),
        Filter("policy_no", "保单号", "text", "policy_no"),
        branch_filter(),
    ),
    dims=(Dim("stage", "案件状态", STAGE_NAME), Dim("line", "险类", "class_name"), BRANCH_DIM),
    measures=(Measure("claims", "案件数", "count", type="int"),
              Measure("estimate", "估损金额(折人民币)", "sum", "estimated_loss_cny"),
              Measure("paid", "已付赔款(折人民币)", "sum", "paid_cny")),
    detail=(
        CLAIM_NO, Col("report_no", "报案号"), POLICY_NO, Col("class_name", "险类"),
        Col("report_date", "报案日期", "date"), Col("loss_date", "出险日期", "date"),
        Col("cause_name", "出险原因"), Col("register_date", "立案日期", "date"),
        Col("close_date", "结案日期", "date"),
        Col("estimated_loss_cny", "估损金额(折人民币)", "money"),
        Col("paid_cny", "已付赔款(折人民币)", "money"),
        Col("settle_pay_date", "支付日期", "date"),
        Col("reporter_phone", "报案电话", personal="phone"),
    ),
    summaries=(Summary("by-stage", "按案件状态汇总", ("stage",),
                       Chart("bar", "stage", ("claims",))),
               Summary("by-branch", "按支公司汇总", ("branch", "stage"))),
    order=(("report_date", "desc"),),
    notes=("全部状态的报案与赔案, 含已付赔款; 客户360页按客户列出。",),
)

CUSTOMER_ENDORSEMENTS = Report(
    slug="customer-endorsements", number="8.11", area="customers", title="批单清单 (全部险种)",
    source="endorsement_fact", id_column="endorsement_id",
    filters=(
        Filter("endorsed", "批改日期", "date_range", "endorse_date"),
        Filter("policy_no", "保单号", "text", "policy_no"),
        branch_filter(),
    ),
    dims=(Dim("kind", "批改类型名称", "endorse_kind"),
          Dim("year", "年度", "endorse_year", type="year"), BRANCH_DIM),
    measures=(Measure("endorsements", "批单数量", "count", type="int"),
              Measure("premium_change", "保费变化(折人民币)", "sum", "premium_change_cny")),
    detail=(
        Col("endorsement_no", "批单号"), POLICY_NO, Col("endorse_kind", "批改类型名称"),
        Col("endorse_type_code", "批改类型代码", "code"),
        Col("endorse_date", "批改日期", "date"), Col("effective_date", "生效日期", "date"),
        Col("premium_change_cny", "保费变化(折人民币)", "money"),
        Col("sum_insured_change_cny", "保额变化(折人民币)", "money"),
        Col("premium_after_cny", "批后保费(折人民币)", "money"),
    ),
    summaries=(Summary("by-kind", "按批改类型汇总", ("kind",),
                       Chart("bar", "kind", ("endorsements",))),
               Summary("by-year", "按年度汇总", ("year",))),
    order=(("endorse_date", "desc"),),
    notes=("全部险种的批单; 客户360页按客户列出。",),
)

CHANGE_FIELDS = Options(static=tuple((v, v) for v in (
    "新增记录", "客户名称", "客户类型", "证件类型", "证件号码", "电话", "手机", "地址", "出生日期",
    "统一客户号")))

CUSTOMER_CHANGES = Report(
    slug="customer-changes", number="8.12", area="customers", title="客户信息变更历史",
    source="customer_change", id_column="change_id", scope=CUSTOMER_SCOPE,
    filters=(
        Filter("master", "统一客户号", "text", "master_no"),
        Filter("code", "客户代码", "text", "customer_code"),
        Filter("changed", "变更日期", "date_range", "changed_on"),
        Filter("field", "变更项目", "multi", "field", options=CHANGE_FIELDS),
    ),
    dims=(Dim("field", "变更项目", "field"), Dim("system", "来源系统", "source_system"),
          Dim("changed_on", "变更日期", "changed_on", type="date")),
    measures=(Measure("changes", "变更项数", "count", type="int"),
              Measure("records", "记录数", "count_distinct", "customer_code", type="int"),
              Measure("customers", "客户数", "count_distinct", "master_no", type="int")),
    detail=(
        Col("changed_on", "变更日期", "date"), Col("source_system", "来源系统", "code"),
        Col("customer_code", "客户代码", "code"), Col("master_no", "统一客户号", "code"),
        Col("field", "变更项目"),
        # Whichever field changed, its values are masked as strictly as an address.
        Col("old_value", "原值", personal="address"),
        Col("new_value", "新值", personal="address"),
    ),
    summaries=(Summary("by-field", "按变更项目汇总", ("field",)),
               Summary("by-date", "按变更日期汇总", ("changed_on", "field"))),
    order=(("changed_on", "desc"), ("customer_code", "asc")),
    notes=("每次数据装载与上一次比较同一来源记录 (客户代码 + 来源系统): 每个改变的字段一行, "
           "新来的记录记为 新增记录, 统一客户号因合并或拆分而改变也记一行。",
           "原值、新值对没有个人信息权限的用户只显示开头。"),
)
