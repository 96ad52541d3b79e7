"""4 应收保费查询 — premium receivable, as of a statistics date.

Receivable (应收) = planned amounts due up to the statistics date; received (实收) =
finance receipts against them up to that date; unpaid ratio = (应收 − 实收) / 应收.
Scope rules are settings, shown on every page: risks JLK, JLA, DAD, YAE excluded, and
only effective policies starting on or after the cutoff date.
"""

from __future__ import annotations

from queries.reports.common import (
    AGENT_NAME,
    BRANCH_DIM,
    DEPT_DIM,
    INSURED_NAME,
    POLICY_NO,
    STAFF_NAME,
    branch_filter,
    dept_filter,
    with_names,
)
from queries.spec import Chart, Col, Dim, Filter, Measure, Options, Report, Summary

SCOPE_RULE = ("status = '有效' AND start_date >= $receivable_cutoff "
              "AND NOT list_contains($receivable_excluded_risks, risk_code)")
SCOPE_SETTINGS = ("receivable_cutoff", "receivable_excluded_risks")
NOTES = ("统计范围 (系统设置): 不含 JLK、JLA (金牛投资型)、DAD (汽车按揭保证, 已停办)、"
         "YAE (货运预约保险) 险种; 只统计起保日期在截止日 (默认 2003-09-01) 及以后的有效保单。",
         "应收 = 统计日期前到期的计划应收; 实收 = 统计日期前财务到款; "
         "未到款比例 = (应收 − 实收) / 应收。")
STAT = Filter("stat_date", "统计日期", "date", "due_date", required=True, op="<=",
              default="today")
PERIOD = Filter("due", "应收期间 (应收日期)", "date_range", "due_date")
# Unpaid amount of one planned receivable at the statistics date.
# Rows of receivable_fact are a ledger (plan rows and receipt rows, see data/rollups.py).
UNPAID_AT = "(plan_cny - CASE WHEN receipt_date <= {asof} THEN receipt_cny ELSE 0 END)"
AGES = ((0, 30, "30天以内"), (31, 90, "31-90天"), (91, 180, "91-180天"), (181, 365, "181-365天"),
        (366, None, "一年以上"))

MEASURES: tuple[Measure, ...] = (
    Measure("items", "应收笔数", "count", "plan_rows", type="int"),
    Measure("receivable", "应收保费(折人民币)", "sum", "plan_cny"),
    Measure("received", "实收保费(折人民币)", "sum", "receipt_cny", period="stat_date",
            period_column="receipt_date"),
    Measure("unpaid", "未到款保费(折人民币)", "diff", numerator="receivable",
            denominator="received"),
    Measure("unpaid_ratio", "未到款比例(%)", "ratio", numerator="unpaid",
            denominator="receivable", scale=100, type="percent"),
    *(Measure(f"age_{lo}", f"未到款 {label}", "sum", UNPAID_AT, period="stat_date",
              period_column="due_date", age=(lo, hi)) for lo, hi, label in AGES),
)
DETAIL: tuple[Col, ...] = with_names(
    POLICY_NO, Col("risk_code", "险种", "code"),
    Col("branch_code", "归属支公司代码", "code"), Col("handler_code", "经办人代码", "code"),
    Col("agent_code", "代理人代码", "code"),
    Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
    Col("term_no", "期次", "int"), Col("due_date", "应收日期", "date"),
    Col("currency_code", "币别", "code"), Col("amount", "应收金额(原币)", "money"),
    Col("amount_cny", "应收保费(折人民币)", "money"),
    Col("received_cny", "已到款(折人民币)", "money"),
    Col("last_receipt_date", "到款日期", "date"),
)
HANDLER_DIM = Dim("handler", "经办人", "handler_id",
                  lookup=STAFF_NAME, type="int")
AGENT_DIM = Dim("agent", "代理人", "agent_id",
                lookup=AGENT_NAME, type="int")


def _receivable(slug: str, number: str, title: str, filters: tuple[Filter, ...],
                dims: tuple[Dim, ...], *, summaries: tuple[Summary, ...], note: str,
                tags: tuple[str, ...] = ()) -> Report:
    return Report(slug=slug, number=number, title=title, area="receivable", tags=tags,
                  source="receivable_fact", id_column="receivable_id", where=SCOPE_RULE,
                  setting_params=SCOPE_SETTINGS,
                  detail_where="plan_rows = 1",
                  filters=(STAT, PERIOD, *filters), dims=dims, measures=MEASURES,
                  detail=DETAIL, summaries=summaries, order=(("due_date", "asc"),),
                  key_columns=("amount_cny", "received_cny"),
                  notes=(note, *NOTES))


