"""9 客户数据管理 — the data steward's lists over the customer master (docs/CUSTOMERS.md):
疑似重复客户 (the review queue's rows), 无效客户信息 and 业务员客户.

A customer's business may lie in several branches, so these sources carry their scope as
lists (``branch_ids`` …): a branch user sees a suspect pair when either customer has
business in the branch, and a cleansing finding when the customer has.
"""

from __future__ import annotations

from queries.spec import Col, Dim, Filter, Measure, Options, Report, ScopeColumns, Summary

CUSTOMER_SCOPE = ScopeColumns("branch_ids", "dept_ids", "handler_ids", many=True)
COMPARED = (("name", "姓名"), ("id", "证件号"), ("birth", "出生日期"), ("mobile", "手机"),
            ("address", "地址"), ("branch", "出单机构"))
SYSTEMS = Options(static=tuple((s, s) for s in ("核心", "理赔", "电销", "工作日志")))


def _side(x: str, title: str) -> tuple[Col, ...]:
    return (
        Col(f"customer_name_{x}", f"{title}客户名称"),
        Col(f"source_system_{x}", f"{title}来源系统", "code"),
        Col(f"customer_code_{x}", f"{title}客户代码", "code"),
        Col(f"master_no_{x}", f"{title}统一客户号", "code"),
        Col(f"id_type_{x}", f"{title}证件类型"),
        Col(f"id_no_{x}", f"{title}证件号码", personal="id_no"),
        Col(f"mobile_{x}", f"{title}手机", personal="phone"),
        Col(f"address_{x}", f"{title}地址", personal="address"),
        Col(f"birthday_{x}", f"{title}出生日期", "date"),
        Col(f"branch_code_{x}", f"{title}出单机构", "code"),
    )


CUSTOMER_SUSPECTS = Report(
    slug="customer-suspects", number="9.1", area="customer_data", title="疑似重复客户",
    source="customer_suspect", id_column="suspect_id", scope=CUSTOMER_SCOPE,
    filters=(
        Filter("score", "相似度", "number_range", "match_probability",
                help="0 至 1; 自动合并阈值以上的已合并, 不在此列"),
        Filter("system", "来源系统 (甲)", "multi", "source_system_l", options=SYSTEMS),
        Filter("name", "客户名称 (甲)", "contains", "customer_name_l"),
    ),
    dims=(Dim("agree", "一致的字段", "agree"),
          Dim("systems", "来源系统", "source_system_l || ' / ' || source_system_r")),
    measures=(Measure("pairs", "疑似对数", "count", type="int"),
              Measure("groups", "疑似组数", "count_distinct", "group_id", type="int"),
              Measure("best", "最高相似度", "quantile", "match_probability", q=1.0,
                      type="ratio")),
    detail=(
        Col("suspect_id", "序号", "int"), Col("group_id", "组号", "int"),
        Col("match_probability", "相似度", "ratio"), Col("agree", "一致的字段"),
        *_side("l", "甲 "), *_side("r", "乙 "),
        *(Col(f"{field}_cmp", f"{label}比对") for field, label in COMPARED),
        Col("evidence", "比对结果"),
    ),
    summaries=(Summary("by-agree", "按一致字段汇总", ("agree",)),
               Summary("by-systems", "按来源系统汇总", ("systems",))),
    order=(("match_probability", "desc"),),
    notes=("两条记录分属两个统一客户号, 相似度介于待审核阈值和自动合并阈值之间;",
           "在 疑似客户审核 页面合并、拆分或标记为不是同一客户, 下次数据装载起生效。",
           "支公司用户只看到至少一方在本支公司有业务的疑似对。"),
)

_ISSUE_COLUMNS = (
    Col("customer_name", "客户名称"), Col("source_system", "来源系统", "code"),
    Col("customer_code", "客户代码", "code"), Col("master_no", "统一客户号", "code"),
    Col("id_type", "证件类型"), Col("id_no", "证件号码", personal="id_no"),
    Col("mobile", "手机", personal="phone"), Col("issue", "问题"), Col("detail", "说明"),
)
_ISSUE_MEASURES = (Measure("records", "记录数", "count", type="int"),
                   Measure("customers", "客户数", "count_distinct", "master_no", type="int"))

