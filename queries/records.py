"""Record pages, declared like reports: one policy or one claim with everything about it.

A page is a list of sections; each section is a detail list of the store (a ``Report``
that is no menu page) filtered to the record, so the viewer's data scope, masking,
lookups and number formats are those of every other list. The first section is the
record itself: when the viewer's scope holds no row of it, the page says
"无权查看或不存在" and reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from queries import borrowed
from queries.links import RecordKind
from queries.reports.common import BRANCH_NAME, CLAIM_NO, DEPT_NAME, POLICY_NO
from queries.spec import Col, Lookup, MaskKind, Measure, Report, Summary


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    list: Report  # source, columns, order and scope columns of the section's rows
    match: str  # the column of ``list.source`` compared with the value below
    also_match: tuple[str, ...] = ()  # other columns the record's number may be in
    # (section key, column key): the value(s) come from that earlier section's rows
    # (an id the page does not show); None: the record's number as the user gave it.
    value_from: tuple[str, str] | None = None
    # A section is shown to a viewer who may open a report of the catalog reading this
    # source (claims only to those who see claims); None: to every viewer of the page.
    grant: str | None = None
    card: bool = False  # one row shown as labelled fields, not a grid
    hidden: tuple[str, ...] = ()  # columns read to link sections, not shown
    limit: int = 200  # rows shown; the page says when there are more


@dataclass(frozen=True)
class RecordPage:
    kind: RecordKind
    title: str  # 保单详情
    number_label: str  # 保单号
    sections: tuple[Section, ...]  # the first is the record itself (one row)


ROWS = (Measure("rows", "行数", "count", type="int"),)


def _list(key: str, source: str, id_column: str, columns: tuple[Col, ...],
          order: tuple[tuple[str, str], ...], *, detail_where: str | None = None,
          scoped: bool = True) -> Report:
    # Only what a detail list reads; the summary fields are never used.
    return borrowed.resolve(Report(
        slug=f"record-{key}", title=key, source=source, id_column=id_column, filters=(),
        dims=(), measures=ROWS, detail=columns,
        summaries=(Summary("all", "全部", ()),), order=order,  # type: ignore[arg-type]
        detail_where=detail_where, scoped=scoped, number="0", area="underwriting"))


def _customer(key: str, label: str, column: str, personal: MaskKind | None = None) -> Col:
    return Col(key, label, lookup=Lookup("customer", "customer_id", column),
               column="insured_id", personal=personal)


POLICY_ID = Col("policy_id", "保单序号", "int")
STAFF_NAME = Lookup("staff", "staff_id", "staff_name")
AGENT_NAME = Lookup("agent", "agent_id", "agent_name")

POLICY_HEAD = (
    POLICY_NO, Col("status", "保单状态"), Col("risk_code", "险种", "code"),
    Col("class_name", "险类"), Col("clause_name", "承保条款"),
    Col("branch_name", "归属支公司", lookup=BRANCH_NAME, column="branch_id"),
    Col("dept_name", "归属部门", lookup=DEPT_NAME, column="dept_id"),
    Col("handler_code", "经办人代码", "code"),
    Col("handler_name", "经办人", lookup=STAFF_NAME, column="handler_id"),
    Col("agent_code", "代理人代码", "code"),
    Col("agent_name", "代理人", lookup=AGENT_NAME, column="agent_id"),
    Col("sign_date", "签单日期", "date"), Col("start_date", "起保日期", "date"),
    Col("end_date", "终保日期", "date"), Col("currency_code", "保费币别", "code"),
    Col("premium", "签单保费(原币)", "money"), Col("premium_cny", "签单保费(折人民币)", "money"),
    Col("sum_insured_cny", "保险金额(折人民币)", "money"), POLICY_ID,
)
VEHICLE = (
    Col("plate_no", "车牌号"), Col("vin", "车架号"), Col("engine_no", "发动机号"),
    Col("brand_model", "厂牌型号"), Col("vehicle_kind_name", "车辆种类"),
    Col("use_nature_name", "使用性质"), Col("seats", "座位", "int"),
    Col("tonnage", "吨位", "number"), Col("use_years", "使用年限", "int"),
)
INSURED = (
    Col("insured_code", "被保险人代码", "code"),
    _customer("insured_name", "被保险人", "customer_name"),
    _customer("insured_kind", "客户类型", "customer_kind"),
    _customer("insured_id_type", "证件类型", "id_type"),
    _customer("insured_id_no", "证件号码", "id_no", "id_no"),
    _customer("insured_mobile", "联系手机", "mobile", "phone"),
    _customer("insured_phone", "联系电话", "phone", "phone"),
    _customer("insured_address", "联系地址", "address", "address"),
    Col("applicant_code", "投保人代码", "code"),
)
PNL = (
    Col("premium_cny", "签单保费", "money"), Col("received_cny", "到款保费", "money"),
    Col("claims_registered", "立案次数", "int"), Col("paid_closed_cny", "已决赔款", "money"),
    Col("outstanding_cny", "未决估损", "money"), Col("incurred_cny", "已决+未决", "money"),
    Col("settled_loss_ratio_pct", "已决赔付率(%)", "percent", alert=(70.0, 100.0)),
)
CLAIM_ID = Col("claim_id", "赔案序号", "int")
# A claim not yet registered has no 立案号: its page is found by its 报案号.
REPORT_NO = Col("report_no", "报案号", link="claim")
CLAIMS = (
    CLAIM_NO, REPORT_NO, Col("report_date", "报案日期", "date"),
    Col("loss_date", "出险日期", "date"), Col("cause_name", "出险原因"),
    Col("register_date", "立案日期", "date"), Col("close_date", "结案日期", "date"),
    Col("estimated_loss_cny", "估损金额(折人民币)", "money"),
    Col("paid_cny", "已付赔款(折人民币)", "money"), CLAIM_ID,
)
PAYMENTS = (
    Col("claim_no", "立案号", lookup=Lookup("claim", "claim_id", "claim_no"),
        column="claim_id", link="claim"),
    Col("pay_date", "支付日期", "date"),
    Col("currency_code", "币别", "code", lookup=Lookup("currency", "currency_id",
                                                    "currency_code"), column="currency_id"),
    Col("amount", "金额(原币)", "money"), Col("amount_cny", "金额(折人民币)", "money"),
)


def _payments(key: str, of: str) -> Section:
    # claim_payment carries no scope columns: its rows are read only for the claim ids
    # of a section that was scoped.
    return Section(key, "赔款支付", _list(key, "claim_payment", "payment_id", PAYMENTS,
                                          (("pay_date", "asc"),), scoped=False),
                   "claim_id", value_from=(of, "claim_id"), grant="claim_fact")


POLICY_PAGE = RecordPage("policy", "保单详情", "保单号", (
    Section("policy", "保单", _list("policy", "policy_pnl", "policy_id", POLICY_HEAD,
                                    (("policy_id", "asc"),)),
            "policy_no", card=True, hidden=("policy_id",)),
    Section("vehicle", "车辆", _list("vehicle", "policy_pnl", "policy_id", VEHICLE,
                                     (("policy_id", "asc"),)),
            "policy_id", value_from=("policy", "policy_id"), card=True),
    Section("insured", "被保险人", _list("insured", "policy_pnl", "policy_id", INSURED,
                                       (("policy_id", "asc"),)),
            "policy_id", value_from=("policy", "policy_id"), card=True),
    Section("endorsements", "批改", _list(
        "endorsements", "endorsement_fact", "endorsement_id",
        (Col("endorsement_no", "批单号"), Col("endorse_kind", "批改类别"),
         Col("endorse_type_code", "批改类型代码", "code"), Col("endorse_date", "批改日期", "date"),
         Col("effective_date", "生效日期", "date"),
         Col("premium_change_cny", "保费变化(折人民币)", "money"),
         Col("sum_insured_change_cny", "保额变化(折人民币)", "money"),
         Col("premium_after_cny", "批改后保费(折人民币)", "money"),
         Col("receipt_date", "收/退费日期", "date")),
        (("endorse_date", "asc"),)),
            "policy_id", value_from=("policy", "policy_id"), grant="endorsement_fact"),
    Section("receivables", "应收保费", _list(
        "receivables", "receivable_fact", "receivable_id",
        (Col("term_no", "期次", "int"), Col("due_date", "应收日期", "date"),
         Col("currency_code", "币别", "code"), Col("amount", "应收(原币)", "money"),
         Col("amount_cny", "应收(折人民币)", "money"),
         Col("received_cny", "已收(折人民币)", "money"),
         Col("last_receipt_date", "最后到款日期", "date")),
        (("term_no", "asc"),), detail_where="plan_rows = 1"),
            "policy_id", value_from=("policy", "policy_id"), grant="receivable_fact"),
    Section("receipts", "收付款", _list(
        "receipts", "receipt_fact", "receipt_id",
        (Col("receipt_no", "收付号"), Col("receipt_date", "到/领款日期", "date"),
         Col("currency_code", "币别", "code"), Col("amount", "金额(原币)", "money"),
         Col("amount_cny", "金额(折人民币)", "money")),
        (("receipt_date", "asc"),)),
            "policy_id", value_from=("policy", "policy_id"), grant="receipt_fact"),
    Section("claims", "赔案", _list("claims", "claim_fact", "claim_id", CLAIMS,
                                    (("report_date", "asc"),)),
            "policy_id", value_from=("policy", "policy_id"), grant="claim_fact",
            hidden=("claim_id",)),
    _payments("payments", "claims"),
    Section("pnl", "盈亏", _list("pnl", "policy_pnl", "policy_id", PNL,
                                 (("policy_id", "asc"),)),
            "policy_id", value_from=("policy", "policy_id"), grant="policy_pnl", card=True),
))

CLAIM_HEAD = (
    CLAIM_NO, REPORT_NO, POLICY_NO, Col("class_name", "险类"),
    Col("branch_code", "归属支公司代码", "code"),
    Col("branch_name", "归属支公司", lookup=BRANCH_NAME, column="branch_id"),
    Col("report_date", "报案日期", "date"), Col("loss_date", "出险日期", "date"),
    Col("register_date", "立案日期", "date"), Col("close_date", "结案日期", "date"),
    Col("cause_name", "出险原因"), Col("loss_address", "出险地址"),
    Col("reporter_phone", "报案电话", personal="phone"),
    Col("estimated_loss_cny", "估损金额(折人民币)", "money"),
    Col("paid_cny", "已付赔款(折人民币)", "money"), Col("settle_pay_date", "支付日期", "date"),
    CLAIM_ID, POLICY_ID,
)
CLAIM_POLICY = (
    POLICY_NO, Col("status", "保单状态"), Col("risk_code", "险种", "code"),
    Col("class_name", "险类"), _customer("insured_name", "被保险人", "customer_name"),
    Col("plate_no", "车牌号"), Col("start_date", "起保日期", "date"),
    Col("end_date", "终保日期", "date"), Col("handler_code", "经办人代码", "code"),
    Col("handler_name", "经办人", lookup=STAFF_NAME, column="handler_id"),
    Col("premium_cny", "签单保费(折人民币)", "money"),
    Col("sum_insured_cny", "保险金额(折人民币)", "money"),
)

CLAIM_PAGE = RecordPage("claim", "赔案详情", "立案号", (
    Section("claim", "赔案", _list("claim", "claim_fact", "claim_id", CLAIM_HEAD,
                                   (("claim_id", "asc"),)),
            "claim_no", also_match=("report_no",), card=True, hidden=("claim_id", "policy_id")),
    _payments("claim-payments", "claim"),
    Section("claim-policy", "所属保单", _list("claim-policy", "policy_pnl", "policy_id",
                                           CLAIM_POLICY, (("policy_id", "asc"),)),
            "policy_id", value_from=("claim", "policy_id"), card=True),
    Section("policy-claims", "该保单的全部赔案", _list(
        "policy-claims", "claim_fact", "claim_id", CLAIMS, (("report_date", "asc"),)),
            "policy_id", value_from=("claim", "policy_id"), grant="claim_fact",
            hidden=("claim_id",)),
))

RECORD_PAGES: dict[str, RecordPage] = {p.kind: p for p in (POLICY_PAGE, CLAIM_PAGE)}
