"""What the 工作日志 asks of the analytical store: whether customer codes exist, the
customers of a user's scope for the pickers, and the reminders' renewals due and new
claims. "My customers" are the insured of the policies in the user's data scope (for a
业务员: the policies they handle), the same rule the reports apply.

Through the engine boundary (either engine); every value is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engines.base import Engine
from queries.access import DataScope
from queries.sql import Params, Statement, escape_like
from queries.store import run

PICKER_LIMIT = 50
REMINDER_LIMIT = 20


def _rows(engine: Engine, sql: str, params: Params) -> list[tuple[Any, ...]]:
    return run(engine, Statement(sql, params.values))[1]


def _policy_scope(scope: DataScope, params: Params, alias: str = "p") -> str:
    if scope.level == "company":
        return "TRUE"
    column, value = {"branch": ("branch_id", scope.branch_id),
                     "department": ("dept_id", scope.dept_id),
                     "self": ("handler_id", scope.staff_id)}[scope.level]
    return f"{alias}.{column} = {params.bind(value)}"


def customer_names(engine: Engine, codes: list[str]) -> dict[str, str]:
    """The name of each code the customer table holds (codes it lacks are left out)."""
    if not codes:
        return {}
    params = Params()
    sql = (f"SELECT customer_code, customer_name FROM customer WHERE customer_code IN "
           f"(SELECT unnest({params.bind(sorted(set(codes)))}))")
    return {str(code): str(name) for code, name in _rows(engine, sql, params)}


def master_numbers(engine: Engine, codes: list[str]) -> dict[str, str]:
    """The 统一客户号 of each record code that has one (a work-log prospect's once a load
    has resolved it)."""
    if not codes:
        return {}
    params = Params()
    sql = (f"SELECT customer_code, master_no FROM customer WHERE master_no IS NOT NULL "
           f"AND customer_code IN (SELECT unnest({params.bind(sorted(set(codes)))}))")
    return {str(code): str(number) for code, number in _rows(engine, sql, params)}


def customer_choices(engine: Engine, scope: DataScope, search: str = "",
                     limit: int = PICKER_LIMIT) -> list[tuple[str, str]]:
    """(code, name) of the scope's customers, latest policy first; ``search`` matches the
    start of the code or any part of the name."""
    params = Params()
    where = _policy_scope(scope, params)
    if search.strip():
        like = escape_like(search.strip())
        where += (f" AND (c.customer_code ILIKE {params.bind(like + '%')} ESCAPE '\\' "
                  f"OR c.customer_name ILIKE {params.bind('%' + like + '%')} ESCAPE '\\')")
    sql = (f"SELECT c.customer_code, c.customer_name, max(p.start_date) AS latest "
           f"FROM policy p JOIN customer c ON c.customer_id = p.insured_id WHERE {where} "
           f"GROUP BY c.customer_code, c.customer_name "
           f"ORDER BY latest DESC, c.customer_code LIMIT {int(limit)}")
    return [(str(r[0]), str(r[1])) for r in _rows(engine, sql, params)]


@dataclass(frozen=True)
class Renewal:
    policy_no: str
    customer_code: str
    customer_name: str
    end_date: date
    premium: float


@dataclass(frozen=True)
class NewClaim:
    report_no: str
    policy_no: str
    customer_name: str
    report_date: date
    cause_name: str
    estimated_loss: float


def renewals_due(engine: Engine, scope: DataScope, today: date, days: int = 30,
                 limit: int = REMINDER_LIMIT) -> tuple[int, list[Renewal]]:
    """In-force policies of the scope's customers ending within ``days`` of ``today``
    and not yet renewed: how many, and the first ``limit`` by end date."""
    params = Params()
    where = (f"{_policy_scope(scope, params)} AND p.status = '有效' "
             f"AND p.end_date BETWEEN {params.bind(today)} "
             f"AND {params.bind(today + timedelta(days=days))} "
             f"AND NOT EXISTS (SELECT 1 FROM policy r WHERE r.renewal_of_policy_id = p.policy_id)")
    sql = (f"SELECT p.policy_no, c.customer_code, c.customer_name, p.end_date, p.premium_cny, "
           f"count(*) OVER () FROM policy p JOIN customer c ON c.customer_id = p.insured_id "
           f"WHERE {where} ORDER BY p.end_date, p.policy_no LIMIT {int(limit)}")
    rows = _rows(engine, sql, params)
    return (int(rows[0][5]) if rows else 0,
            [Renewal(str(r[0]), str(r[1]), str(r[2]), r[3], float(r[4])) for r in rows])


def claims_since(engine: Engine, scope: DataScope, since: date,
                 limit: int = REMINDER_LIMIT) -> tuple[int, list[NewClaim]]:
    """Claims reported on or after ``since`` on policies of the scope's customers: how
    many, and the newest ``limit``."""
    params = Params()
    sql = (f"SELECT k.report_no, p.policy_no, c.customer_name, k.report_date, k.cause_name, "
           f"k.estimated_loss_cny, count(*) OVER () FROM claim k "
           f"JOIN policy p ON p.policy_id = k.policy_id "
           f"JOIN customer c ON c.customer_id = p.insured_id "
           f"WHERE {_policy_scope(scope, params)} AND k.report_date >= {params.bind(since)} "
           f"ORDER BY k.report_date DESC, k.report_no LIMIT {int(limit)}")
    rows = _rows(engine, sql, params)
    return (int(rows[0][6]) if rows else 0,
            [NewClaim(str(r[0]), str(r[1]), str(r[2]), r[3], str(r[4]), float(r[5]))
             for r in rows])


@dataclass(frozen=True)
class Colleague:
    staff_id: int
    name: str
    dept_id: int
    branch_id: int


def demo_colleagues(engine: Engine, branch_id: int, dept_id: int, sales_staff_id: int
                    ) -> list[Colleague]:
    """For the demo's work log: the busiest other 业务员 of the demo department, then the
    busiest 业务员 of each other department of the branch (by policies handled)."""
    params = Params()
    # Every column named: ClickHouse names an unaliased ``s.dept_id`` of a subquery that
    # also partitions by it ``s.dept_id``, and the outer ``t.dept_id`` then finds nothing.
    sql = (f"SELECT s.staff_id AS staff_id, s.staff_name AS staff_name, "
           f"s.dept_id AS dept_id, s.branch_id AS branch_id, count(*) AS n, "
           f"row_number() OVER (PARTITION BY s.dept_id ORDER BY count(*) DESC, s.staff_id) "
           f"AS rn FROM policy p JOIN staff s ON s.staff_id = p.handler_id "
           f"WHERE s.branch_id = {params.bind(branch_id)} AND s.title = {params.bind('业务员')} "
           f"AND s.staff_id <> {params.bind(sales_staff_id)} "
           f"GROUP BY s.staff_id, s.staff_name, s.dept_id, s.branch_id")
    # Every name qualified: ClickHouse reads a bare name in the outer ORDER BY as ambiguous.
    rows = _rows(engine, f"SELECT t.staff_id, t.staff_name, t.dept_id, t.branch_id "
                           f"FROM ({sql}) t WHERE t.rn = 1 ORDER BY "
                           f"t.dept_id <> {params.bind(dept_id)}, t.dept_id", params)
    return [Colleague(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]