INVALID_CUSTOMERS = Report(
    slug="customer-invalid", number="9.2", area="customer_data", title="无效客户信息",
    source="customer_issue", id_column="issue_id", scope=CUSTOMER_SCOPE,
    where="issue_kind = 'invalid'",
    filters=(
        Filter("issue", "问题", "multi", "issue", options=Options(static=tuple(
            (v, v) for v in ("证件号码无效", "手机号无效或为占位值", "固定电话无效或为占位值",
                             "客户名称为空或为占位值")))),
        Filter("system", "来源系统", "multi", "source_system", options=SYSTEMS),
    ),
    dims=(Dim("issue", "问题", "issue"), Dim("system", "来源系统", "source_system")),
    measures=_ISSUE_MEASURES,
    detail=_ISSUE_COLUMNS,
    summaries=(Summary("by-issue", "按问题汇总", ("issue",)),
               Summary("by-system", "按来源系统汇总", ("system", "issue"))),
    order=(("issue", "asc"), ("customer_code", "asc")),
    notes=("证件号码校验位错误、出生日期无效或为占位值, 手机号为 13800000000 等占位值, "
           "客户名称为空或为 无/测试 等: 每条来源记录一行。",
           "证件号码无效的记录不凭证件号自动合并。"),
)

STAFF_CUSTOMERS = Report(
    slug="customer-staff", number="9.3", area="customer_data", title="业务员客户",
    source="customer_issue", id_column="issue_id", scope=CUSTOMER_SCOPE,
    where="issue_kind = 'staff'",
    filters=(Filter("system", "来源系统", "multi", "source_system", options=SYSTEMS),),
    dims=(Dim("system", "来源系统", "source_system"),),
    measures=_ISSUE_MEASURES,
    detail=_ISSUE_COLUMNS,
    summaries=(Summary("by-system", "按来源系统汇总", ("system",)),),
    order=(("customer_code", "asc"),),
    notes=("客户的证件号码或手机与一名员工或代理人的相同: 说明 列写明是谁。",),
)

CUSTOMER_MASTERS = Report(
    slug="customer-masters", number="9.4", area="customer_data", title="统一客户清单",
    source="customer_master", id_column="master_id", scope=CUSTOMER_SCOPE,
    filters=(
        Filter("master", "统一客户号", "text", "master_no"),
        Filter("name", "客户名称", "contains", "customer_name"),
        Filter("records", "来源记录数", "number_range", "records"),
    ),
    dims=(Dim("systems", "来源系统", "source_systems"), Dim("kind", "客户类型", "customer_kind")),
    measures=(Measure("customers", "客户数", "count", type="int"),
              Measure("records", "来源记录数", "sum", "records", type="int"),
              Measure("policies", "保单数", "sum", "policies", type="int")),
    detail=(
        Col("master_no", "统一客户号", "code"), Col("customer_name", "客户名称"),
        Col("customer_kind", "客户类型"), Col("id_type", "证件类型"),
        Col("id_no", "证件号码", personal="id_no"), Col("mobile", "手机", personal="phone"),
        Col("phone", "电话", personal="phone"), Col("address", "地址", personal="address"),
        Col("birthday", "出生日期", "date"), Col("sex", "性别"),
        Col("records", "来源记录数", "int"), Col("source_systems", "来源系统"),
        Col("linked_by", "识别依据"), Col("policies", "保单数", "int"),
    ),
    summaries=(Summary("by-systems", "按来源系统汇总", ("systems",)),
               Summary("by-kind", "按客户类型汇总", ("kind",))),
    order=(("master_no", "asc"),),
    notes=("每个统一客户号一行: 名称取自核心系统的记录, 其次取证件号有效的记录;",
           "识别依据 列出把其来源记录归为同一客户的规则 (证件号、姓名+手机 …) 或 模型。"),
)
