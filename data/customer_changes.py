"""客户变更历史: what changed in each customer record between two loads.

Every build compares the customer records it loaded with those of the store it replaces
(the same 客户代码 and 来源系统) and adds one row per changed field (and per new record
and per record whose 统一客户号 moved) to the history the old store kept. The 客户360
page lists a customer's rows beside the data stewards' decisions on its records.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from data.steps import run_step

log = logging.getLogger(__name__)

FIELDS = (("customer_name", "客户名称"), ("customer_kind", "客户类型"), ("id_type", "证件类型"),
          ("id_no", "证件号码"), ("phone", "电话"), ("mobile", "手机"), ("address", "地址"),
          ("birthday", "出生日期"), ("master_no", "统一客户号"))
NEW_RECORD = "新增记录"
HISTORY_COLUMNS = ("changed_on", "customer_code", "source_system", "field", "old_value",
                   "new_value")


def previous_customers(store: Path) -> tuple[pa.Table | None, pa.Table | None]:
    """(the old store's customer records, its change history); None for what it lacks."""
    if not store.exists():
        return None, None
    try:
        con = duckdb.connect(str(store), read_only=True)
    except duckdb.Error:
        return None, None
    try:
        have = {(r[0], r[1]) for r in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE schema_name = 'main'").fetchall()}
        if not all(("customer", f) in have for f, _ in FIELDS):
            return None, None
        cols = ", ".join(f"{f}::VARCHAR AS {f}" for f, _ in FIELDS)
        records = con.sql(f"SELECT customer_code, source_system, {cols} FROM customer"
                          ).to_arrow_table()
        history = None
        if ("customer_change", "field") in have:
            history = con.sql(f"SELECT {', '.join(HISTORY_COLUMNS)} FROM customer_change"
                              ).to_arrow_table()
        return records, history
    finally:
        con.close()


def _new_rows_sql(on: date) -> str:
    diffs = " UNION ALL ".join(
        f"SELECT DATE '{on.isoformat()}', n.customer_code, n.source_system, '{label}', "
        f"o.{f}, n.{f}::VARCHAR FROM customer n JOIN _old_customer o USING "
        f"(customer_code, source_system) WHERE o.{f} IS DISTINCT FROM n.{f}::VARCHAR"
        for f, label in FIELDS)
    return f"""{diffs} UNION ALL
        SELECT DATE '{on.isoformat()}', n.customer_code, n.source_system, '{NEW_RECORD}', NULL,
               n.customer_name FROM customer n ANTI JOIN _old_customer o
        USING (customer_code, source_system)"""


def _demo_history_sql(on: date) -> str:
    """A year of earlier loads for a generated store: about one record in forty had
    another mobile or address, and the 理赔 and 电销 records arrived on some day."""
    day = f"(DATE '{on.isoformat()}' - to_days((hash(customer_code) % 330 + 1)::INTEGER))"
    return f"""
        SELECT {day}, customer_code, source_system, '手机',
               left(mobile, 7) || lpad(((right(mobile, 4)::INTEGER + 3719) % 10000)::VARCHAR,
                                       4, '0'), mobile
        FROM customer WHERE hash(customer_code) % 80 = 1
          AND regexp_full_match(mobile, '1[0-9]{{10}}')
        UNION ALL
        SELECT {day}, customer_code, source_system, '地址',
               regexp_replace(address, '[0-9]+号.*$', '') || '临时' || (hash(customer_code) % 90
                   + 10)::VARCHAR || '号', address
        FROM customer WHERE hash(customer_code) % 80 = 2 AND address LIKE '%号%'
        UNION ALL
        SELECT {day}, customer_code, source_system, '{NEW_RECORD}', NULL, customer_name
        FROM customer WHERE source_system <> '核心' AND hash(customer_code) % 4 = 0"""


def write_changes(con: duckdb.DuckDBPyConnection, records: pa.Table | None,
                  history: pa.Table | None, on: date, demo: bool = False) -> int:
    """Fill ``customer_change`` (data/customer_tables.py) in the store being built, after
    the customers are resolved; returns the rows this load added. ``demo``: a generated
    store with no store before it gets a made-up history of earlier loads."""
    parts = []
    if demo and records is None and history is None:
        parts.append(_demo_history_sql(on))
    if history is not None:
        con.register("_old_history", history)
        parts.append(f"SELECT {', '.join(HISTORY_COLUMNS)} FROM _old_history")
    added = 0
    if records is not None:
        con.register("_old_customer", records)
        run_step(con, f"CREATE OR REPLACE TEMP TABLE _new_changes AS {_new_rows_sql(on)}")
        added = con.execute("SELECT count(*) FROM _new_changes").fetchall()[0][0]
        parts.append("SELECT * FROM _new_changes")
    if parts:
        run_step(con, f"""INSERT INTO customer_change
            WITH h ({', '.join(HISTORY_COLUMNS)}) AS ({' UNION ALL '.join(parts)})
            SELECT row_number() OVER (ORDER BY h.changed_on, h.source_system, h.customer_code,
                       h.field, h.old_value, h.new_value)::INTEGER,
                   h.changed_on, c.customer_id, h.customer_code, h.source_system, c.master_no,
                   h.field, h.old_value, h.new_value, m.branch_ids, m.dept_ids, m.handler_ids
            FROM h JOIN customer c USING (customer_code, source_system)
            JOIN customer_master m ON m.master_id = c.master_id""")
    if history is not None:
        con.unregister("_old_history")
    if records is not None:
        con.unregister("_old_customer")
    con.execute("DROP TABLE IF EXISTS _new_changes")
    log.info("customer changes: %d this load", added)
    return added
