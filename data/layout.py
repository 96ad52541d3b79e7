"""The import file layout: one file per entity, linked by business keys (保单号, 立案号 …),
never by the store's internal ids. ``docs/IMPORT.md`` is written from this declaration
(``python -m data.layout``); the importer (``data.importer``) validates against it and the
generator's ``--export-dir`` writes it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal

FieldType = Literal["text", "int", "date", "money", "rate", "bool"]
SQL_TYPES: dict[str, str] = {"text": "VARCHAR", "int": "INTEGER", "date": "DATE",
                             "money": "DECIMAL(18,2)", "rate": "DECIMAL(18,6)",
                             "bool": "BOOLEAN"}
TYPE_LABELS = {"text": "文本", "int": "整数", "date": "日期 YYYY-MM-DD",
               "money": "金额 (2 位小数)", "rate": "汇率 (6 位小数)", "bool": "true/false"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: FieldType = "text"
    required: bool = True
    codes: tuple[str, ...] = ()
    non_negative: bool = False
    example: str = ""


@dataclass(frozen=True)
class Ref:
    """File columns naming another entity's business key; resolved to ``id_column``."""

    columns: tuple[str, ...]  # in this file
    entity: str
    keys: tuple[str, ...]  # that entity's business key columns, same order
    id_column: str  # the store column that receives the referenced id
    required: bool = True


@dataclass(frozen=True)
class Converted:
    """A ``*_cny`` twin: taken from the file when given, else converted at the rate in
    force on ``date`` (the transaction date)."""

    amount: str
    cny: str
    date: str


@dataclass(frozen=True)
class Entity:
    name: str  # file name stem and store table
    label: str
    key: tuple[str, ...]  # business key (unique per file)
    fields: tuple[Field, ...]
    refs: tuple[Ref, ...] = ()
    id_column: str | None = None  # the store's integer id, assigned by the importer
    converted: tuple[Converted, ...] = ()
    dates_in_order: tuple[tuple[str, str], ...] = ()  # (earlier, later)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


def F(name: str, label: str, type: FieldType = "text", required: bool = True,
      codes: tuple[str, ...] = (), *, non_negative: bool = False, example: str = "") -> Field:
    return Field(name, label, type, required, codes, non_negative, example)


def _ref(column: str, entity: str, key: str, id_column: str, required: bool = True) -> Ref:
    return Ref((column,), entity, (key,), id_column, required)


CURRENCY = _ref("currency_code", "currency", "currency_code", "currency_id")
POLICY = _ref("policy_no", "policy", "policy_no", "policy_id")

