"""1 承保辅助管理 — underwriting support."""

from __future__ import annotations

from queries.reports.common import (
    BRANCH_DIM,
    INSURED_ADDRESS,
    INSURED_MOBILE,
    INSURED_NAME,
    INSURED_PHONE,
    POLICY_NO,
    branch_filter,
    with_names,
)
from queries.spec import (
    Chart,
    Col,
    Dim,
    Filter,
    Measure,
    Options,
    Report,
    ScopeColumns,
    Summary,
)

UW_STATUSES = (
    ("0", "0 未提交核保"), ("1", "1 核保通过"), ("2", "2 核保未通过"), ("3", "3 自动核保"),
    ("9", "9 待核保"), ("w", "w 核保通过但未转保单"),
)

PROPOSAL_STATUS = Report(
    slug="proposal-status", number="1.1", area="underwriting", tags=("sales",),
    title="投保单汇总查询",
    source="proposal_fact", id_column="proposal_id",
    scope=ScopeColumns(self_="salesman_id"),
    filters=(
        Filter("proposal_no", "投保单号", "text", "proposal_no"),
        Filter("policy_no", "保单号", "text", "policy_no"),
        Filter("applicant_code", "投保人代码", "text", "applicant_code"),
        Filter("applicant_name", "投保人名称", "contains", "applicant_name"),
        Filter("insured_code", "被保险人代码", "text", "insured_code"),
        Filter("insured_name", "被保险人名称", "contains", "insured_name"),
        Filter("start", "起保日期", "date_range", "start_date"),
        Filter("salesman", "归属业务员代码", "text", "salesman_code"),
        Filter("status", "核保状态", "multi", "uw_status", options=Options(static=UW_STATUSES),
               exclusive=("w",), help="可多选; “核保通过但未转保单”只能单独选择"),
        branch_filter(),
    ),
    dims=(
        Dim("status", "核保状态", "uw_status_name"),
        BRANCH_DIM,
    ),
    measures=(
        Measure("proposals", "投保单数", "count", type="int"),
        Measure("sum_insured", "保额(折人民币)", "sum", "sum_insured_cny"),
        Measure("premium", "保费(折人民币)", "sum", "premium_cny"),
    ),
    detail=with_names(
        Col("proposal_no", "投保单号"),
        POLICY_NO,
        Col("applicant_code", "投保人代码"),
        Col("applicant_name", "投保人名称"),
        Col("insured_code", "被保险人代码"),
        Col("insured_name", "被保险人名称"),
        Col("start_date", "起保日期", "date"),
        Col("end_date", "终保日期", "date"),
        Col("sum_insured_cny", "保额", "money"),
        Col("premium_cny", "保费", "money"),
        Col("salesman_code", "归属业务员代码", "code"),
        Col("uw_status", "核保状态", "code"),
        Col("uw_status_name", "核保状态名称"),
    ),
    summaries=(
        Summary("by-status", "按核保状态汇总", ("status",),
                Chart("bar", "status", ("proposals",))),
        Summary("by-branch", "按支公司汇总", ("branch", "status"),
                Chart("bar", "branch_label", ("premium",), color="status")),
    ),
    order=(("start_date", "desc"),),
    notes=("保单号为空表示投保单未转成保单; 核保状态“核保通过但未转保单”只能单独查询, "
           "不能与其他状态同时选择。",),
)

LAPSED_AUTO = Report(
    slug="lapsed-auto", number="1.2", area="underwriting", tags=("sales",),
    title="车险脱保客户查询",
    source="policy_pnl", id_column="policy_id",
    where="line = 'auto' AND (renewal_start_date IS NULL "
          "OR renewal_start_date > end_date + $lapse_grace_days)",
    setting_params=("lapse_grace_days",),
    filters=(
        Filter("end", "终保日期", "date_range", "end_date", required=True,
               default="last-30-days"),
        branch_filter(),
        Filter("handler", "经办人代码", "text", "handler_code"),
        Filter("agent", "代理人代码", "text", "agent_code"),
        Filter("use_nature", "使用性质", "multi", "use_nature_code",
               options=Options(table="vehicle", value="use_nature_code",
                               label="use_nature_name")),
        Filter("vehicle_kind", "车辆种类", "multi", "vehicle_kind_code",
               options=Options(table="vehicle", value="vehicle_kind_code",
                               label="vehicle_kind_name")),
    ),
    dims=(
        BRANCH_DIM,
        Dim("end_month", "终保月份", "end_month"),
    ),
    measures=(
        Measure("policies", "脱保保单数", "count", type="int"),
        # In CNY: auto policies of several currencies add up (the list shows the original).
        Measure("premium", "单面保费(折人民币)", "sum", "premium_cny"),
        Measure("claims", "立案次数", "sum", "claims_registered", type="int"),
        Measure("paid_closed", "已结案赔款", "sum", "paid_closed_cny"),
    ),
    key_columns=("insured_name", "mobile", "end_date", "handler_code", "handler_name"),
    detail=with_names(
        POLICY_NO,
        Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
        Col("phone", "联系电话", column="insured_id", lookup=INSURED_PHONE, personal="phone"),
        Col("mobile", "联系手机", column="insured_id", lookup=INSURED_MOBILE, personal="phone"),
        Col("address", "联系地址", column="insured_id", lookup=INSURED_ADDRESS,
            personal="address"),
        Col("plate_no", "车牌号"),
        Col("vehicle_kind_code", "车型种类", "code"),
        Col("vehicle_kind_name", "车辆种类"),
        Col("engine_no", "发动机号"),
        Col("vin", "车架号"),
        Col("use_years", "使用年限", "int"),
        Col("brand_model", "厂牌型号"),
        Col("use_nature_name", "使用性质"),
        Col("clause_name", "承保条款"),
        Col("sum_insured", "保险金额", "money"),
        Col("liability_limit", "责任限额", "money"),
        Col("premium", "单面保费", "money"),
        Col("start_date", "起保日期", "date"),
        Col("end_date", "终保日期", "date"),
        Col("branch_code", "归属支公司代码", "code"),
        Col("handler_code", "经办人代码", "code"),
        Col("agent_code", "代理人代码", "code"),
        Col("claims_registered", "立案次数", "int"),
        Col("paid_closed_cny", "已结案赔款", "money"),
        Col("settled_loss_ratio_pct", "已决赔付率(%)", "percent"),
        Col("last_reporter_phone", "报案电话", personal="phone"),
    ),
    summaries=(
        Summary("by-branch", "按支公司汇总", ("branch",),
                Chart("bar", "branch_label", ("policies",))),
        Summary("by-month", "按终保月份汇总", ("end_month",),
                Chart("line", "end_month", ("policies",))),
    ),
    order=(("end_date", "asc"),),
    notes=("已续保: 同一车辆 (车架号, 否则车牌号) 另有车险保单在终保日期后宽限天数内起保; "
           "宽限天数为系统设置。",),
)
