"""Lookup tables of 综合查询 (queries/search.py), built at load time.

Each is sorted by its term, so a lookup of one value reads the one or two row groups
whose min/max hold it (DuckDB's zone maps) instead of scanning the book:

- ``search_customer_key``: 证件号, 手机, 电话 (digits only) and 姓名 → customer;
- ``search_record_key``: 保单号, 车牌, 车架号 → policy; 立案号, 报案号 → claim (and
  its policy);
- ``customer_policy``: a customer's policies as 被保险人 or 投保人 with their scope
  columns, sorted by customer (the customer page reads it too).
"""

from __future__ import annotations

import duckdb

# The normal form of a term, in SQL; queries.search.normal_term is the same in Python.
ID_TERM = "upper(regexp_replace({c}, '[\\s\\-]', '', 'g'))"
DIGITS_TERM = "regexp_replace({c}, '[^0-9]', '', 'g')"
TEXT_TERM = "upper(trim({c}))"

SEARCH_TABLES: dict[str, str] = {
    "search_customer_key": f"""
        SELECT term, field, customer_id FROM (
            SELECT {ID_TERM.format(c='id_no')} AS term, 'id_no' AS field, customer_id
            FROM customer
            UNION ALL SELECT {DIGITS_TERM.format(c='mobile')}, 'mobile', customer_id
            FROM customer
            UNION ALL SELECT {DIGITS_TERM.format(c='phone')}, 'phone', customer_id
            FROM customer
            UNION ALL SELECT {TEXT_TERM.format(c='customer_name')}, 'name', customer_id
            FROM customer)
        WHERE term IS NOT NULL AND term <> ''
        ORDER BY term, field, customer_id""",
    "search_record_key": f"""
        SELECT term, field, policy_id, claim_id FROM (
            SELECT {TEXT_TERM.format(c='policy_no')} AS term, 'policy_no' AS field,
                   policy_id, NULL::INTEGER AS claim_id FROM policy
            UNION ALL SELECT {ID_TERM.format(c='v.plate_no')}, 'plate_no', p.policy_id, NULL
            FROM policy p JOIN vehicle v USING (vehicle_id)
            UNION ALL SELECT {TEXT_TERM.format(c='v.vin')}, 'vin', p.policy_id, NULL
            FROM policy p JOIN vehicle v USING (vehicle_id)
            UNION ALL SELECT {TEXT_TERM.format(c='claim_no')}, 'claim_no', policy_id, claim_id
            FROM claim WHERE claim_no IS NOT NULL
            UNION ALL SELECT {TEXT_TERM.format(c='report_no')}, 'report_no', policy_id,
                   claim_id FROM claim)
        WHERE term IS NOT NULL AND term <> ''
        ORDER BY term, field, policy_id""",
    "customer_policy": """
        SELECT customer_id, policy_id, role, branch_id, dept_id, handler_id FROM (
            SELECT insured_id AS customer_id, policy_id, '被保险人' AS role, branch_id,
                   dept_id, handler_id FROM policy
            UNION ALL
            SELECT applicant_id, policy_id, '投保人', branch_id, dept_id, handler_id
            FROM policy WHERE applicant_id <> insured_id)
        ORDER BY customer_id, policy_id""",
}


def build_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """The sorted lookup tables; written in their order (the build otherwise lets DuckDB
    write rows in any order)."""
    from data.rollups import create_rollup

    con.execute("SET preserve_insertion_order = true")
    try:
        for name, select in SEARCH_TABLES.items():
            create_rollup(con, name, select)
    finally:
        con.execute("SET preserve_insertion_order = false")