RECEIVABLE_BRANCH = _receivable(
    "receivable-branch", "4.1", "支公司应收", (branch_filter(),), (BRANCH_DIM,),
    summaries=(Summary("by-branch", "按支公司汇总", ("branch",),
                       Chart("bar", "branch_label", ("receivable", "received", "unpaid"))),),
    note="按支公司统计应收、实收、未到款比例及未到款账龄; 点击查看应收清单。",
)
RECEIVABLE_PERSON = _receivable(
    "receivable-person", "4.2", "人员应收", (branch_filter(), dept_filter()),
    (HANDLER_DIM, AGENT_DIM, BRANCH_DIM),
    summaries=(Summary("by-handler", "按经办人", ("handler",),
                       Chart("bar", "handler_label", ("unpaid",))),
               Summary("by-agent", "按代理人", ("agent",),
                       Chart("bar", "agent_label", ("unpaid",)))),
    note="按经办人或代理人统计应收、实收与未到款比例。",
)
RECEIVABLE_BY_BUSINESS = _receivable(
    "receivable-by-business", "4.3", "应收汇总·按业务信息",
    (branch_filter(), dept_filter(),
     Filter("risk", "险种", "code_pattern", "risk_code"),
     Filter("class", "险类", "multi", "class_code",
            options=Options(table="risk_class", value="class_code", label="class_name"))),
    (BRANCH_DIM, DEPT_DIM, Dim("class", "险类", "class_name"), Dim("risk", "险种", "risk_code"),
     HANDLER_DIM),
    summaries=(Summary("by-branch-class", "按支公司、险类", ("branch", "class"),
                       Chart("bar", "branch_label", ("unpaid",), color="class")),
               Summary("by-risk", "按险种", ("risk",)),
               Summary("by-handler", "按经办人", ("handler",))),
    note="以业务信息为条件汇总应收与未到款; 点击查看应收清单。",
)
RECEIVABLE_BY_PAYMENT = _receivable(
    "receivable-by-payment", "4.4", "应收汇总·按收付信息",
    (branch_filter(),
     Filter("currency", "币别", "multi", "currency_code",
            options=Options(table="currency", value="currency_code", label="currency_name"))),
    (Dim("currency", "币别", "currency_code"), Dim("term", "期次", "term_no", type="int"),
     Dim("due_month", "应收月份", "due_month"), BRANCH_DIM),
    summaries=(Summary("by-currency", "按币别、期次", ("currency", "term"),
                       Chart("bar", "currency", ("receivable", "received"))),
               Summary("by-month", "按应收月份", ("due_month",),
                       Chart("line", "due_month", ("receivable", "received")))),
    note="以收付信息为条件比较计划收付与实际收付; 点击查看应收清单。 币别为应收的原币别; "
         "应收、实收、未到款金额均已折人民币, 可跨币别相加; 原币金额见明细的 应收金额(原币)。",
)
RECEIVABLE_POLICIES = _receivable(
    "receivable-policies", "4.5", "应收保单清单",
    (branch_filter(), Filter("policy_no", "保单号", "text", "policy_no"),
     Filter("handler", "经办人代码", "text", "handler_code")),
    (BRANCH_DIM, Dim("policy", "保单号", "policy_no", many=True)),
    summaries=(Summary("by-branch", "按支公司", ("branch",),
                       Chart("bar", "branch_label", ("unpaid",))),
               Summary("by-policy", "按保单", ("policy",))),
    note="以业务信息为条件查询有应收保费的保单。",
    tags=("sales",),
)

EFFECTIVE_POLICIES = Report(
    slug="effective-policies", number="4.6", area="receivable", tags=("sales",),
    title="有效保单清单", source="policy_pnl",
    id_column="policy_id", where=SCOPE_RULE, setting_params=SCOPE_SETTINGS,
    filters=(
        Filter("start", "起保日期", "date_range", "start_date"),
        branch_filter(), dept_filter(),
        Filter("risk", "险种", "code_pattern", "risk_code"),
        Filter("handler", "经办人代码", "text", "handler_code"),
    ),
    dims=(BRANCH_DIM, Dim("class", "险类", "class_name"), Dim("year", "起保年度", "start_year",
                                                        type="year")),
    measures=(Measure("policies", "保单数", "count", type="int"),
              Measure("premium", "签单保费(折人民币)", "sum", "premium_cny"),
              Measure("received", "到款保费(折人民币)", "sum", "received_cny")),
    detail=with_names(POLICY_NO, Col("risk_code", "险种", "code"),
            Col("branch_code", "归属支公司代码", "code"),
            Col("handler_code", "经办人代码", "code"),
            Col("insured_name", "被保险人名称", column="insured_id", lookup=INSURED_NAME),
            Col("start_date", "起保日期", "date"), Col("end_date", "终保日期", "date"),
            Col("currency_code", "币别", "code"), Col("premium", "保费(原币)", "money"),
            Col("premium_cny", "签单保费(折人民币)", "money"),
            Col("received_cny", "到款保费(折人民币)", "money")),
    summaries=(Summary("by-branch", "按支公司", ("branch",),
                       Chart("bar", "branch_label", ("premium", "received"))),
               Summary("by-class", "按险类", ("class", "year"))),
    order=(("start_date", "desc"),),
    notes=("以业务信息、收付信息为条件查询应收统计范围内的有效保单。", NOTES[0]),
)
