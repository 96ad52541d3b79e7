"""Filters, dimensions, measures and columns that many reports share."""

from __future__ import annotations

from data import bands
from queries.spec import Col, Dim, Filter, Lookup, Measure, Options

BRANCH_OPTIONS = Options(table="branch", value="branch_id", label="branch_name",
                         code="branch_code")
DEPT_OPTIONS = Options(table="department", value="dept_id", label="dept_name",
                       code="dept_code", parent=("branch", "branch_id"))
INSURED_NAME = Lookup("customer", "customer_id", "customer_name")
INSURED_PHONE = Lookup("customer", "customer_id", "phone")
INSURED_MOBILE = Lookup("customer", "customer_id", "mobile")
INSURED_ADDRESS = Lookup("customer", "customer_id", "address")
# A dimension known by a code: the summary and its export show 4401 and 广州天河支公司,
# never the internal id.
BRANCH_NAME = Lookup("branch", "branch_id", "branch_name", code="branch_code")
DEPT_NAME = Lookup("department", "dept_id", "dept_name", code="dept_code")
STAFF_NAME = Lookup("staff", "staff_id", "staff_name", code="staff_code")
AGENT_NAME = Lookup("agent", "agent_id", "agent_name", code="agent_code")

RISK_NAME = Lookup("risk", "risk_code", "risk_name")
CLASS_NAME = Lookup("risk_class", "class_code", "class_name")

# A detail list's code column → (its source's column to look the name up by, the lookup).
NAME_OF_CODE: dict[str, tuple[str, Lookup]] = {
    "branch_code": ("branch_id", BRANCH_NAME),
    "dept_code": ("dept_id", DEPT_NAME),
    "handler_code": ("handler_id", STAFF_NAME),
    "salesman_code": ("salesman_id", STAFF_NAME),
    # By code: several facts carry the agent's code only.
    "agent_code": ("agent_code", Lookup("agent", "agent_code", "agent_name")),
    "risk_code": ("risk_code", RISK_NAME),
    "class_code": ("class_code", CLASS_NAME),
}


def with_names(*cols: Col) -> tuple[Col, ...]:
    """Each code column followed by its name (归属支公司代码 4401, 归属支公司名称
    广州天河支公司), fetched for the page's rows; a name the list has already (a column of
    its source) is kept, not fetched."""
    keys = {c.key for c in cols}
    out: list[Col] = []
    for c in cols:
        out.append(c)
        found = NAME_OF_CODE.get(c.key)
        name_key = c.key.removesuffix("_code") + "_name"
        if found is None or name_key in keys:
            continue
        column, lookup = found
        label = c.label.removesuffix("代码") + "名称"
        out.append(Col(name_key, label, column=column, lookup=lookup))
    return tuple(out)


def branch_filter(column: str = "branch_id") -> Filter:
    return Filter("branch", "归属支公司", "multi", column, options=BRANCH_OPTIONS)


def dept_filter(column: str = "dept_id") -> Filter:
    return Filter("dept", "归属部门", "multi", column, options=DEPT_OPTIONS)


def band_options(bs: tuple[bands.Band, ...]) -> Options:
    return Options(static=tuple((label, label[3:]) for label, _, _ in bs))


BRANCH_DIM = Dim("branch", "归属支公司", "branch_id", lookup=BRANCH_NAME, type="int")
DEPT_DIM = Dim("dept", "归属部门", "dept_id", lookup=DEPT_NAME, type="int")

# A loss ratio over 70 % is watched, over 100 % loses money.
LOSS_RATIO_ALERT = (70.0, 100.0)

# The measures every P&L page shows (REPORTS.md section 3).
PNL_MEASURES: tuple[Measure, ...] = (
    Measure("policies", "保单数", "count", type="int"),
    Measure("premium", "签单保费", "sum", "premium_cny"),
    Measure("received", "到款保费", "sum", "received_cny"),
    Measure("claims", "立案次数", "sum", "claims_registered", type="int"),
    Measure("paid_closed", "已决赔款", "sum", "paid_closed_cny"),
    Measure("outstanding", "未决估损", "sum", "outstanding_cny"),
    Measure("incurred", "已决+未决", "sum", "incurred_cny"),
    Measure("settled_ratio", "已决赔付率(%)", "ratio", numerator="paid_closed",
            denominator="received", scale=100, type="percent", alert=LOSS_RATIO_ALERT),
    Measure("total_ratio", "综合赔付率(%)", "ratio", numerator="incurred",
            denominator="received", scale=100, type="percent", alert=LOSS_RATIO_ALERT),
)

PNL_DETAIL_TAIL: tuple[Col, ...] = (
    Col("premium_cny", "签单保费", "money"),
    Col("received_cny", "到款保费", "money"),
    Col("claims_registered", "立案次数", "int"),
    Col("paid_closed_cny", "已决赔款", "money"),
    Col("outstanding_cny", "未决估损", "money"),
    Col("settled_loss_ratio_pct", "已决赔付率(%)", "percent", alert=LOSS_RATIO_ALERT),
)

# Numbers that open their record's page from any list (queries/links.py).
POLICY_NO = Col("policy_no", "保单号", link="policy")
CLAIM_NO = Col("claim_no", "立案号", link="claim")
