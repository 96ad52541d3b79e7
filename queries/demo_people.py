"""Who the demo users are in a generated book: branch 1, its first department, that
department's busiest 业务员, and branch 1's claims and finance staff. Asked through the
engine boundary, so it works on either engine.

Only a generated demo store has demo people: a store imported from a company's files
(or one of unknown origin) has none, whatever staff it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.base import Engine
from queries.sql import Params, Statement
from queries.store import run, table_columns


@dataclass(frozen=True)
class DemoPeople:
    branch_id: int
    dept_id: int
    sales_staff_id: int
    sales_name: str
    claims_staff_id: int
    finance_staff_id: int


def _one(engine: Engine, sql: str, *values: Any) -> tuple[Any, ...] | None:
    params = Params()
    for value in values:
        sql = sql.replace("?", params.bind(value), 1)
    rows = run(engine, Statement(sql, params.values))[1]
    return rows[0] if rows and all(v is not None for v in rows[0]) else None


def is_generated_demo_store(engine: Engine) -> bool:
    """The store says it was generated (``store_info``, written by the build)."""
    if "store_info" not in table_columns(engine):
        return False
    row = _one(engine, "SELECT count(*) FROM store_info WHERE origin = ?", "generated")
    return bool(row and row[0])


def find_demo_people(engine: Engine) -> DemoPeople | None:
    """The demo people, or None when the store is no generated demo store (or lacks one
    of them)."""
    if not is_generated_demo_store(engine):
        return None
    dept = _one(engine, "SELECT min(dept_id) FROM department WHERE branch_id = ?", 1)
    if dept is None:
        return None
    sales = _one(engine,
                 "SELECT s.staff_id, s.staff_name FROM policy p JOIN staff s "
                 "ON s.staff_id = p.handler_id WHERE s.dept_id = ? AND s.title = ? "
                 "GROUP BY s.staff_id, s.staff_name ORDER BY count(*) DESC, s.staff_id "
                 "LIMIT 1", dept[0], "业务员")
    claims = _one(engine, "SELECT min(staff_id) FROM staff WHERE branch_id = ? "
                            "AND title = ?", 1, "理赔员")
    finance = _one(engine, "SELECT min(staff_id) FROM staff WHERE branch_id = ? "
                             "AND title = ?", 1, "财务")
    if sales is None or claims is None or finance is None:
        return None
    return DemoPeople(1, int(dept[0]), int(sales[0]), str(sales[1]), int(claims[0]),
                      int(finance[0]))
