"""Lookup tables of 综合查询 (queries/search.py), built at load time.

Each is sorted by its term, so a lookup of one value reads the one or two row groups
whose min/max hold it (DuckDB's zone maps) instead of scanning the book:

- ``customer_policy``: a customer's policies as 被保险人 or 投保人 with their scope
  columns, sorted by customer (the customer page reads it too);
- ``search_customer_key``: 证件号, 手机, 电话 (digits only), 姓名 and 地址 → the
  customer, what a hit shows, and the branches, 科室 and 经办人 of its policies;
- ``search_record_key``: 保单号, 车牌, 车架号 → the policy; 立案号, 报案号 → the
  claim and its policy; each with what it shows and its scope columns.

Near-unique text is stored uncompressed (data/schema.py): a term read whole from one
row group costs less than decompressing it.
"""

from __future__ import annotations

import duckdb

# The normal form of a term, in SQL; queries.search.normal_term is the same in Python.
ID_TERM = "upper(regexp_replace({c}, '[\\s\\-]', '', 'g'))"
DIGITS_TERM = "regexp_replace({c}, '[^0-9]', '', 'g')"
TEXT_TERM = "upper(trim({c}))"

SEARCH_TABLES: dict[str, str] = {
    "customer_policy": """
        SELECT customer_id, policy_id, role, branch_id, dept_id, handler_id FROM (
            SELECT insured_id AS customer_id, policy_id, '被保险人' AS role, branch_id,
                   dept_id, handler_id FROM policy
            UNION ALL
            SELECT applicant_id, policy_id, '投保人', branch_id, dept_id, handler_id
            FROM policy WHERE applicant_id <> insured_id)
        ORDER BY customer_id, policy_id""",
    # What a hit shows and the scope it lies in, beside its term: one pruned read answers.
    "search_customer_key": f"""
        WITH sc AS (
            SELECT customer_id, list(DISTINCT branch_id ORDER BY branch_id) AS branch_ids,
                   list(DISTINCT dept_id ORDER BY dept_id) AS dept_ids,
                   list(DISTINCT handler_id ORDER BY handler_id) AS handler_ids,
                   count(DISTINCT policy_id)::INTEGER AS policies
            FROM customer_policy GROUP BY customer_id),
        k AS (
            SELECT {ID_TERM.format(c='id_no')} AS term, 'id_no' AS field, customer_id
            FROM customer
            UNION ALL SELECT {DIGITS_TERM.format(c='mobile')}, 'mobile', customer_id
            FROM customer
            UNION ALL SELECT {DIGITS_TERM.format(c='phone')}, 'phone', customer_id
            FROM customer
            UNION ALL SELECT {TEXT_TERM.format(c='customer_name')}, 'name', customer_id
            FROM customer
            UNION ALL SELECT {TEXT_TERM.format(c='address')}, 'address', customer_id
            FROM customer)
        SELECT k.term, k.field, k.customer_id, c.master_no, c.customer_code, c.customer_name,
               c.customer_kind, c.id_type, c.id_no, c.mobile, sc.branch_ids, sc.dept_ids,
               sc.handler_ids, coalesce(sc.policies, 0) AS policies
        FROM k JOIN customer c USING (customer_id) LEFT JOIN sc USING (customer_id)
        WHERE k.term IS NOT NULL AND length(k.term) >= 2
        ORDER BY k.term, k.field, k.customer_id""",
    "search_record_key": f"""
        WITH k AS (
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
        SELECT k.term, k.field, k.policy_id, k.claim_id, p.branch_id, p.dept_id,
               p.handler_id, p.policy_no, p.risk_code, p.start_date, p.end_date, p.status,
               p.plate_no, v.vin, p.brand_model, p.handler_code, p.insured_code,
               ins.customer_name AS insured_name, f.claim_no, f.report_no, f.report_date,
               f.stage, f.estimated_loss_cny, f.paid_cny
        FROM k JOIN policy_pnl p USING (policy_id) LEFT JOIN vehicle v USING (vehicle_id)
        JOIN customer ins ON ins.customer_id = p.insured_id
        LEFT JOIN claim_fact f ON f.claim_id = k.claim_id
        WHERE k.term IS NOT NULL AND k.term <> ''
        ORDER BY k.term, k.field, k.policy_id""",
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
