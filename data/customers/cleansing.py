"""客户数据清洗: invalid records and 业务员客户 (staff or agents insuring as customers)."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from data.customers.normalise import normalise_into

STAFF_COLUMNS = ("kind", "code", "name", "id_no", "mobile")
ISSUES_SCHEMA = pa.schema([("customer_code", pa.string()), ("source_system", pa.string()),
                           ("master_no", pa.string()), ("issue", pa.string()),
                           ("detail", pa.string())])


def _staff_matches(con: duckdb.DuckDBPyConnection, p: str, staff: pa.Table) -> str:
    """Normalise staff/agent ID and mobile like customers' and match on either."""
    missing = [c for c in STAFF_COLUMNS if c not in staff.column_names]
    if missing:
        raise ValueError(f"员工/代理人表缺少列: {', '.join(missing)} "
                         f"(应有 {', '.join(STAFF_COLUMNS)})")
    con.register("_staff_in", staff)
    con.execute("""CREATE OR REPLACE TEMP VIEW _staff_raw AS SELECT code AS customer_code,
        name AS customer_name, '个人' AS customer_kind, '身份证' AS id_type, id_no, mobile,
        kind AS source_system FROM _staff_in""")
    normalise_into(con, "_staff_raw", f"{p}_staff")
    con.unregister("_staff_in")
    # Two equi-joins, not one join ON a OR b: an OR is a nested loop over every record
    # and every staff member, which grows with the square of the book.
    detail = "s.source_system || ' ' || s.customer_code || ' ' || coalesce(s.name_key, '')"
    return f"""
        SELECT c.customer_code, c.source_system, '业务员客户' AS issue,
               {detail} || ' (证件号相同)' AS detail
        FROM {p}_norm c JOIN {p}_staff s ON c.id_key = s.id_key
        UNION ALL
        SELECT c.customer_code, c.source_system, '业务员客户', {detail} || ' (手机相同)'
        FROM {p}_norm c JOIN {p}_staff s ON c.mobile = s.mobile AND NOT c.is_company
        WHERE NOT coalesce(c.id_key = s.id_key, false)"""


def cleansing_table(con: duckdb.DuckDBPyConnection, prefix: str = "cust",
                    staff: pa.Table | None = None) -> pa.Table:
    """One row per finding on the records of the last resolution in ``con``.

    ``staff``: employees and agents with ``kind`` (员工 / 代理人), ``code``, ``name``,
    ``id_no`` and ``mobile``.
    """
    p = prefix
    parts = [
        f"""SELECT customer_code, source_system, '证件号码无效' AS issue,
                   id_problem || ': ' || id_no AS detail
            FROM {p}_norm WHERE id_problem IS NOT NULL""",
        f"""SELECT customer_code, source_system, '手机号无效或为占位值', '无法使用的手机号'
            FROM {p}_norm WHERE mobile_bad""",
        f"""SELECT customer_code, source_system, '固定电话无效或为占位值', '无法使用的电话号码'
            FROM {p}_norm WHERE phone_bad""",
        f"""SELECT customer_code, source_system, '客户名称为空或为占位值', '名称缺失'
            FROM {p}_norm WHERE name_key IS NULL""",
    ]
    if staff is not None:
        parts.append(_staff_matches(con, p, staff))
    union = " UNION ALL ".join(f"({q})" for q in parts)
    return con.sql(f"""SELECT f.customer_code, f.source_system, l.master_no, f.issue, f.detail
        FROM ({union}) f LEFT JOIN {p}_links l
          ON l.customer_code = f.customer_code AND l.source_system = f.source_system
        ORDER BY f.issue, f.source_system, f.customer_code""").to_arrow_table().cast(ISSUES_SCHEMA)
