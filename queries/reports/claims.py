"""2 理赔周期分析 — claim cycle."""

from __future__ import annotations

from data import bands
from queries.reports.common import (
    BRANCH_DIM,
    CLAIM_NO,
    INSURED_NAME,
    POLICY_NO,
    band_options,
    branch_filter,
    with_names,
)
from queries.spec import Chart, Col, Dim, Filter, Lookup, Measure, Options, Report, Summary

AUTO_OR_PROPERTY = "line IN ('auto', 'property')"
LINE_OPTIONS = Options(static=(("auto", "车险"), ("property", "财产险")))
STAGES = (("report_to_register", "报案→立案"), ("register_to_close", "立案→结案"),
          ("close_to_pay", "结案→支付"), ("report_to_pay", "报案→支付"))
# Whom to chase about a claim: the insured and the policy's handler (经办人).
INSURED = Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME)
HANDLER = Col("handler_code", "经办人代码", "code", column="handler_id",
              lookup=Lookup("staff", "staff_id", "staff_code"))


def _stage_measures() -> tuple[Measure, ...]:
    # Over the clean days (``*_ok_days``): a negative stage is flagged, not averaged.
    out: list[Measure] = []
    for key, label in STAGES:
        column = f"{key}_ok_days"
        out += [Measure(f"{key}_mean", f"{label} 平均天数", "mean", column, type="days"),
                Measure(f"{key}_median", f"{label} 中位数", "median", column, type="days"),
                Measure(f"{key}_p90", f"{label} 90%分位", "quantile", column, q=0.9,
                        type="days")]
    return tuple(out)


CLAIM_CYCLE = Report(
    slug="claim-cycle", number="2.1", area="claims", title="理赔周期清单",
    source="claim_fact", id_column="claim_id", where="stage = 'closed'",
    filters=(
        Filter("closed", "结案日期", "date_range", "close_date", required=True,
               default="this-month"),
        branch_filter(),
        Filter("line", "业务类别", "multi", "line", options=LINE_OPTIONS),
    ),
    dims=(BRANCH_DIM, Dim("close_year", "结案年度", "close_year", type="year")),
    measures=(Measure("claims", "结案件数", "count", type="int"), *_stage_measures(),
              Measure("anomalies", "数据异常件数", "sum", "cycle_anomalies", type="int")),
    key_columns=("report_to_pay_days",),
    detail=with_names(
        CLAIM_NO, POLICY_NO, Col("risk_code", "险种代码", "code"),
        Col("branch_code", "归属支公司代码", "code"),
        Col("report_date", "报案日期", "date"), Col("register_date", "立案日期", "date"),
        Col("close_date", "结案日期", "date"), Col("settle_pay_date", "支付日期", "date"),
        Col("report_to_register_days", "报案→立案天数", "int"),
        Col("register_to_close_days", "立案→结案天数", "int"),
        Col("close_to_pay_days", "结案→支付天数", "int"),
        Col("report_to_pay_days", "报案→支付天数", "int"),
        Col("paid_cny", "已付赔款(折人民币)", "money"),
        Col("cycle_anomaly", "数据异常"),
    ),
    summaries=(Summary("by-branch", "按支公司汇总", ("branch",),
                       Chart("bar", "branch_label", ("report_to_pay_mean",
                                                     "report_to_pay_p90"))),),
    order=(("close_date", "asc"),),
    notes=("各环节天数的平均值、中位数和 90% 分位数均按案件精确计算;",
           "支付日期为结清赔款的最后一笔支付 (其后的追偿、冲回不改变支付日期); "
           "未支付的案件不计入支付环节。",
           "某环节天数为负 (如支付早于结案) 是数据异常: 该环节不计入统计, "
           "明细的 数据异常 列写明原因。"),
)

CLAIMS_UNREGISTERED = Report(
    slug="claims-unregistered", number="2.2", area="claims", title="已报案未立案清单",
    source="claim_fact", id_column="claim_id",
    where=f"stage = 'unregistered' AND {AUTO_OR_PROPERTY}",
    filters=(
        Filter("reported", "报案日期", "date_range", "report_date", required=True,
               default="this-year"),
        branch_filter(),
        Filter("line", "业务类别", "multi", "line", options=LINE_OPTIONS),
    ),
    dims=(BRANCH_DIM, Dim("line", "业务类别", "class_name")),
    measures=(Measure("claims", "案件数", "count", type="int"),
              Measure("estimate", "估损金额(折人民币)", "sum", "estimated_loss_cny"),
              Measure("max_wait", "最长等待天数", "quantile", "days_waiting", q=1.0,
                      type="days")),
    key_columns=("days_waiting", "insured_name", "handler_code", "handler_name"),
    detail=with_names(
        Col("report_no", "报案号", link="claim"), POLICY_NO, INSURED, HANDLER,
        Col("class_name", "险类"),
        Col("branch_code", "归属支公司代码", "code"), Col("report_date", "报案日期", "date"),
        Col("loss_date", "出险日期", "date"), Col("cause_name", "出险原因"),
        Col("loss_address", "出险地址"), Col("reporter_phone", "报案电话", personal="phone"),
        Col("estimated_loss_cny", "估损金额(折人民币)", "money"),
        Col("days_waiting", "已等待天数", "int", alert=(7.0, 30.0)),
    ),
    summaries=(Summary("by-branch", "按支公司汇总", ("branch",),
                       Chart("bar", "branch_label", ("claims",))),
               Summary("by-line", "按险类汇总", ("line",), Chart("bar", "line", ("claims",)))),
    order=(("report_date", "asc"),),
    notes=("未立案: 既未立案也未注销的报案; 最早的报案排在最前。",),
)

CLAIMS_OPEN = Report(
    slug="claims-open", number="2.3", area="claims", title="已立案未结案清单",
    source="claim_fact", id_column="claim_id",
    where=f"stage = 'open' AND {AUTO_OR_PROPERTY}",
    filters=(
        Filter("registered", "立案日期", "date_range", "register_date",
               help="不填则为全部未结案件"),
        branch_filter(),
        Filter("line", "业务类别", "multi", "line", options=LINE_OPTIONS),
        Filter("age", "未结天数区间", "multi", "open_age_band",
               options=band_options(bands.OPEN_DAYS)),
    ),
    dims=(BRANCH_DIM, Dim("age", "未结天数区间", "open_age_band")),
    measures=(Measure("claims", "案件数", "count", type="int"),
              Measure("estimate", "估损金额(折人民币)", "sum", "estimated_loss_cny"),
              Measure("paid", "已付赔款(折人民币)", "sum", "paid_cny")),
    key_columns=("days_open", "insured_name", "handler_code", "handler_name"),
    detail=with_names(
        CLAIM_NO, POLICY_NO, INSURED, HANDLER,
        Col("class_name", "险类"),
        Col("branch_code", "归属支公司代码", "code"), Col("report_date", "报案日期", "date"),
        Col("register_date", "立案日期", "date"), Col("cause_name", "出险原因"),
        Col("estimated_loss_cny", "估损金额(折人民币)", "money"),
        Col("paid_cny", "已付赔款(折人民币)", "money"),
        Col("days_open", "未结天数", "int", alert=(90.0, 180.0)),
    ),
    summaries=(Summary("by-branch-age", "按支公司和未结天数汇总", ("branch", "age"),
                       Chart("bar", "branch_label", ("claims",), color="age")),
               Summary("by-age", "按未结天数汇总", ("age",), Chart("bar", "age", ("claims",)))),
    order=(("register_date", "asc"),),
    notes=("未结天数按数据日期计算; 区间为系统设置。",),
)
