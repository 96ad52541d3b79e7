"""Who the demo users are in a generated book: branch 1, its first department, that
department's busiest 业务员, and branch 1's claims and finance staff. Asked through the
engine boundary, so it works on either engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from data.settings import Settings
from queries.compile import Params, Statement, _parse
from queries.store import run


@dataclass(frozen=True)
class DemoPeople:
    branch_id: int
    dept_id: int
    sales_staff_id: int
    sales_name: str
    claims_staff_id: int
    finance_staff_id: int


def _one(settings: Settings, sql: str, *values: Any) -> tuple[Any, ...]:
    params = Params()
    for value in values:
        sql = sql.replace("?", params.bind(value), 1)
    return run(settings, Statement(_parse(sql), params.values))[1][0]


def find_demo_people(settings: Settings) -> DemoPeople:
    dept_id = _one(settings, "SELECT min(dept_id) FROM department WHERE branch_id = ?", 1)[0]
    sales = _one(settings,
                 "SELECT s.staff_id, s.staff_name FROM policy p JOIN staff s "
                 "ON s.staff_id = p.handler_id WHERE s.dept_id = ? AND s.title = ? "
                 "GROUP BY s.staff_id, s.staff_name ORDER BY count(*) DESC, s.staff_id "
                 "LIMIT 1", dept_id, "业务员")
    claims = _one(settings, "SELECT min(staff_id) FROM staff WHERE branch_id = ? "
                            "AND title = ?", 1, "理赔员")[0]
    finance = _one(settings, "SELECT min(staff_id) FROM staff WHERE branch_id = ? "
                             "AND title = ?", 1, "财务")[0]
    return DemoPeople(1, int(dept_id), int(sales[0]), str(sales[1]), int(claims),
                      int(finance))
