"""4.7 兑换率 and 5 手续费查询."""

from __future__ import annotations

from queries.reports.common import BRANCH_DIM, POLICY_NO, branch_filter, with_names
from queries.spec import Chart, Col, Dim, Filter, Measure, Options, Report, Summary

EXCHANGE_RATES = Report(
    slug="exchange-rates", number="4.7", area="receivable", title="兑换率", source="rate_fact",
    id_column="rate_id", scoped=False,
    filters=(
        Filter("date", "日期", "date_range", "rate_date", required=True,
               default="last-30-days"),
        Filter("currency", "币别", "multi", "currency_code",
               options=Options(table="currency", value="currency_code", label="currency_name",
                               where="currency_code <> 'CNY'")),
    ),
    dims=(Dim("currency", "币别", "currency_code"), Dim("name", "币别名称", "currency_name")),
    measures=(
        Measure("days", "天数", "count", type="int"),
        # A rate is of one currency: the 合计 of several currencies shows none.
        Measure("avg_rate", "平均兑换率", "mean", "rate_to_cny", type="rate",
                currency="currency_code"),
        Measure("min_rate", "最低", "quantile", "rate_to_cny", q=0.0, type="rate",
                currency="currency_code"),
        Measure("max_rate", "最高", "quantile", "rate_to_cny", q=1.0, type="rate",
                currency="currency_code"),
    ),
    detail=(Col("rate_date", "日期", "date"), Col("currency_code", "币别", "code"),
            Col("currency_name", "币别名称"), Col("rate_to_cny", "1 单位折人民币", "rate")),
    summaries=(Summary("by-currency", "按币别汇总", ("currency", "name"),
                       Chart("bar", "currency", ("avg_rate",))),),
    order=(("rate_date", "desc"), ("currency_code", "asc")),
    notes=("外币折人民币按交易日当天有效的兑换率计算。",
           "兑换率按币别列示; 合计行只计天数, 不同币别的兑换率不相加、不平均。"),
)

COMMISSION_FILTERS = (
    Filter("receipt_no", "手续费收据号", "text", "fee_receipt_no"),
    Filter("agent", "代理人代码", "text", "agent_code"),
    Filter("paying_agent", "支付代理人代码", "text", "paying_agent_code"),
    Filter("paid", "支付日期", "date_range", "pay_date"),
    branch_filter(),
)
COMMISSION_DETAIL = with_names(
    Col("fee_receipt_no", "手续费收据号"), Col("pay_date", "支付日期", "date"),
    POLICY_NO, Col("risk_code", "险种代码", "code"),
    Col("branch_code", "归属支公司代码", "code"), Col("agent_code", "代理人代码", "code"),
    Col("agent_name", "代理人名称"), Col("paying_agent_code", "支付代理人代码", "code"),
    Col("paying_agent_name", "支付代理人名称"), Col("currency_code", "币别", "code"),
    Col("amount", "手续费", "money"), Col("amount_cny", "手续费(折人民币)", "money"),
)
COMMISSION_MEASURES = (
    Measure("items", "笔数", "count", type="int"),
    Measure("policies", "保单数", "count_distinct", "policy_id", type="int"),
    Measure("amount", "手续费(折人民币)", "sum", "amount_cny"),
)

COMMISSION_SUMMARY = Report(
    slug="commission-summary", number="5.1", area="commission", title="手续费汇总",
    source="commission_fact", id_column="commission_id", filters=COMMISSION_FILTERS,
    dims=(BRANCH_DIM, Dim("paying_agent", "支付代理人", "paying_agent_name")),
    measures=COMMISSION_MEASURES, detail=COMMISSION_DETAIL,
    summaries=(Summary("by-branch", "按支公司汇总", ("branch",),
                       Chart("bar", "branch_label", ("amount",))),
               Summary("by-paying-agent", "按支公司、支付代理人汇总",
                       ("branch", "paying_agent"))),
    order=(("pay_date", "desc"),),
    notes=("按手续费收据号、代理人、支付代理人等条件按支公司汇总; 点击查看手续费清单。",),
)

COMMISSION_LIST = Report(
    slug="commission-list", number="5.2", area="commission", tags=("sales",), title="手续费清单",
    source="commission_fact", id_column="commission_id", filters=COMMISSION_FILTERS,
    dims=(Dim("receipt", "手续费收据号", "fee_receipt_no", many=True), BRANCH_DIM),
    measures=COMMISSION_MEASURES, detail=COMMISSION_DETAIL,
    summaries=(Summary("by-receipt", "按收据号汇总", ("receipt",)),),
    order=(("pay_date", "desc"),),
    notes=("按给定条件查询手续费明细清单。",),
)