ENTITIES: tuple[Entity, ...] = (
    Entity("branch", "支公司", ("branch_code",), (
        F("branch_code", "支公司代码", example="4401"),
        F("branch_name", "支公司名称", example="广州天河支公司"),
        F("province", "省份", example="广东"),
        F("plate_prefix", "车牌前缀", example="粤A")), id_column="branch_id"),
    Entity("department", "科室 (归属机构)", ("dept_code",), (
        F("dept_code", "归属机构代码", example="440101"),
        F("dept_name", "归属机构名称", example="天河营业一部"),
        F("branch_code", "支公司代码", example="4401")),
        (_ref("branch_code", "branch", "branch_code", "branch_id"),), "dept_id"),
    Entity("staff", "员工 (经办人/业务员)", ("staff_code",), (
        F("staff_code", "员工代码", example="E00001"),
        F("staff_name", "员工姓名", example="张三"),
        F("dept_code", "归属机构代码", example="440101"),
        F("branch_code", "支公司代码", example="4401"),
        F("title", "职务", example="业务员"),
        F("left_date", "离职日期", "date", required=False, example=""),
        F("id_no", "证件号码", required=False, example=""),
        F("mobile", "手机", required=False, example="")),
        (_ref("dept_code", "department", "dept_code", "dept_id"),
         _ref("branch_code", "branch", "branch_code", "branch_id")), "staff_id"),
    Entity("agent", "代理人", ("agent_code",), (
        F("agent_code", "代理人代码", example="A00001"),
        F("agent_name", "代理人名称", example="李四"),
        F("agent_kind", "代理人类型", codes=("个人代理", "兼业代理", "专业代理", "经纪公司"),
          example="个人代理"),
        F("branch_code", "支公司代码", example="4401"),
        F("id_no", "证件号码", required=False, example=""),
        F("mobile", "手机", required=False, example=""),
        F("left_date", "离职日期", "date", required=False, example="")),
        (_ref("branch_code", "branch", "branch_code", "branch_id"),), "agent_id"),
    Entity("customer", "客户", ("customer_code",), (
        F("customer_code", "客户代码", example="C000000001"),
        F("customer_name", "客户名称", example="王五"),
        F("customer_kind", "客户类型", codes=("个人", "单位"), example="个人"),
        F("id_type", "证件类型", example="身份证"),
        F("id_no", "证件号码", example="440101199001011234"),
        F("phone", "联系电话", required=False, example="020-12345678"),
        F("mobile", "联系手机", required=False, example="13812345678"),
        F("address", "联系地址", required=False, example="广州市天河区体育西路 1 号"),
        F("birthday", "出生日期", "date", required=False, example="1990-01-01"),
        F("source_system", "来源系统 (空为 核心)", required=False, example="核心")),
        id_column="customer_id"),
    Entity("risk_class", "险类", ("class_code",), (
        F("class_code", "险类代码", example="D"),
        F("class_name", "险类名称", example="机动车辆险"),
        F("line", "业务线", codes=("auto", "property", "other"), example="auto")),
        id_column="class_id"),
    Entity("risk", "险种", ("risk_code",), (
        F("risk_code", "险种代码", example="DAA"),
        F("risk_name", "险种名称", example="机动车辆损失险"),
        F("class_code", "险类代码", example="D"),
        F("is_commercial_property", "是否企财险", "bool", example="false")),
        (_ref("class_code", "risk_class", "class_code", "class_id"),), "risk_id"),
    Entity("currency", "币别", ("currency_code",), (
        F("currency_code", "币别代码", example="USD"),
        F("currency_name", "币别名称", example="美元")), id_column="currency_id"),
    Entity("exchange_rate", "兑换率", ("currency_code", "rate_date"), (
        F("currency_code", "币别代码", example="USD"),
        F("rate_date", "日期", "date", example="2026-01-05"),
        F("rate_to_cny", "折人民币汇率", "rate", non_negative=True, example="7.123456")),
        (CURRENCY,)),
    Entity("vehicle", "车辆", ("vin",), (
        F("vin", "车架号", example="LSVAU2180N2123456"),
        F("plate_no", "车牌号", required=False, example="粤A12345"),
        F("engine_no", "发动机号", example="E1234567"),
        F("vehicle_kind_code", "车型种类代码", example="K33"),
        F("vehicle_kind_name", "车辆种类", example="客车"),
        F("use_nature_code", "使用性质代码", example="101"),
        F("use_nature_name", "使用性质", example="家庭自用"),
        F("brand_model", "厂牌型号", example="大众 SVW7182"),
        F("seats", "座位", "int", non_negative=True, example="5"),
        F("tonnage", "吨位", "money", non_negative=True, example="0.00"),
        F("first_register_date", "初次登记日期", "date", example="2019-05-20")),
        id_column="vehicle_id"),
    Entity("policy", "保单", ("policy_no",), (
        F("policy_no", "保单号", example="PDAA20264401000001"),
        F("proposal_no", "投保单号", required=False, example="TDAA20264401000001"),
        F("risk_code", "险种代码", example="DAA"),
        F("branch_code", "归属支公司代码", example="4401"),
        F("dept_code", "归属机构代码", example="440101"),
        F("handler_code", "经办人代码", example="E00001"),
        F("agent_code", "代理人代码", required=False, example="A00001"),
        F("applicant_code", "投保人代码", example="C000000001"),
        F("insured_code", "被保险人代码", example="C000000001"),
        F("vin", "车架号", required=False, example="LSVAU2180N2123456"),
        F("use_years", "使用年限", "int", required=False, non_negative=True, example="3"),
        F("clause_code", "承保条款代码", example="C01"),
        F("clause_name", "承保条款", example="机动车综合商业保险条款"),
        F("sign_date", "签单日期", "date", example="2026-01-03"),
        F("input_date", "录单日期", "date", example="2026-01-03"),
        F("start_date", "起保日期", "date", example="2026-01-04"),
        F("end_date", "终保日期", "date", example="2027-01-03"),
        F("currency_code", "保费币别", example="CNY"),
        F("sum_insured", "保险金额", "money", non_negative=True, example="150000.00"),
        F("liability_limit", "责任限额", "money", non_negative=True, example="1000000.00"),
        F("premium", "单面保费", "money", non_negative=True, example="3560.00"),
        F("status", "保单状态", codes=("有效", "注销", "退保"), example="有效"),
        F("renewal_of_policy_no", "续保自保单号", required=False, example=""),
        F("sum_insured_cny", "保险金额(折人民币)", "money", required=False),
        F("liability_limit_cny", "责任限额(折人民币)", "money", required=False),
        F("premium_cny", "单面保费(折人民币)", "money", required=False)),
        (_ref("risk_code", "risk", "risk_code", "risk_id"),
         _ref("branch_code", "branch", "branch_code", "branch_id"),
         _ref("dept_code", "department", "dept_code", "dept_id"),
         _ref("handler_code", "staff", "staff_code", "handler_id"),
         _ref("agent_code", "agent", "agent_code", "agent_id", required=False),
         _ref("applicant_code", "customer", "customer_code", "applicant_id"),
         _ref("insured_code", "customer", "customer_code", "insured_id"),
         _ref("vin", "vehicle", "vin", "vehicle_id", required=False),
         CURRENCY,
         _ref("renewal_of_policy_no", "policy", "policy_no", "renewal_of_policy_id",
              required=False),
         _ref("proposal_no", "proposal", "proposal_no", "proposal_id", required=False)),
        "policy_id",
        (Converted("sum_insured", "sum_insured_cny", "sign_date"),
         Converted("liability_limit", "liability_limit_cny", "sign_date"),
         Converted("premium", "premium_cny", "sign_date")),
        (("start_date", "end_date"),)),
    Entity("proposal", "投保单", ("proposal_no",), (
        F("proposal_no", "投保单号", example="TDAA20264401000001"),
        F("risk_code", "险种代码", example="DAA"),
        F("branch_code", "支公司代码", example="4401"),
        F("dept_code", "归属机构代码", example="440101"),
        F("salesman_code", "归属业务员代码", example="E00001"),
        F("agent_code", "代理人代码", required=False, example="A00001"),
        F("applicant_code", "投保人代码", example="C000000001"),
        F("insured_code", "被保险人代码", example="C000000001"),
        F("vin", "车架号", required=False),
        F("input_date", "录入日期", "date", example="2026-01-02"),
        F("start_date", "起保日期", "date", example="2026-01-04"),
        F("end_date", "终保日期", "date", example="2027-01-03"),
        F("currency_code", "币别", example="CNY"),
        F("sum_insured", "保险金额", "money", non_negative=True, example="150000.00"),
        F("premium", "保费", "money", non_negative=True, example="3560.00"),
        F("uw_status", "核保状态", codes=("0", "1", "2", "3", "9", "w"), example="1"),
        F("policy_no", "保单号", required=False, example="PDAA20264401000001"),
        F("sum_insured_cny", "保险金额(折人民币)", "money", required=False),
        F("premium_cny", "保费(折人民币)", "money", required=False)),
        (_ref("risk_code", "risk", "risk_code", "risk_id"),
         _ref("branch_code", "branch", "branch_code", "branch_id"),
         _ref("dept_code", "department", "dept_code", "dept_id"),
         _ref("salesman_code", "staff", "staff_code", "salesman_id"),
         _ref("agent_code", "agent", "agent_code", "agent_id", required=False),
         _ref("applicant_code", "customer", "customer_code", "applicant_id"),
         _ref("insured_code", "customer", "customer_code", "insured_id"),
         _ref("vin", "vehicle", "vin", "vehicle_id", required=False),
         CURRENCY,
         _ref("policy_no", "policy", "policy_no", "policy_id", required=False)),
        "proposal_id",
        (Converted("sum_insured", "sum_insured_cny", "input_date"),
         Converted("premium", "premium_cny", "input_date")),
        (("start_date", "end_date"),)),
    Entity("endorsement", "批单", ("endorsement_no",), (
        F("endorsement_no", "批单号", example="EDAA20264401000001"),
        F("policy_no", "保单号", example="PDAA20264401000001"),
        F("endorse_type_code", "批改类型代码", example="0301"),
        F("reason_code", "批改原因代码", example="P10"),
        F("subject_list_changed", "标的清单变更", "bool", example="false"),
        F("layup_refund", "停航退费", "bool", example="false"),
        F("endorse_date", "批改日期", "date", example="2026-03-01"),
        F("effective_date", "批改生效日期", "date", example="2026-03-02"),
        F("input_date", "批改录入日期", "date", example="2026-03-01"),
        F("currency_code", "币别", example="CNY"),
        F("premium_change", "保费变化量", "money", example="-120.00"),
        F("sum_insured_change", "保额变化量", "money", example="0.00"),
        F("premium_after", "批改后保费", "money", example="3440.00"),
        F("sum_insured_after", "批改后保额", "money", example="150000.00"),
        F("premium_change_cny", "保费变化量(折人民币)", "money", required=False),
        F("sum_insured_change_cny", "保额变化量(折人民币)", "money", required=False),
        F("premium_after_cny", "批改后保费(折人民币)", "money", required=False),
        F("sum_insured_after_cny", "批改后保额(折人民币)", "money", required=False)),
        (POLICY, CURRENCY), "endorsement_id",
        (Converted("premium_change", "premium_change_cny", "endorse_date"),
         Converted("sum_insured_change", "sum_insured_change_cny", "endorse_date"),
         Converted("premium_after", "premium_after_cny", "endorse_date"),
         Converted("sum_insured_after", "sum_insured_after_cny", "endorse_date"))),
    Entity("claim", "报案/立案", ("report_no",), (
        F("report_no", "报案号", example="R202600000001"),
        F("claim_no", "立案号", required=False, example="C202600000001"),
        F("policy_no", "保单号", example="PDAA20264401000001"),
        F("report_date", "报案日期", "date", example="2026-02-01"),
        F("reporter_phone", "报案电话", required=False, example="13812345678"),
        F("loss_date", "出险日期", "date", example="2026-01-31"),
        F("cause_code", "出险原因代码", example="01"),
        F("cause_name", "出险原因", example="碰撞"),
        F("loss_address", "出险地址", example="广州市天河区"),
        F("currency_code", "赔款币别", example="CNY"),
        F("estimated_loss", "估损金额", "money", non_negative=True, example="5000.00"),
        F("cancelled", "注销", "bool", example="false"),
        F("cancel_date", "注销日期", "date", required=False),
        F("register_date", "立案日期", "date", required=False, example="2026-02-03"),
        F("close_date", "结案日期", "date", required=False, example="2026-03-01"),
        F("estimated_loss_cny", "估损金额(折人民币)", "money", required=False)),
        (POLICY, CURRENCY), "claim_id",
        (Converted("estimated_loss", "estimated_loss_cny", "report_date"),),
        (("loss_date", "report_date"), ("report_date", "register_date"),
         ("register_date", "close_date"))),
    Entity("claim_payment", "赔款支付", ("report_no", "payment_seq"), (
        F("report_no", "报案号", example="R202600000001"),
        F("payment_seq", "支付序号", "int", non_negative=True, example="1"),
        F("pay_date", "支付日期", "date", example="2026-03-05"),
        F("currency_code", "币别", example="CNY"),
        F("amount", "支付金额", "money", example="4800.00"),
        F("amount_cny", "支付金额(折人民币)", "money", required=False)),
        (_ref("report_no", "claim", "report_no", "claim_id"), CURRENCY), "payment_id",
        (Converted("amount", "amount_cny", "pay_date"),)),
    Entity("receivable", "计划应收", ("policy_no", "endorsement_no", "term_no"), (
        F("policy_no", "保单号", example="PDAA20264401000001"),
        F("endorsement_no", "批单号", required=False, example=""),
        F("term_no", "期次", "int", non_negative=True, example="1"),
        F("due_date", "应收日期", "date", example="2026-01-04"),
        F("currency_code", "币别", example="CNY"),
        F("amount", "应收金额 (负数为应退)", "money", example="3560.00"),
        F("amount_cny", "应收金额(折人民币)", "money", required=False)),
        (POLICY, _ref("endorsement_no", "endorsement", "endorsement_no", "endorsement_id",
                      required=False), CURRENCY), "receivable_id",
        (Converted("amount", "amount_cny", "due_date"),)),
    Entity("receipt", "实收/实付", ("receipt_no",), (
        F("receipt_no", "收付号", example="S202600000001"),
        F("policy_no", "保单号", example="PDAA20264401000001"),
        F("endorsement_no", "批单号", required=False),
        F("receivable_term_no", "对应应收期次", "int", required=False, example="1"),
        F("receipt_date", "到/领款日期", "date", example="2026-01-10"),
        F("currency_code", "币别", example="CNY"),
        F("amount", "金额 (负数为退费)", "money", example="3560.00"),
        F("amount_cny", "金额(折人民币)", "money", required=False)),
        (POLICY, _ref("endorsement_no", "endorsement", "endorsement_no", "endorsement_id",
                      required=False),
         Ref(("policy_no", "endorsement_no", "receivable_term_no"), "receivable",
             ("policy_no", "endorsement_no", "term_no"), "receivable_id", required=False),
         CURRENCY), "receipt_id",
        (Converted("amount", "amount_cny", "receipt_date"),)),
    Entity("commission", "手续费", ("fee_receipt_no", "policy_no", "line_no"), (
        F("fee_receipt_no", "手续费收据号", example="SXF2026000001"),
        F("policy_no", "保单号", example="PDAA20264401000001"),
        F("line_no", "行号", "int", non_negative=True, example="1"),
        F("agent_code", "代理人代码", example="A00001"),
        F("paying_agent_code", "支付代理人代码", example="A00001"),
        F("pay_date", "支付日期", "date", example="2026-02-01"),
        F("currency_code", "币别", example="CNY"),
        F("amount", "手续费金额", "money", example="356.00"),
        F("amount_cny", "手续费(折人民币)", "money", required=False)),
        (POLICY, _ref("agent_code", "agent", "agent_code", "agent_id"),
         _ref("paying_agent_code", "agent", "agent_code", "paying_agent_id"), CURRENCY),
        "commission_id", (Converted("amount", "amount_cny", "pay_date"),)),
)
BY_NAME: dict[str, Entity] = {e.name: e for e in ENTITIES}
# Entities a full load may go without: no file means none, as a header-only file does.
OPTIONAL_FILES = frozenset({"agent", "exchange_rate", "vehicle", "proposal", "endorsement",
                            "claim", "claim_payment", "receivable", "receipt", "commission"})


def markdown() -> str:
    """docs/IMPORT.md's tables, from the declaration above."""
    out = []
    for e in ENTITIES:
        out.append(f"### `{e.name}` — {e.label}\n")
        out.append(f"Business key: {', '.join(f'`{k}`' for k in e.key)}."
                   + (" References: " + "; ".join(
                       f"`{'+'.join(r.columns)}` → `{r.entity}`" for r in e.refs) + "."
                      if e.refs else "")
                   + (" File optional (none when absent)." if e.name in OPTIONAL_FILES
                      else "") + "\n")
        out.append("| column | 含义 | type | required | allowed | example |")
        out.append("|---|---|---|---|---|---|")
        for f in e.fields:
            allowed = " / ".join(f.codes) if f.codes else ("≥ 0" if f.non_negative else "")
            out.append(f"| `{f.name}` | {f.label} | {TYPE_LABELS[f.type]} | "
                       f"{'yes' if f.required else 'no'} | {allowed} | {f.example} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(markdown())
