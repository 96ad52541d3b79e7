"""Lookup tables of 综合查询 (queries/search.py), built at load time.

Each key table holds only what finds a hit: the term, its field (a small integer, see
``CUSTOMER_FIELDS`` / ``RECORD_FIELDS``) and the integer ids of the hit. Sorted by term,
a lookup of one value reads the one or two row groups whose min/max hold it (DuckDB's
zone maps); what a hit shows is then read for the few hits returned, by id, from
``customer`` (sorted by id), ``policy_pnl``, ``vehicle`` and ``claim_fact`` (the join
hands the scans the ids, so they skip what holds none):

- ``customer_policy``: a customer's policies as 被保险人 or 投保人 with their scope
  columns, sorted by customer (the scope of a customer hit, its policy count, the
  customer page);
- ``search_customer_key``: 证件号, 手机, 电话 (digits only), 姓名 and 地址 → the
  customer, with the rank of its 客户代码 (hits are listed in that order);
- ``search_record_key``: 保单号, 车牌, 车架号 → the policy; 立案号, 报案号 → the
  claim and its policy.

Terms are compressed (DuckDB's dictionary+FSST), unlike other near-unique text
(data/schema.py): sorted, neighbours share their beginnings and the column takes a
third of its plain size, for a millisecond or two more per lookup (a row group
decompressed).
"""

from __future__ import annotations

import duckdb

# The normal form of a term, in SQL; queries.search.normal_term is the same in Python.
ID_TERM = "upper(regexp_replace({c}, '[\\s\\-]', '', 'g'))"
DIGITS_TERM = "regexp_replace({c}, '[^0-9]', '', 'g')"
TEXT_TERM = "upper(trim({c}))"

# The field a term was read from, as stored in the key tables.
CUSTOMER_FIELDS = {"id_no": 1, "mobile": 2, "phone": 3, "name": 4, "address": 5}
RECORD_FIELDS = {"policy_no": 1, "plate_no": 2, "vin": 3, "claim_no": 4, "report_no": 5}


def _customer_terms() -> str:
    f = CUSTOMER_FIELDS
    return f"""
        SELECT {ID_TERM.format(c='id_no')} AS term, {f['id_no']} AS field, customer_id
        FROM customer
        UNION ALL SELECT {DIGITS_TERM.format(c='mobile')}, {f['mobile']}, customer_id
        FROM customer
        UNION ALL SELECT {DIGITS_TERM.format(c='phone')}, {f['phone']}, customer_id
        FROM customer
        UNION ALL SELECT {TEXT_TERM.format(c='customer_name')}, {f['name']}, customer_id
        FROM customer
        UNION ALL SELECT {TEXT_TERM.format(c='address')}, {f['address']}, customer_id
        FROM customer"""


def _record_terms() -> str:
    f = RECORD_FIELDS
    return f"""
        SELECT {TEXT_TERM.format(c='policy_no')} AS term, {f['policy_no']} AS field,
               policy_id, NULL::INTEGER AS claim_id FROM policy
        UNION ALL SELECT {ID_TERM.format(c='v.plate_no')}, {f['plate_no']}, p.policy_id, NULL
        FROM policy p JOIN vehicle v USING (vehicle_id)
        UNION ALL SELECT {TEXT_TERM.format(c='v.vin')}, {f['vin']}, p.policy_id, NULL
        FROM policy p JOIN vehicle v USING (vehicle_id)
        UNION ALL SELECT {TEXT_TERM.format(c='claim_no')}, {f['claim_no']}, policy_id,
               claim_id FROM claim WHERE claim_no IS NOT NULL
        UNION ALL SELECT {TEXT_TERM.format(c='report_no')}, {f['report_no']}, policy_id,
               claim_id FROM claim"""


SEARCH_TABLES: dict[str, str] = {
    "customer_policy": """
        SELECT customer_id, policy_id, role, branch_id, dept_id, handler_id FROM (
            SELECT insured_id AS customer_id, policy_id, '被保险人' AS role, branch_id,
                   dept_id, handler_id FROM policy
            UNION ALL
            SELECT applicant_id, policy_id, '投保人', branch_id, dept_id, handler_id
            FROM policy WHERE applicant_id <> insured_id)
        ORDER BY customer_id, policy_id""",
    # The scope lists stay beside the term: checking a customer_policy row per hit costs
    # a read of customer_policy per search.
    "search_customer_key": f"""
        WITH sc AS (
            SELECT customer_id, list(DISTINCT branch_id ORDER BY branch_id) AS branch_ids,
                   list(DISTINCT dept_id ORDER BY dept_id) AS dept_ids,
                   list(DISTINCT handler_id ORDER BY handler_id) AS handler_ids,
                   count(DISTINCT policy_id)::INTEGER AS policies
            FROM customer_policy GROUP BY customer_id),
        o AS (SELECT customer_id,
                     dense_rank() OVER (ORDER BY customer_code)::INTEGER AS code_order
              FROM customer)
        SELECT k.term, k.field::UTINYINT AS field, k.customer_id, o.code_order,
               sc.branch_ids, sc.dept_ids, sc.handler_ids,
               coalesce(sc.policies, 0) AS policies
        FROM ({_customer_terms()}) k JOIN o USING (customer_id)
        LEFT JOIN sc USING (customer_id)
        WHERE k.term IS NOT NULL AND length(k.term) >= 2
        ORDER BY k.term, o.code_order, k.field""",
    "search_record_key": f"""
        SELECT term, field::UTINYINT AS field, policy_id, claim_id
        FROM ({_record_terms()})
        WHERE term IS NOT NULL AND term <> ''
        ORDER BY term, field, policy_id""",
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
