"""Customer resolution grows with the book, not its square: its statements are hash joins
and sorts, and the faster forms give what the plain definitions give."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from data.customers import cleansing_table, resolve
from data.customers.cleansing import _staff_matches
from tests.test_customers_resolve import A_ID, B_ID, _rec, _table

STAFF = pa.table({"kind": ["员工", "员工", "代理人"], "code": ["E1", "E2", "A1"],
                  "name": ["赵六", "孙八", "周九"], "id_no": [A_ID, B_ID, ""],
                  "mobile": ["13922334455", "", "13600001111"]})


def _plan(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    return "\n".join(row[1] for row in con.execute(f"EXPLAIN {sql}").fetchall()).lower()


@pytest.fixture(scope="module")
def staffed() -> duckdb.DuckDBPyConnection:
    rows = [_rec("C1", "赵六", A_ID, "13922334455"),          # E1 by ID and by mobile
            _rec("C2", "钱七", mobile="13922334455"),        # E1 by mobile
            _rec("C3", "某某公司", mobile="13922334455", kind="单位"),  # a company: no
            _rec("C4", "孙八", B_ID, "136 0000 1111"),       # E2 by ID, A1 by mobile
            _rec("C5", "吴十", mobile="13700002222")]         # nobody
    con = duckdb.connect()
    resolve(con, _table(rows))
    return con


def test_staff_customers_are_matched_by_hash_joins_not_a_loop_over_every_pair(
        staffed: duckdb.DuckDBPyConnection) -> None:
    con = staffed
    plan = _plan(con, _staff_matches(con, "cust", STAFF))
    assert "hash join" in plan
    assert "nl join" not in plan and "nested loop" not in plan, plan


def test_staff_customers_are_the_pairs_matching_by_id_or_by_mobile_once_each(
        staffed: duckdb.DuckDBPyConnection) -> None:
    con = staffed
    found = sorted((r["customer_code"], r["detail"]) for r in
                   cleansing_table(con, staff=STAFF).to_pylist() if r["issue"] == "业务员客户")
    # The definition: a record and a staff member with the same ID, or (a person) the
    # same mobile; the detail says which.
    defined = sorted(con.execute("""
        SELECT c.customer_code, s.source_system || ' ' || s.customer_code || ' '
               || coalesce(s.name_key, '') || CASE WHEN c.id_key = s.id_key
               THEN ' (证件号相同)' ELSE ' (手机相同)' END
        FROM cust_norm c JOIN cust_staff s
          ON (c.id_key = s.id_key) OR (c.mobile = s.mobile AND NOT c.is_company)""").fetchall())
    assert found == defined == [("C1", "员工 E1 赵六 (证件号相同)"),
                                ("C2", "员工 E1 赵六 (手机相同)"),
                                ("C4", "代理人 A1 周九 (手机相同)"),
                                ("C4", "员工 E2 孙八 (证件号相同)")]
