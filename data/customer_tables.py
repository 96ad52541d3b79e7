"""The analytical store's customer-master tables (客户识别): written by every load and by
the generator after the base tables are filled (``data.customer_store``), read by the
customer pages and lists (queries/reports/customers.py).

Every table carries the scope of the business its customers touch as lists
(``branch_ids``, ``dept_ids``, ``handler_ids``: the 归属支公司, 科室 and 经办人 of every
policy and proposal where a record of the customer is 投保人 or 被保险人), so a branch
user's scope is one ``list_contains`` with no join.
"""

from __future__ import annotations

from data.schema import column_sql

DEFAULT_SOURCE_SYSTEM = "核心"
# Base-table columns the importer leaves empty and the resolution writes.
RESOLVED_COLUMNS: dict[str, tuple[str, ...]] = {"customer": ("master_id", "master_no")}

SCOPE_LISTS = (("branch_ids", "INTEGER[]"), ("dept_ids", "INTEGER[]"),
               ("handler_ids", "INTEGER[]"))

_SIDE = (("customer_id", "INTEGER"), ("customer_code", "VARCHAR"), ("source_system", "VARCHAR"),
         ("master_no", "VARCHAR"), ("customer_name", "VARCHAR"), ("customer_kind", "VARCHAR"),
         ("id_type", "VARCHAR"), ("id_no", "VARCHAR"), ("mobile", "VARCHAR"),
         ("address", "VARCHAR"), ("birthday", "DATE"), ("branch_code", "VARCHAR"))

DERIVED_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    # One row per master customer (统一客户号).
    "customer_master": (
        ("master_id", "INTEGER"),          # = customer.master_id
        ("master_no", "VARCHAR"),          # 统一客户号
        ("customer_name", "VARCHAR"),      # best name: 核心 first, then a valid ID, then latest
        ("customer_kind", "VARCHAR"),      # 个人 / 单位
        ("id_type", "VARCHAR"),
        ("id_no", "VARCHAR"),              # normalised (18-digit 身份证), a valid one first
        ("mobile", "VARCHAR"),             # a usable (non-placeholder) mobile, else NULL
        ("phone", "VARCHAR"),
        ("address", "VARCHAR"),
        ("birthday", "DATE"),              # from the 身份证 when valid
        ("sex", "VARCHAR"),                # 男 / 女 from the 身份证
        ("records", "INTEGER"),            # source records (rows of customer)
        ("source_systems", "VARCHAR"),     # e.g. 核心、理赔
        ("linked_by", "VARCHAR"),          # rules/model that joined its records, e.g. 证件号、模型
        ("branch_id", "INTEGER"),          # home branch: the most policies (NULL: none)
        ("policies", "INTEGER"),           # policies as 投保人 or 被保险人
        *SCOPE_LISTS,
    ),
    # 疑似客户: pairs scored between the review and the automatic threshold, in two
    # different master customers, not marked "not the same".
    "customer_suspect": (
        ("suspect_id", "INTEGER"),
        ("pair_key", "VARCHAR"),           # 'sys|code~sys|code' (sorted): stable across loads
        ("group_id", "INTEGER"),           # suspects linked through shared records: one group
        *((f"{name}_l", t) for name, t in _SIDE),
        *((f"{name}_r", t) for name, t in _SIDE),
        ("match_probability", "DOUBLE"),   # the model's score 0 … 1
        ("match_weight", "DOUBLE"),
        ("agree", "VARCHAR"),              # fields speaking for the match: 姓名、手机 …
        ("evidence", "VARCHAR"),           # every comparison in words
        ("name_cmp", "VARCHAR"), ("id_cmp", "VARCHAR"), ("birth_cmp", "VARCHAR"),
        ("mobile_cmp", "VARCHAR"), ("address_cmp", "VARCHAR"), ("branch_cmp", "VARCHAR"),
        *SCOPE_LISTS,                      # union of both customers' business
    ),
    # 客户数据清洗: invalid records and 业务员客户.
    "customer_issue": (
        ("issue_id", "INTEGER"),
        ("customer_id", "INTEGER"),
        ("customer_code", "VARCHAR"),
        ("source_system", "VARCHAR"),
        ("master_no", "VARCHAR"),
        ("customer_name", "VARCHAR"),
        ("id_type", "VARCHAR"),
        ("id_no", "VARCHAR"),              # as the record gives it
        ("mobile", "VARCHAR"),
        ("issue_kind", "VARCHAR"),         # invalid / staff
        ("issue", "VARCHAR"),              # 证件号码无效, 手机号无效或为占位值, 业务员客户 …
        ("detail", "VARCHAR"),
        *SCOPE_LISTS,
    ),
    # 客户变更历史: a customer record's fields that changed between two loads (one row per
    # field; 新增记录 for a record first loaded), kept across loads (data/customer_changes.py).
    "customer_change": (
        ("change_id", "INTEGER"),
        ("changed_on", "DATE"),            # the day of the load that found the change
        ("customer_id", "INTEGER"),
        ("customer_code", "VARCHAR"),
        ("source_system", "VARCHAR"),
        ("master_no", "VARCHAR"),          # the record's 统一客户号 now
        ("field", "VARCHAR"),              # 客户名称, 证件号码, 手机, 地址, 统一客户号 …
        ("old_value", "VARCHAR"),
        ("new_value", "VARCHAR"),
        *SCOPE_LISTS,
    ),
    # The model the book was scored with (Splink settings JSON): the next load scores
    # with it again, so unchanged customers keep their scores.
    "customer_model": (("model_json", "VARCHAR"), ("records", "INTEGER")),
}


def create_derived_tables_sql() -> str:
    return "\n".join(
        f"CREATE OR REPLACE TABLE {name} ({', '.join(column_sql(c, t) for c, t in cols)});"
        for name, cols in DERIVED_TABLES.items())
